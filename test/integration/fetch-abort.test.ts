// `bb.fetch` cancels as WHATWG fetch does (issue 8, item 9): once the signal aborts, the call
// rejects with the signal's reason, and a stream's body errors the same way mid-stream. The
// official SDK then raises APIUserAbortError for a user's abort and APIConnectionTimeoutError
// for its own `timeout`, never an `APIError 499`. Breakerbox's own errors stay Responses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import type { Simulator } from '../../src/sim/index.js';
import { startSim } from '../support/start-sim.js';
import { sdkFor, startEngine } from '../support/engine.js';

const models = { 'gpt-4.1': { deployments: [{ provider: 'sim' }] } };
const ask = { model: 'gpt-4.1', messages: [{ role: 'user' as const, content: 'hello there' }] };
const URL_CHAT = 'http://breakerbox.local/v1/chat/completions';

/** Resolves once the simulator has received `n` calls (bounded: 5 s). */
async function callsReached(sim: Simulator, n: number): Promise<void> {
  for (let i = 0; i < 500 && sim.calls() < n; i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(sim.calls() >= n, `the simulator saw ${sim.calls()} calls, expected ${n}`);
}

test('SDK: a user abort while the upstream hangs is APIUserAbortError', async (t) => {
  const sim = await startSim(t, { models: { '*': { faults: { hangRate: 1 } } } });
  const openai = sdkFor(startEngine(t, sim, { models }));
  const ac = new AbortController();
  const call = openai.chat.completions.create(ask, { signal: ac.signal });
  // Abort only once the call is inside bb.fetch (the SDK checks an aborted signal itself).
  await callsReached(sim, 1);
  ac.abort();
  await assert.rejects(call, OpenAI.APIUserAbortError);
});

test('SDK: its own timeout against a hanging upstream is APIConnectionTimeoutError', async (t) => {
  const sim = await startSim(t, { models: { '*': { faults: { hangRate: 1 } } } });
  const openai = new OpenAI({
    apiKey: 'unused',
    baseURL: 'http://breakerbox.local/v1',
    fetch: startEngine(t, sim, { models }).fetch,
    maxRetries: 0,
    timeout: 200,
  });
  await assert.rejects(openai.chat.completions.create(ask), OpenAI.APIConnectionTimeoutError);
  assert.equal(sim.calls(), 1, 'the call reached the upstream before the timeout');
});

test('fetch: rejects with the signal reason, before any work when already aborted', async (t) => {
  const sim = await startSim(t, { models: { '*': { faults: { hangRate: 1 } } } });
  const bb = startEngine(t, sim, { models });
  const init = (signal: AbortSignal): RequestInit => ({
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ask),
    signal,
  });
  const mine = new Error('caller gave up');
  const ac = new AbortController();
  const pending = bb.fetch(URL_CHAT, init(ac.signal));
  await callsReached(sim, 1);
  ac.abort(mine);
  await assert.rejects(pending, (e) => e === mine);

  const before = sim.calls();
  await assert.rejects(bb.fetch(URL_CHAT, init(AbortSignal.abort())), { name: 'AbortError' });
  assert.equal(sim.calls(), before, 'an aborted signal starts nothing');
});

test('fetch: an abort mid-stream errors the body with the reason; the SDK loop ends quietly', async (t) => {
  const sim = await startSim(t, {
    models: { '*': { chunkCount: 50, faults: { chunkDelayMs: 20 } } },
  });
  const bb = startEngine(t, sim, { models });
  const ac = new AbortController();
  const res = await bb.fetch(URL_CHAT, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...ask, stream: true }),
    signal: ac.signal,
  });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const first = await reader.read();
  assert.equal(first.done, false);
  ac.abort();
  await assert.rejects(
    (async () => {
      for (let i = 0; i < 100; i++) if ((await reader.read()).done) return;
    })(),
    { name: 'AbortError' },
  );

  // As with the real fetch, the SDK's stream treats the AbortError as the end, not an APIError.
  const sdkAbort = new AbortController();
  const stream = await sdkFor(bb).chat.completions.create(
    { ...ask, stream: true },
    { signal: sdkAbort.signal },
  );
  let chunks = 0;
  for await (const chunk of stream) {
    assert.equal(chunk.object, 'chat.completion.chunk');
    if (++chunks === 2) sdkAbort.abort();
  }
  assert.equal(chunks, 2, 'no chunk after the abort, and no error thrown');
});

test('breakerbox errors are still Responses, not throws', async (t) => {
  const sim = await startSim(t, { models: { '*': { faults: { down: true } } } });
  const bb = startEngine(t, sim, { models });
  const res = await bb.fetch(URL_CHAT, {
    method: 'POST',
    body: JSON.stringify(ask),
    signal: new AbortController().signal,
  });
  assert.equal(res.status, 503);
  const body = (await res.json()) as { error: { code: string } };
  assert.equal(body.error.code, 'all_candidates_failed');
});
