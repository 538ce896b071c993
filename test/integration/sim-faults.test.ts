// Every fault kind of the simulator is observable from a real client: statuses and headers, cut
// and stalled streams, error events, malformed bodies, hangs; counts happen before faults; the
// same seed gives the same outcomes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startSimulator, type Faults } from '../../src/sim/index.js';
import { startSim } from '../support/start-sim.js';

const MESSAGES = [{ role: 'user' as const, content: 'Is the upstream healthy today?' }];

function client(url: string): OpenAI {
  return new OpenAI({ apiKey: 'x', baseURL: url, maxRetries: 0 });
}

function chat(
  url: string,
  extra: Record<string, unknown> = {},
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(`${url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', messages: MESSAGES, ...extra }),
    ...(signal === undefined ? {} : { signal }),
  });
}

async function errorOf(res: Response): Promise<Record<string, unknown>> {
  return ((await res.json()) as { error: Record<string, unknown> }).error;
}

async function statuses(url: string, count: number): Promise<number[]> {
  const out = [];
  for (let i = 0; i < count; i++) {
    const res = await chat(url);
    await res.arrayBuffer();
    out.push(res.status);
  }
  return out;
}

test('rateLimit: 429 rate_limit_exceeded with Retry-After and retry-after-ms', async (t) => {
  const sim = await startSim(t, {
    models: { m: { faults: { rateLimit: { retryAfterS: 2, retryAfterMs: 1500 } } } },
  });
  const res = await chat(sim.url);
  assert.equal(res.status, 429);
  assert.equal(res.headers.get('retry-after'), '2');
  assert.equal(res.headers.get('retry-after-ms'), '1500');
  const error = await errorOf(res);
  assert.equal(error.code, 'rate_limit_exceeded');
  assert.equal(error.type, 'requests');
  sim.setFaults('m', { rateLimit: { retryAfterMs: 2500 } });
  const derived = await chat(sim.url);
  assert.equal(derived.headers.get('retry-after'), '3', 'seconds rounded up from retryAfterMs');
  await derived.arrayBuffer();
  await assert.rejects(
    client(sim.url).chat.completions.create({ model: 'm', messages: MESSAGES }),
    OpenAI.RateLimitError,
  );
});

test('down: every call 503 overloaded; errorRate answers errorStatus (529, 404 included)', async (t) => {
  const sim = await startSim(t, { models: { m: { faults: { down: true } } } });
  assert.deepEqual(await statuses(sim.url, 3), [503, 503, 503]);
  const overloaded = await chat(sim.url);
  assert.equal((await errorOf(overloaded)).code, 'server_is_overloaded');
  await assert.rejects(
    client(sim.url).chat.completions.create({ model: 'm', messages: MESSAGES }),
    OpenAI.InternalServerError,
  );
  sim.setFaults('m', { errorRate: 1, errorStatus: 529 });
  assert.deepEqual(await statuses(sim.url, 2), [529, 529]);
  sim.setFaults('m', { errorRate: 1 });
  const plain = await chat(sim.url);
  assert.equal(plain.status, 500);
  assert.equal((await errorOf(plain)).type, 'server_error');
  sim.setFaults('m', { errorRate: 1, errorStatus: 404 });
  const missing = await chat(sim.url);
  assert.equal((await errorOf(missing)).code, 'model_not_found');
  sim.clearFaults();
  assert.deepEqual(await statuses(sim.url, 1), [200]);
});

test('flatErrorBody: errors in old vLLM flat shape', async (t) => {
  const sim = await startSim(t, {
    models: { m: { faults: { errorRate: 1, errorStatus: 400, flatErrorBody: true } } },
  });
  const res = await chat(sim.url);
  assert.equal(res.status, 400);
  const body = (await res.json()) as Record<string, unknown>;
  assert.equal(body.object, 'error');
  assert.equal(body.code, 400);
  assert.equal(typeof body.message, 'string');
  assert.equal('error' in body, false);
});

test('fault rates are reproducible for a seed, and each model has its own stream', async (t) => {
  const faults: Faults = { errorRate: 0.5 };
  const run = async (seed: number): Promise<number[]> => {
    const sim = await startSimulator({ seed, models: { m: { faults } } });
    try {
      return await statuses(sim.url, 24);
    } finally {
      await sim.close();
    }
  };
  const first = await run(7);
  assert.deepEqual(await run(7), first);
  assert.ok(first.includes(200) && first.includes(500), 'a 0.5 rate gives both outcomes');
  assert.notDeepEqual(await run(8), first);
  const sim = await startSim(t, { seed: 7, models: { m: { faults }, other: { faults } } });
  const interleaved = [];
  for (let i = 0; i < 24; i++) {
    interleaved.push((await statuses(sim.url, 1))[0]);
    const other = await chat(sim.url, { model: 'other' });
    await other.arrayBuffer();
  }
  assert.deepEqual(interleaved, first, "another model's traffic does not shift this model's draws");
});

test('contextLengthError, and automatically when the prompt exceeds contextWindow', async (t) => {
  const sim = await startSim(t, { models: { small: { contextWindow: 5 } } });
  const res = await chat(sim.url, { model: 'small', max_tokens: 10 });
  assert.equal(res.status, 400);
  const error = await errorOf(res);
  assert.equal(error.code, 'context_length_exceeded');
  assert.equal(error.param, 'messages');
  assert.match(String(error.message), /maximum context length is 5 tokens/);
  const embed = await fetch(`${sim.url}/embeddings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'small', input: 'x'.repeat(100) }),
  });
  assert.equal((await errorOf(embed)).param, 'input');
  sim.setFaults('m', { contextLengthError: true });
  await assert.rejects(
    client(sim.url).chat.completions.create({ model: 'm', messages: MESSAGES }),
    (error) => {
      assert.ok(error instanceof OpenAI.BadRequestError);
      assert.equal(error.code, 'context_length_exceeded');
      return true;
    },
  );
});

