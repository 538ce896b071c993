import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { CancelledError, FakeClock, UpstreamError } from '../core/index.js';
import { Attempt } from './attempt.js';
import { DRAIN_GRACE_MS, HIGH_WATER_EVENTS, SseEventStream } from './stream.js';
import type { SseEvent } from './types.js';

const IDLE_MS = 100;
const TOTAL_MS = 1000;

/** Lets queued stream callbacks ('data', 'end', 'error') run; no time passes on the FakeClock. */
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

function setup(opts: { signal?: AbortSignal; redact?: string } = {}) {
  const clock = new FakeClock();
  const body = new PassThrough();
  const attempt = new Attempt(clock, { totalMs: TOTAL_MS }, opts.signal);
  const events = new SseEventStream({
    body,
    attempt,
    clock,
    idleMs: IDLE_MS,
    deploymentId: 'p/m',
    ...(opts.redact ? { redact: opts.redact } : {}),
  });
  return { clock, body, attempt, events };
}

async function collect(
  events: AsyncIterable<SseEvent>,
): Promise<{ got: string[]; error?: unknown }> {
  const got: string[] = [];
  try {
    for await (const e of events) got.push(e.data);
  } catch (error) {
    return { got, error };
  }
  return { got };
}

function assertUpstream(error: unknown, kind: string): UpstreamError {
  assert.ok(error instanceof UpstreamError, `expected UpstreamError, got ${String(error)}`);
  assert.equal(error.kind, kind);
  assert.equal(error.deploymentId, 'p/m');
  return error;
}

function isKind(kind: string): (e: unknown) => boolean {
  return (e) => {
    assertUpstream(e, kind);
    return true;
  };
}

async function nextData(events: AsyncIterator<SseEvent>): Promise<string> {
  const r = await events.next();
  assert.equal(r.done, false);
  return r.value.data;
}

test('yields events in order, ends after [DONE] (not yielded), and frees its timers', async () => {
  const { body, events, clock } = setup();
  body.write('data: {"a":1}\n\ndata: not json\n\n');
  body.write('data: {"c":"the \\"error\\" word"}\n\ndata: [DONE]\n\ndata: after\n\n');
  body.end();
  const { got, error } = await collect(events);
  assert.equal(error, undefined);
  assert.deepEqual(got, ['{"a":1}', 'not json', '{"c":"the \\"error\\" word"}']);
  await flush(); // the tail's 'end' ends the drain
  assert.equal(clock.pendingTimers, 0);
});

test('a data payload with a top-level error throws stream_error after the events before it', async () => {
  const key = 'sk-secret-0123456789';
  const { body, events, clock } = setup({ redact: key });
  body.write('data: {"choices":[]}\n\n');
  body.write(`data: {"error":{"message":"overloaded ${key}","type":"server_error"}}\n\n`);
  const { got, error } = await collect(events);
  assert.deepEqual(got, ['{"choices":[]}']);
  const e = assertUpstream(error, 'stream_error');
  assert.equal(e.message, 'overloaded [redacted]');
  assert.equal(clock.pendingTimers, 1, 'only the drain grace timer is left');
  body.end();
  await flush();
  assert.equal(clock.pendingTimers, 0);
});

test('a top-level error key after other keys (OpenRouter) is an error; "error" as a value is not', async () => {
  const { body, events } = setup();
  body.write('data: {"id":"a","choices":[{"index":0,"finish_reason":"error"}]}\n\n');
  body.write(
    'data: {"id":"a","object":"chat.completion.chunk","error":{"code":"server_error","message":"Provider disconnected"},"choices":[]}\n\n',
  );
  const { got, error } = await collect(events);
  assert.equal(got.length, 1);
  assert.equal(assertUpstream(error, 'stream_error').message, 'Provider disconnected');
});

test('event: error throws stream_error, whatever its data', async () => {
  const { body, events } = setup();
  body.write(
    'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
  );
  const { error } = await collect(events);
  assert.equal(assertUpstream(error, 'stream_error').message, 'Overloaded');
  const bare = setup();
  bare.body.write('event: error\ndata: oops\n\n');
  assert.equal(
    assertUpstream((await collect(bare.events)).error, 'stream_error').message,
    'upstream sent an error event',
  );
});

test('EOF without [DONE] throws stream_error', async () => {
  const { body, events, clock } = setup();
  body.end('data: {"a":1}\n\ndata: {"b"');
  const { got, error } = await collect(events);
  assert.deepEqual(got, ['{"a":1}']);
  assertUpstream(error, 'stream_error');
  assert.equal(clock.pendingTimers, 0);
});

test('a socket cut after the head throws stream_error with the cause kept', async () => {
  const { body, events } = setup();
  body.write('data: {"a":1}\n\n');
  const cut = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
  setImmediate(() => body.destroy(cut));
  const { got, error } = await collect(events);
  assert.deepEqual(got, ['{"a":1}']);
  assert.equal(assertUpstream(error, 'stream_error').cause, cut);
});

test('idle: no event within idleMs, from the head on, throws idle_timeout and aborts', async () => {
  const { events, clock, attempt } = setup();
  const pending = events.next();
  clock.advance(IDLE_MS);
  await assert.rejects(pending, isKind('idle_timeout'));
  assert.equal(attempt.aborted, true);
  assert.equal(clock.pendingTimers, 0);
});

test('idle: events more often than idleMs keep the stream alive; comments do not', async () => {
  const { body, events, clock } = setup();
  for (let i = 0; i < 5; i++) {
    clock.advance(IDLE_MS - 10);
    body.write(`data: ${i}\n\n`);
    await flush();
    assert.deepEqual(await events.next(), { value: { data: String(i) }, done: false });
  }
  const rejected = assert.rejects(events.next(), isKind('idle_timeout'));
  for (let i = 0; i < 3; i++) {
    body.write(': ping\n\n');
    await flush();
    clock.advance(IDLE_MS / 2);
  }
  await rejected;
});

