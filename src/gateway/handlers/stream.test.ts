import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { UpstreamError } from '../../core/index.js';
import type { ChatStream } from '../../engine/index.js';
import { pumpStream } from './stream.js';

/** A response that reports a full buffer on every write until `drain()` is called. */
class FakeResponse extends EventEmitter {
  written: string[] = [];
  status = 0;
  headers: Record<string, string> = {};
  destroyed = false;
  writableFinished = false;
  full = false;
  ended: string | undefined;
  writeHead(status: number, headers: Record<string, string>): this {
    this.status = status;
    this.headers = headers;
    return this;
  }
  write(chunk: string): boolean {
    this.written.push(chunk);
    return !this.full;
  }
  end(chunk: string): this {
    this.ended = chunk;
    this.writableFinished = true;
    return this;
  }
  drain(): void {
    this.emit('drain');
  }
}

const meta = {
  requestId: 'req_1',
  requestedModel: 'm',
  model: 'm',
  deployment: 'p/m',
  fallbackUsed: false,
  fallback: 'none' as const,
  attempts: [],
  calls: 1,
  cached: false,
  costUsd: 0,
  costIfRequestedUsd: 0,
  durationMs: 1,
};

function fakeStream(chunks: string[], failAfter?: number) {
  let pulled = 0;
  let cancelled = 0;
  const stream = {
    meta,
    cancel() {
      cancelled++;
    },
    async *[Symbol.asyncIterator]() {
      for (const c of chunks) {
        if (failAfter !== undefined && pulled === failAfter) {
          throw new UpstreamError({ kind: 'stream_error', deploymentId: 'p/m' });
        }
        pulled++;
        yield c;
        await Promise.resolve();
      }
    },
  };
  return {
    stream: stream as unknown as ChatStream,
    pulled: () => pulled,
    cancelled: () => cancelled,
  };
}

test('chunks are written as SSE, then [DONE]; headers carry the meta', async () => {
  const res = new FakeResponse();
  const s = fakeStream(['{"a":1}', '{"a":2}']);
  const end = await pumpStream(s.stream, res as unknown as ServerResponse);
  assert.deepEqual(end, { type: 'done' });
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
  assert.equal(res.headers['x-accel-buffering'], 'no');
  assert.equal(res.headers['x-breakerbox-deployment'], 'p/m');
  assert.deepEqual(res.written, ['data: {"a":1}\n\n', 'data: {"a":2}\n\n']);
  assert.equal(res.ended, 'data: [DONE]\n\n');
});

test('backpressure: the next chunk is not pulled until the socket drains', async () => {
  const res = new FakeResponse();
  res.full = true;
  const s = fakeStream(['1', '2', '3']);
  const pumping = pumpStream(s.stream, res as unknown as ServerResponse);
  for (let i = 0; i < 20; i++) await Promise.resolve();
  assert.equal(s.pulled(), 1, 'waiting for drain after the first write');
  assert.equal(res.written.length, 1);
  res.full = false;
  res.drain();
  assert.deepEqual(await pumping, { type: 'done' });
  assert.equal(res.written.length, 3);
});

test('a failure after content: an error event and no [DONE]', async () => {
  const res = new FakeResponse();
  const s = fakeStream(['1', '2', '3'], 1);
  const end = await pumpStream(s.stream, res as unknown as ServerResponse);
  assert.equal(end.type, 'failed');
  assert.equal(res.written.length, 1);
  const ended = res.ended ?? '';
  assert.ok(ended.startsWith('data: {"error":'));
  assert.ok(!ended.includes('[DONE]'));
  const payload = JSON.parse(ended.slice(6)) as { error: { code: string } };
  assert.equal(payload.error.code, 'upstream_error');
});

test('the client going away cancels the stream', async () => {
  const res = new FakeResponse();
  res.full = true;
  const s = fakeStream(['1', '2', '3']);
  const pumping = pumpStream(s.stream, res as unknown as ServerResponse);
  for (let i = 0; i < 20; i++) await Promise.resolve();
  res.destroyed = true;
  res.emit('close');
  assert.deepEqual(await pumping, { type: 'client-gone' });
  assert.ok(s.cancelled() >= 1);
  assert.equal(res.ended, undefined, 'nothing written after the close');
});

/**
 * A stream like the engine's: `nextReady()` hands out the chunks already read from the upstream
 * (`arrived`), `next()` waits for the next arrival. `pulled` counts chunks taken from upstream.
 */
function readyStream() {
  const arrived: string[] = [];
  let waiting: ((r: IteratorResult<string>) => void) | undefined;
  let ended = false;
  let pulled = 0;
  const take = (): IteratorResult<string> => {
    pulled++;
    return { value: arrived.shift() as string, done: false };
  };
  const it = {
    next(): Promise<IteratorResult<string>> {
      if (arrived.length > 0) return Promise.resolve(take());
      if (ended) return Promise.resolve({ done: true, value: undefined });
      return new Promise<IteratorResult<string>>((resolve) => {
        waiting = resolve;
      });
    },
    nextReady(): IteratorResult<string> | undefined {
      return arrived.length > 0 ? take() : undefined;
    },
    return(): Promise<IteratorResult<string>> {
      return Promise.resolve({ done: true, value: undefined });
    },
  };
  const stream = { meta, cancel() {}, [Symbol.asyncIterator]: () => it };
  const wake = (): void => {
    const w = waiting;
    waiting = undefined;
    if (w && arrived.length > 0) w(take());
    else if (w && ended) w({ done: true, value: undefined });
  };
  return {
    stream: stream as unknown as ChatStream,
    /** The upstream delivers these chunks in one read. */
    arrive(...chunks: string[]) {
      arrived.push(...chunks);
      wake();
    },
    end() {
      ended = true;
      wake();
    },
    pulled: () => pulled,
  };
}

test('the chunks of one upstream read go out in one write', async () => {
  const res = new FakeResponse();
  const s = readyStream();
  const pumping = pumpStream(s.stream, res as unknown as ServerResponse);
  s.arrive('1', '2', '3');
  for (let i = 0; i < 20; i++) await Promise.resolve();
  assert.deepEqual(res.written, ['data: 1\n\ndata: 2\n\ndata: 3\n\n']);
  s.arrive('4');
  s.end();
  assert.deepEqual(await pumping, { type: 'done' });
  assert.deepEqual(res.written, ['data: 1\n\ndata: 2\n\ndata: 3\n\n', 'data: 4\n\n']);
  assert.equal(res.ended, 'data: [DONE]\n\n');
});

test('backpressure with batches: nothing more is taken from upstream until the socket drains', async () => {
  const res = new FakeResponse();
  res.full = true;
  const s = readyStream();
  const pumping = pumpStream(s.stream, res as unknown as ServerResponse);
  s.arrive('1', '2');
  for (let i = 0; i < 20; i++) await Promise.resolve();
  assert.equal(s.pulled(), 2);
  s.arrive('3', '4');
  for (let i = 0; i < 20; i++) await Promise.resolve();
  assert.equal(s.pulled(), 2, 'chunks that arrive while the client is slow stay upstream');
  assert.equal(res.written.length, 1);
  res.full = false;
  res.drain();
  for (let i = 0; i < 20; i++) await Promise.resolve();
  assert.equal(s.pulled(), 4);
  assert.deepEqual(res.written, ['data: 1\n\ndata: 2\n\n', 'data: 3\n\ndata: 4\n\n']);
  s.end();
  assert.deepEqual(await pumping, { type: 'done' });
});
