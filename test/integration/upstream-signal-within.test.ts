// The upstream client's `signalWithinMs`: a JSON attempt whose caller's signal (the request
// deadline) is sure to abort sooner sets no timer that could not fire first. Against a tiny
// node:http server on 127.0.0.1; bounded waits, no timing assertions beyond "it fired".
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../../src/core/index.js';
import type { Clock } from '../../src/core/index.js';
import { createUpstream } from '../../src/upstream/index.js';
import type { Upstream, UpstreamRequest } from '../../src/upstream/index.js';

const server = createServer((req, res) => {
  if (req.url?.startsWith('/hang/') === true) return; // never answers
  req.resume();
  if (req.url?.startsWith('/sse/') === true) {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end('data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}\n\ndata: [DONE]\n\n');
    return;
  }
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"id":"chatcmpl-1","object":"chat.completion","choices":[]}');
  });
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as AddressInfo).port;
const clients: Upstream[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  server.closeAllConnections();
  await new Promise<void>((r) =>
    server.close(() => {
      r();
    }),
  );
});

/** The system clock, recording the duration of every timer set through it. */
function recordingClock(): Clock & { set: number[] } {
  const set: number[] = [];
  return {
    set,
    now: () => systemClock.now(),
    epochMs: () => systemClock.epochMs(),
    sleep: (ms: number, signal?: AbortSignal) => systemClock.sleep(ms, signal),
    setTimer: (ms: number, fn: () => void) => {
      set.push(ms);
      return systemClock.setTimer(ms, fn);
    },
  };
}

const CONNECT_MS = 1000;

function client(path: string, clock: Clock, timeouts: Record<string, number> = {}): Upstream {
  const c = createUpstream({
    name: 'local',
    baseURL: `http://127.0.0.1:${port}/${path}/v1`,
    apiKey: 'sk-test-0123456789',
    timeouts: {
      connectMs: CONNECT_MS,
      firstByteMs: 2000,
      idleMs: 2000,
      totalMs: 5000,
      ...timeouts,
    },
    clock,
  });
  clients.push(c);
  return c;
}

const req = (extra: Partial<UpstreamRequest> = {}): UpstreamRequest => ({
  deploymentId: 'local/m',
  body: { model: 'm', messages: [{ role: 'user', content: 'hi' }] },
  ...extra,
});

/** The attempt's own timers a clock saw, sorted (not the connect timer). */
async function attemptTimers(extra: Partial<UpstreamRequest>): Promise<number[]> {
  const clock = recordingClock();
  const r = await client('ok', clock).chat(req(extra));
  assert.equal(r.type, 'success');
  return clock.set.filter((ms) => ms !== CONNECT_MS).sort((a, b) => a - b);
}

test('timers that cannot fire before the caller’s signal are not set', async () => {
  const signal = new AbortController().signal;
  assert.deepEqual(await attemptTimers({ signal }), [2000, 2000, 5000]);
  assert.deepEqual(await attemptTimers({ signal, signalWithinMs: 2000 }), []);
  assert.deepEqual(await attemptTimers({ signal, signalWithinMs: 3000 }), [2000, 2000]);
  // Without a signal nothing bounds the attempt: every timer stays.
  assert.deepEqual(await attemptTimers({ signalWithinMs: 10 }), [2000, 2000, 5000]);
});

/** The timers a stream attempt's clock saw while the stream was read to its end, sorted. */
async function streamTimers(extra: Partial<UpstreamRequest>): Promise<number[]> {
  const clock = recordingClock();
  const r = await client('sse', clock).chatStream(req(extra));
  if (r.type !== 'stream') assert.fail(`expected a stream, got ${r.type}`);
  for await (const ev of r.events) assert.ok(ev.data.length > 0);
  return clock.set.filter((ms) => ms !== CONNECT_MS).sort((a, b) => a - b);
}

test('a stream sets no first-byte timer its signal beats, but keeps its total and idle timers', async () => {
  const signal = new AbortController().signal;
  const all = await streamTimers({ signal });
  const within = await streamTimers({ signal, signalWithinMs: 2000 });
  // firstByteMs and idleMs are both 2000 here: one 2000 (the first-byte timer) goes.
  const count = (xs: number[], ms: number): number => xs.filter((x) => x === ms).length;
  assert.equal(count(all, 5000), 1, `total timer: ${all.join(',')}`);
  assert.equal(count(within, 5000), 1, 'the total timer stays: the stream outlives the signal');
  assert.equal(count(within, 2000), count(all, 2000) - 1, `${all.join(',')} → ${within.join(',')}`);
  assert.ok(count(within, 2000) >= 1, 'the idle timer stays');
  // A first-byte timer shorter than the signal's bound stays.
  assert.deepEqual(await streamTimers({ signal, signalWithinMs: 3000 }), all);
});

async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${what}: not within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([p, limit]);
  } finally {
    clearTimeout(timer);
  }
}

test('a hung upstream: the caller’s signal ends it; a shorter first-byte timer still fires', async () => {
  const cancelled = await within(
    client('hang', systemClock).chat(
      req({ signal: AbortSignal.timeout(100), signalWithinMs: 100 }),
    ),
    3000,
    'caller signal',
  );
  assert.equal(cancelled.type, 'cancelled');
  const r = await within(
    client('hang', systemClock, { firstByteMs: 100 }).chat(
      req({ signal: AbortSignal.timeout(2000), signalWithinMs: 2000 }),
    ),
    3000,
    'first byte',
  );
  if (r.type !== 'failure') assert.fail(`expected a failure, got ${r.type}`);
  assert.equal(r.error.kind, 'first_byte_timeout');
});
