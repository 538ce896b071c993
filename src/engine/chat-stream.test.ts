import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SseEvent, SseEvents } from '../upstream/index.js';
import type { RequestEvent } from './accounting.js';
import { ChatStream } from './chat-stream.js';
import type { StreamEnd } from './chat-stream.js';
import type { BreakerboxMeta } from './meta.js';
import type { OpenedStream } from './stream-call.js';

/** Upstream events, all already read: `takeReady()` hands them out, then `next()` ends. */
function opened(buffered: string[], queued: string[]): OpenedStream {
  const queue: SseEvent[] = queued.map((data) => ({ data }));
  const events: SseEvents = {
    next: () =>
      Promise.resolve(
        queue.length > 0
          ? { value: queue.shift() as SseEvent, done: false }
          : { value: undefined, done: true },
      ),
    takeReady: () => queue.shift(),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return {
    buffered: buffered.map((data) => ({ data })),
    events,
    abort: () => undefined,
    signal: new AbortController().signal,
    releaseDeadline: () => undefined,
    firstContentMs: 1,
    upstreamRequestId: undefined,
  };
}

function chatStream(o: OpenedStream, ends: StreamEnd[]): ChatStream {
  return new ChatStream({
    opened: o,
    meta: {} as BreakerboxMeta,
    callerWantsUsage: false,
    onEnd: (end) => {
      ends.push(end);
      return {} as RequestEvent;
    },
  });
}

test('nextReady: buffered then queued chunks, usage read and hidden, the end left to next()', async () => {
  const ends: StreamEnd[] = [];
  const usage = '{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}}';
  const s = chatStream(opened(['{"a":1}'], ['{"b":2,"usage":null}', usage]), ends);
  const it = s[Symbol.asyncIterator]();
  const nextReady = it.nextReady?.bind(it);
  assert.ok(nextReady);
  assert.deepEqual(nextReady(), { value: '{"a":1}', done: false });
  assert.deepEqual(nextReady(), { value: '{"b":2}', done: false });
  assert.equal(nextReady(), undefined, 'the usage chunk is hidden');
  assert.deepEqual(await it.next(), { done: true, value: undefined });
  const [end] = ends;
  assert.ok(end && ends.length === 1);
  assert.equal(end.outcome.type, 'success');
  assert.equal(end.promptTokens, 3);
  assert.equal(end.completionTokens, 2);
});

test('nextReady: a chunk that fails to relay is thrown by the next next(), once', async () => {
  const ends: StreamEnd[] = [];
  const s = chatStream(opened(['{"a":1}'], ['{"usage":{ broken', '{"c":3}']), ends);
  const it = s[Symbol.asyncIterator]();
  const nextReady = it.nextReady?.bind(it);
  assert.ok(nextReady);
  assert.deepEqual(nextReady(), { value: '{"a":1}', done: false });
  assert.equal(nextReady(), undefined);
  assert.equal(nextReady(), undefined, 'nothing after the failure');
  await assert.rejects(it.next(), SyntaxError);
  const [end] = ends;
  assert.ok(end && ends.length === 1);
  assert.equal(end.outcome.type, 'failure');
  assert.deepEqual(await it.next(), { done: true, value: undefined });
});

test('usage: hidden from a caller who did not ask, wherever the key sits; content is untouched', async () => {
  const ends: StreamEnd[] = [];
  const chunks = [
    '{"id":"a","choices":[{"delta":{"content":"x"}}],"usage":null}',
    '{"id":"b","usage":null,"choices":[{"delta":{"content":"y"}}]}',
    '{"id":"c","choices":[{"delta":{"content":"the \\"usage\\":null text"}}]}',
    '{"id":"d","choices":[{"delta":{"content":"z"}}],"usage":{"prompt_tokens":5,"completion_tokens":1}}',
    '{"usage":{"prompt_tokens":7,"completion_tokens":4},"choices":[]}',
  ];
  const s = chatStream(opened([], chunks), ends);
  const got: string[] = [];
  for await (const c of s) got.push(c);
  assert.deepEqual(got, [
    '{"id":"a","choices":[{"delta":{"content":"x"}}]}',
    '{"id":"b","choices":[{"delta":{"content":"y"}}]}',
    chunks[2],
    chunks[3],
  ]);
  const [end] = ends;
  assert.ok(end);
  assert.equal(end.promptTokens, 7);
  assert.equal(end.completionTokens, 4);
});