test('idle: time the consumer spends with events queued is not upstream silence', async () => {
  const { body, events, clock } = setup();
  body.write('data: a\n\ndata: b\n\n');
  await flush();
  clock.advance(IDLE_MS * 3.5);
  assert.equal(await nextData(events), 'a');
  assert.equal(await nextData(events), 'b');
  // The idle check due at 4 × IDLE_MS must count from the moment the queue ran empty (3.5 ×).
  clock.advance(IDLE_MS * 0.6);
  body.write('data: c\n\n');
  await flush();
  assert.equal(await nextData(events), 'c');
});

test('total: the attempt timer throws total_timeout after the queued events', async () => {
  const { body, events, clock } = setup();
  body.write('data: a\n\n');
  await flush();
  clock.advance(TOTAL_MS);
  const { got, error } = await collect(events);
  assert.deepEqual(got, ['a']);
  assertUpstream(error, 'total_timeout');
});

test('the caller aborting drops queued events, aborts the request and throws CancelledError', async () => {
  const caller = new AbortController();
  const { body, events, attempt, clock } = setup({ signal: caller.signal });
  body.write('data: a\n\n');
  await flush();
  caller.abort();
  assert.equal(attempt.aborted, true);
  await assert.rejects(events.next(), CancelledError);
  assert.deepEqual(await events.next(), { value: undefined, done: true });
  assert.equal(clock.pendingTimers, 0);
});

test('abort() rejects a pending next() with CancelledError at once', async () => {
  const { events, attempt } = setup();
  const pending = events.next();
  events.abort();
  await assert.rejects(pending, CancelledError);
  assert.equal(attempt.aborted, true);
});

test('return() aborts the request, settles a pending next() as done, and frees timers', async () => {
  const { events, attempt, clock, body } = setup();
  const pending = events.next();
  assert.deepEqual(await events.return(), { value: undefined, done: true });
  assert.deepEqual(await pending, { value: undefined, done: true });
  assert.equal(attempt.aborted, true);
  assert.equal(clock.pendingTimers, 0);
  body.write('data: late\n\n');
  await flush();
  assert.deepEqual(await events.next(), { value: undefined, done: true });
});

test('return() after an error the consumer has not seen yet: next() reports done', async () => {
  const { body, events } = setup();
  body.end('data: {"a":1}\n\n');
  await flush();
  await events.return();
  assert.deepEqual(await events.next(), { value: undefined, done: true });
});

test('breaking out of for-await calls return()', async () => {
  const { body, events, attempt } = setup();
  body.write('data: a\n\ndata: b\n\n');
  for await (const e of events) {
    assert.equal(e.data, 'a');
    break;
  }
  assert.equal(attempt.aborted, true);
});

test('backpressure: the body pauses at the high-water mark and resumes once drained', async () => {
  const { body, events } = setup();
  body.write('data: x\n\n'.repeat(HIGH_WATER_EVENTS + 1));
  await flush();
  assert.equal(body.isPaused(), true);
  for (let i = 0; i <= HIGH_WATER_EVENTS; i++) await events.next();
  assert.equal(body.isPaused(), false);
});

test('after [DONE] the tail is drained; a tail that never ends is destroyed after the grace', async () => {
  const { body, events, clock, attempt } = setup();
  body.write('data: [DONE]\n\n');
  assert.deepEqual(await events.next(), { value: undefined, done: true });
  assert.equal(attempt.aborted, false, 'a clean end keeps the connection');
  clock.advance(DRAIN_GRACE_MS);
  await flush();
  assert.equal(body.destroyed, true);
  assert.equal(clock.pendingTimers, 0);
});

test('two concurrent next() calls: the second rejects with a TypeError', async () => {
  const { events } = setup();
  const first = events.next();
  await assert.rejects(events.next(), TypeError);
  events.abort();
  await assert.rejects(first, CancelledError);
});

test('broken framing (a line over the limit) throws malformed_response and aborts', async () => {
  const { body, events, attempt } = setup();
  body.write(Buffer.alloc(17 * 1024 * 1024, 0x61));
  const { error } = await collect(events);
  assertUpstream(error, 'malformed_response');
  assert.equal(attempt.aborted, true);
});

test('takeReady hands out queued events without a promise, then leaves the end to next()', async () => {
  const { body, events } = setup();
  assert.equal(events.takeReady(), undefined, 'nothing has arrived');
  body.write('data: 1\n\ndata: 2\n\ndata: 3\n\n');
  await flush();
  assert.equal(await nextData(events), '1');
  assert.equal(events.takeReady()?.data, '2');
  assert.equal(events.takeReady()?.data, '3');
  assert.equal(events.takeReady(), undefined);
  body.write('data: [DONE]\n\n');
  body.end();
  await flush();
  assert.equal(events.takeReady(), undefined, '[DONE] is not an event');
  assert.deepEqual(await events.next(), { done: true, value: undefined });
});

test('takeReady resumes a body paused at the high-water mark once the queue is empty', async () => {
  const { body, events } = setup();
  body.write('data: x\n\n'.repeat(HIGH_WATER_EVENTS + 1));
  await flush();
  assert.equal(body.isPaused(), true);
  let taken = 0;
  while (events.takeReady() !== undefined) taken++;
  assert.equal(taken, HIGH_WATER_EVENTS + 1);
  assert.equal(body.isPaused(), false);
});
