// Steering the simulator: counts taken before faults, per-model and '*' faults, the control
// routes another process (the CLI) uses, scenarios applied at the right times, and streams large
// enough to meet backpressure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSim } from '../support/start-sim.js';

const MESSAGES = [{ role: 'user', content: 'status?' }];

async function call(
  url: string,
  model = 'm',
  extra: Record<string, unknown> = {},
): Promise<number> {
  const res = await fetch(`${url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: MESSAGES, ...extra }),
  });
  await res.arrayBuffer();
  return res.status;
}

async function control(simUrl: string, path: string, body?: unknown): Promise<Response> {
  const origin = new URL(simUrl).origin;
  return fetch(`${origin}${path}`, {
    method: body === undefined && path === '/sim/stats' ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `status` is seen; bounded in count and time. Returns ms since `sinceMs`. */
async function waitForStatus(url: string, status: number, sinceMs: number): Promise<number> {
  for (let i = 0; i < 200; i++) {
    if ((await call(url)) === status) return performance.now() - sinceMs;
    await sleep(10);
  }
  throw new Error(`status ${status} never came`);
}

test('every call is counted per model before faults; heads by status; streams; reset', async (t) => {
  const sim = await startSim(t, { models: { m: { faults: { down: true } } } });
  for (let i = 0; i < 4; i++) assert.equal(await call(sim.url), 503);
  assert.equal(await call(sim.url, 'ok', { stream: true }), 200);
  const invalid = await fetch(`${sim.url}/chat/completions`, { method: 'POST', body: 'nope' });
  await invalid.arrayBuffer();
  assert.equal(sim.calls('m'), 4, 'the open-breaker proof: a down model still counts every call');
  assert.equal(sim.calls('ok'), 1);
  assert.equal(sim.calls('never'), 0);
  assert.equal(sim.calls(), 6, 'the unparseable body counts in the total only');
  assert.deepEqual(sim.stats(), {
    m: { calls: 4, byStatus: { '503': 4 }, streams: 0 },
    ok: { calls: 1, byStatus: { '200': 1 }, streams: 1 },
  });
  sim.resetCounts();
  assert.equal(sim.calls(), 0);
  assert.deepEqual(sim.stats(), {});
});

test("'*' faults apply to models without their own; null falls back to '*'", async (t) => {
  const sim = await startSim(t);
  sim.setFaults('*', { errorRate: 1, errorStatus: 502 });
  sim.setFaults('special', { down: true });
  assert.equal(await call(sim.url, 'anything'), 502);
  assert.equal(await call(sim.url, 'special'), 503);
  sim.setFaults('special', null);
  assert.equal(await call(sim.url, 'special'), 502);
  sim.clearFaults();
  assert.equal(await call(sim.url, 'special'), 200);
  assert.throws(() => {
    sim.setFaults('m', { errorRate: 3 });
  }, /errorRate: must be a number from 0 to 1/);
});

test('control routes: POST /sim/faults, GET /sim/stats, POST /sim/reset; bad faults are 400', async (t) => {
  const sim = await startSim(t);
  const set = await control(sim.url, '/sim/faults', {
    model: 'm',
    faults: { rateLimit: { retryAfterS: 3 } },
  });
  assert.equal(set.status, 200);
  await set.arrayBuffer();
  assert.equal(await call(sim.url), 429);
  const stats = await control(sim.url, '/sim/stats');
  assert.deepEqual(await stats.json(), {
    calls: 1,
    models: { m: { calls: 1, byStatus: { '429': 1 }, streams: 0 } },
  });
  const bad = await control(sim.url, '/sim/faults', { model: 'm', faults: { errorRate: 2 } });
  assert.equal(bad.status, 400);
  const { error } = (await bad.json()) as { error: { message: string; param: string } };
  assert.equal(error.message, 'faults.errorRate: must be a number from 0 to 1');
  assert.equal(error.param, 'faults.errorRate');
  const typo = await control(sim.url, '/sim/faults', { model: 'm', faults: { dwon: true } });
  assert.match(
    ((await typo.json()) as { error: { message: string } }).error.message,
    /faults\.dwon: unknown field/,
  );
  const reset = await control(sim.url, '/sim/reset', {});
  assert.equal(reset.status, 200);
  await reset.arrayBuffer();
  assert.equal(sim.calls(), 0, 'control routes are not counted');
  assert.equal(await call(sim.url), 200, 'reset cleared the faults');
});

test('schedule: steps at 0 apply at once, later steps at their time (lower bound), cancel stops them', async (t) => {
  const sim = await startSim(t);
  const startedMs = performance.now();
  sim.schedule({
    steps: [
      { atMs: 150, model: 'm', faults: null },
      { atMs: 0, model: 'm', faults: { down: true } },
    ],
  });
  assert.equal(await call(sim.url), 503, 'the step at 0 applied before schedule() returned');
  const healedMs = await waitForStatus(sim.url, 200, startedMs);
  assert.ok(healedMs >= 145, `healed after ${healedMs} ms`);
  const cancelled = sim.schedule({ steps: [{ atMs: 50, model: 'm', faults: { down: true } }] });
  cancelled.cancel();
  cancelled.cancel();
  await sleep(120);
  assert.equal(await call(sim.url), 200, 'a cancelled step never applies');
  assert.throws(
    () => sim.schedule({ steps: [{ atMs: -1, model: 'm', faults: null }] }),
    /steps\[0\]\.atMs: must be a non-negative number/,
  );
});

test('a scenario given at start, and one posted to /sim/scenario, run on time', async (t) => {
  const startedMs = performance.now();
  const sim = await startSim(t, {
    scenario: { steps: [{ atMs: 80, model: 'm', faults: { down: true } }] },
  });
  const downMs = await waitForStatus(sim.url, 503, startedMs);
  assert.ok(downMs >= 75, `down after ${downMs} ms`);
  const postedMs = performance.now();
  const posted = await control(sim.url, '/sim/scenario', {
    steps: [{ atMs: 60, model: 'm', faults: null }],
  });
  assert.deepEqual(await posted.json(), { ok: true, steps: 1 });
  const upMs = await waitForStatus(sim.url, 200, postedMs);
  assert.ok(upMs >= 55, `up after ${upMs} ms`);
  const invalid = await control(sim.url, '/sim/scenario', {
    steps: [{ atMs: 0, model: '', faults: null }],
  });
  assert.equal(invalid.status, 400);
  const { error } = (await invalid.json()) as { error: { message: string } };
  assert.equal(error.message, 'steps[0].model: must be a non-empty string');
  const reset = await control(sim.url, '/sim/reset', {});
  await reset.arrayBuffer();
});

test('/sim/reset cancels pending scenario steps', async (t) => {
  const sim = await startSim(t);
  sim.schedule({ steps: [{ atMs: 60, model: 'm', faults: { down: true } }] });
  const reset = await control(sim.url, '/sim/reset', {});
  await reset.arrayBuffer();
  await sleep(120);
  assert.equal(await call(sim.url), 200);
});

test('large streams: one write on the fast path; event by event with backpressure on the slow one', async (t) => {
  const sim = await startSim(t, {
    models: {
      fast: { chunkCount: 5000 },
      slow: { chunkCount: 20_000, faults: { streamStallAfterChunks: 20_000 } },
    },
  });
  const fast = await fetch(`${sim.url}/chat/completions`, {
    method: 'POST',
    body: JSON.stringify({ model: 'fast', messages: MESSAGES, stream: true }),
  });
  const fastText = await fast.text();
  assert.equal(fastText.split('"delta":{"content":"').length - 1, 5000);
  assert.ok(fastText.endsWith('data: [DONE]\n\n'));
  // A slow reader: ~4.5 MB of events cannot all fit in socket buffers, so the writer must wait
  // for 'drain' many times; every event still arrives, in order, and the stall then holds.
  const controller = new AbortController();
  const slow = await fetch(`${sim.url}/chat/completions`, {
    method: 'POST',
    body: JSON.stringify({ model: 'slow', messages: MESSAGES, stream: true }),
    signal: controller.signal,
  });
  const reader = slow.body!.pipeThrough(new TextDecoderStream()).getReader();
  const marker = '"delta":{"content":"';
  let text = '';
  let contents = 0;
  let searchFrom = 0;
  for (let reads = 0; contents < 20_000 && reads < 100_000; reads++) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
    if (reads === 5) await sleep(50);
    for (let at = text.indexOf(marker, searchFrom); at !== -1; at = text.indexOf(marker, at + 1)) {
      contents++;
      searchFrom = at + 1;
    }
    searchFrom = Math.max(searchFrom, text.length - marker.length);
  }
  assert.equal(contents, 20_000);
  assert.equal(text.includes('finish_reason":"stop'), false, 'stalled before the finish chunk');
  assert.ok(text.endsWith('\n\n'), 'no partial event');
  controller.abort();
});

test("listed models inherit '*' settings they leave out; close() is idempotent", async (t) => {
  const sim = await startSim(t, {
    models: { '*': { embeddingDimensions: 32 }, listed: { contextWindow: 1000 } },
  });
  for (const model of ['listed', 'unlisted']) {
    const res = await fetch(`${sim.url}/embeddings`, {
      method: 'POST',
      body: JSON.stringify({ model, input: 'x', encoding_format: 'float' }),
    });
    const body = (await res.json()) as { data: { embedding: number[] }[] };
    assert.equal(body.data[0]!.embedding.length, 32, model);
  }
  const url = sim.url;
  await Promise.all([sim.close(), sim.close()]);
  assert.equal(sim.url, url, 'the url stays readable after close');
  await assert.rejects(fetch(`${url}/models`));
});