test('malformed: 200 with truncated JSON, or a broken SSE event', async (t) => {
  const sim = await startSim(t, { models: { m: { faults: { malformedRate: 1 } } } });
  const res = await chat(sim.url);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/json');
  const text = await res.text();
  assert.ok(text.startsWith('{"id":"chatcmpl-'));
  assert.throws(() => JSON.parse(text) as unknown, SyntaxError);
  await assert.rejects(client(sim.url).chat.completions.create({ model: 'm', messages: MESSAGES }));
  // The SDK logs the chunk it cannot parse: keep the test output clean.
  const openai = new OpenAI({ apiKey: 'x', baseURL: sim.url, maxRetries: 0, logLevel: 'off' });
  await assert.rejects(async () => {
    const stream = await openai.chat.completions.create({
      model: 'm',
      messages: MESSAGES,
      stream: true,
    });
    for await (const chunk of stream) assert.ok(chunk);
  }, SyntaxError);
  const embed = await fetch(`${sim.url}/embeddings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', input: 'x' }),
  });
  assert.equal(embed.status, 200);
  const embedText = await embed.text();
  assert.throws(() => JSON.parse(embedText) as unknown, SyntaxError);
});

test('errorEventBeforeContentRate: 200, then an error event, then the end; the SDK throws APIError', async (t) => {
  const sim = await startSim(t, { models: { m: { faults: { errorEventBeforeContentRate: 1 } } } });
  const res = await chat(sim.url, { stream: true });
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.ok(text.startsWith('data: {"error":{'));
  assert.equal(text.includes('[DONE]'), false);
  assert.equal(text.includes('"delta"'), false, 'no content before the error');
  const openai = client(sim.url);
  const seen: unknown[] = [];
  await assert.rejects(
    async () => {
      const stream = await openai.chat.completions.create({
        model: 'm',
        messages: MESSAGES,
        stream: true,
      });
      for await (const chunk of stream) seen.push(chunk);
    },
    (error) => {
      assert.ok(error instanceof OpenAI.APIError);
      assert.equal(error.status, undefined);
      assert.equal(error.code, 'server_is_overloaded');
      return true;
    },
  );
  assert.equal(seen.length, 0);
  const json = await client(sim.url).chat.completions.create({ model: 'm', messages: MESSAGES });
  assert.equal(json.choices[0]!.finish_reason, 'stop', 'non-stream calls are not affected');
});

test('streamCutAfterChunks: the SDK gets N content chunks, then an error, no finish', async (t) => {
  const sim = await startSim(t, {
    models: { m: { chunkCount: 10, faults: { streamCutAfterChunks: 3 } } },
  });
  const openai = client(sim.url);
  const contents: string[] = [];
  await assert.rejects(async () => {
    const stream = await openai.chat.completions.create({
      model: 'm',
      messages: MESSAGES,
      stream: true,
    });
    for await (const chunk of stream) {
      const content = chunk.choices[0]?.delta.content;
      if (content) contents.push(content);
      assert.equal(chunk.choices[0]?.finish_reason, null);
    }
  });
  assert.deepEqual(contents, ['Simulated', ' answer', ' from']);
  sim.setFaults('m', { streamCutAfterChunks: 50 });
  await assert.rejects(
    async () => {
      const stream = await openai.chat.completions.create({
        model: 'm',
        messages: MESSAGES,
        stream: true,
      });
      for await (const chunk of stream) assert.equal(chunk.choices[0]?.finish_reason, null);
    },
    Error,
    'a cut past the end still cuts before the finish chunk',
  );
});

test('streamStallAfterChunks + chunkDelayMs: chunks stop coming; the client aborts; close() is prompt', async (t) => {
  const sim = await startSim(t, {
    models: { m: { chunkCount: 10, faults: { streamStallAfterChunks: 2, chunkDelayMs: 5 } } },
  });
  const openai = client(sim.url);
  const controller = new AbortController();
  const stream = await openai.chat.completions.create(
    { model: 'm', messages: MESSAGES, stream: true },
    { signal: controller.signal },
  );
  const contents: string[] = [];
  const idleTimer = { id: undefined as NodeJS.Timeout | undefined };
  const finishes: unknown[] = [];
  // The SDK ends the iteration quietly when its signal aborts.
  for await (const chunk of stream) {
    const content = chunk.choices[0]?.delta.content;
    if (content) contents.push(content);
    if (chunk.choices[0]?.finish_reason) finishes.push(chunk.choices[0].finish_reason);
    clearTimeout(idleTimer.id);
    // An idle timeout, as a resilient client would have: 150 ms without a chunk aborts.
    idleTimer.id = setTimeout(() => {
      controller.abort();
    }, 150);
  }
  assert.equal(controller.signal.aborted, true);
  assert.deepEqual(finishes, []);
  clearTimeout(idleTimer.id);
  assert.deepEqual(contents, ['Simulated', ' answer']);
  const pending = openai.chat.completions.create({ model: 'm', messages: MESSAGES, stream: true });
  const stalled = await pending;
  let firstChunk: () => void = () => undefined;
  const gotChunk = new Promise<void>((resolve) => (firstChunk = resolve));
  const reading = (async () => {
    for await (const chunk of stalled) {
      assert.ok(chunk);
      firstChunk();
    }
  })();
  reading.catch(() => undefined);
  // The stream is stalled once its content has arrived: close the sim under it.
  await gotChunk;
  const startedMs = performance.now();
  await sim.close();
  assert.ok(performance.now() - startedMs < 2000, 'close() does not wait for the stalled stream');
  await assert.rejects(reading, 'the stalled stream ends with an error when the sim closes');
});

test('chunkDelayMs spaces the events; latencyMs delays the head (lower bounds only)', async (t) => {
  const sim = await startSim(t, {
    models: {
      m: { chunkCount: 5, faults: { chunkDelayMs: 20, latencyMs: { minMs: 40, maxMs: 60 } } },
    },
  });
  const startedMs = performance.now();
  const res = await chat(sim.url, { stream: true });
  const headMs = performance.now() - startedMs;
  const text = await res.text();
  const totalMs = performance.now() - startedMs;
  assert.ok(headMs >= 38, `head after ${headMs} ms`);
  const events = text.split('\n\n').filter((e) => e !== '').length;
  assert.equal(events, 1 + 5 + 1 + 1, 'role, 5 contents, finish, [DONE]');
  assert.ok(totalMs >= 38 + (events - 1) * 19, `stream took ${totalMs} ms`);
  // Errors answer at once: a 10 s latency would trip the 3 s client timeout if it applied.
  sim.setFaults('m', { latencyMs: 10_000, errorRate: 1 });
  const failed = await chat(sim.url, {}, AbortSignal.timeout(3000));
  await failed.arrayBuffer();
  assert.equal(failed.status, 500);
});

test('hangRate: no answer until the client aborts; close() with a hung request is prompt', async (t) => {
  const sim = await startSim(t, { models: { m: { faults: { hangRate: 1 } } } });
  const aborted = chat(sim.url, {}, AbortSignal.timeout(100));
  await assert.rejects(aborted, { name: 'TimeoutError' });
  assert.equal(sim.calls('m'), 1);
  assert.deepEqual(sim.stats().m?.byStatus, {}, 'a hung call sends no head');
  const hung = chat(sim.url);
  hung.catch(() => undefined);
  // Wait for the sim to have the call (bounded), not for a guessed time.
  for (const end = performance.now() + 2000; sim.calls('m') < 2 && performance.now() < end;) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  assert.equal(sim.calls('m'), 2);
  const startedMs = performance.now();
  await sim.close();
  assert.ok(performance.now() - startedMs < 2000, 'close() does not wait for the hung call');
  await assert.rejects(hung);
});

test('a client that goes away mid-stream stops the work: no timers are left behind', async (t) => {
  const sim = await startSim(t, {
    models: { m: { chunkCount: 200, faults: { chunkDelayMs: 2000 } } },
  });
  const timers = (): number =>
    process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const warm = await chat(sim.url);
  await warm.arrayBuffer();
  const baseline = timers();
  const controller = new AbortController();
  const res = await chat(sim.url, { stream: true }, controller.signal);
  const reader = res.body!.getReader();
  await reader.read();
  assert.ok(timers() > baseline, 'the stream has a pending delay');
  controller.abort();
  await reader.read().catch(() => undefined);
  let remaining = timers();
  for (let i = 0; i < 40 && remaining > baseline; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 5));
    remaining = timers();
  }
  assert.ok(remaining <= baseline, `${remaining} timers left, ${baseline} before`);
});
