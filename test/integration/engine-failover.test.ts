// The engine over real sockets against the simulator, driven through `bb.fetch` by the
// official openai SDK (issue: "The engine users call").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startSim } from '../support/start-sim.js';
import { sdkFor, skewedClock, startEngine } from '../support/engine.js';

const pair = {
  primary: { deployments: [{ provider: 'sim' }], fallbacks: ['backup'] },
  backup: { deployments: [{ provider: 'sim' }] },
};
const ask = { model: 'primary', messages: [{ role: 'user' as const, content: 'hello there' }] };

test('a primary failing 34% of calls with a healthy fallback: at least 99.9% of 2,000 succeed', async (t) => {
  const sim = await startSim(t, { seed: 7, models: { primary: { faults: { errorRate: 0.34 } } } });
  const bb = startEngine(t, sim, { models: pair, breaker: { openMs: 200 } });
  const openai = sdkFor(bb);
  let ok = 0;
  let fallbacks = 0;
  const total = 2000;
  for (let i = 0; i < total; i += 50) {
    const batch = await Promise.allSettled(
      Array.from({ length: 50 }, () => openai.chat.completions.create(ask).withResponse()),
    );
    for (const r of batch) {
      if (r.status !== 'fulfilled') continue;
      ok++;
      if (r.value.response.headers.get('x-breakerbox-fallback') !== 'none') fallbacks++;
    }
  }
  t.diagnostic(`succeeded ${ok}/${total}, served by the fallback ${fallbacks}`);
  assert.ok(ok / total >= 0.999, `success rate ${ok / total}`);
  assert.ok(fallbacks > 0, 'the fallback served some requests');
  assert.ok(sim.calls('primary') > 0);
});

test('a primary fully down: once open it receives no call until its probe time', async (t) => {
  const sim = await startSim(t, { models: { primary: { faults: { down: true } } } });
  const bb = startEngine(t, sim, {
    models: pair,
    breaker: { trip: { consecutive: 3 }, openMs: 60_000 },
  });
  const openai = sdkFor(bb);
  for (let i = 0; i < 3; i++) await openai.chat.completions.create(ask);
  assert.equal(sim.calls('primary'), 3);
  const snapshot = bb.breakers.get('sim/primary').snapshot();
  assert.equal(snapshot.state, 'open');
  for (let i = 0; i < 50; i++) {
    const { data, response } = await openai.chat.completions.create(ask).withResponse();
    assert.equal(response.headers.get('x-breakerbox-deployment'), 'sim/backup');
    assert.equal(response.headers.get('x-breakerbox-fallback'), 'model');
    assert.match(data.choices[0]?.message.content ?? '', /backup/);
  }
  assert.equal(sim.calls('primary'), 3, 'an open breaker sent nothing');
  assert.equal(sim.calls('backup'), 53);
});

test('429 with Retry-After: 2 keeps the deployment untouched for 2 s', async (t) => {
  const sim = await startSim(t, {
    models: { primary: { faults: { rateLimit: { retryAfterS: 2 } } } },
  });
  // Time is moved on, not slept through: the engine's clock runs 1.7 s and then 2.15 s ahead.
  const clock = skewedClock();
  const bb = startEngine(t, sim, { models: pair, breaker: { openMs: 100 }, clock });
  const openai = sdkFor(bb);
  await openai.chat.completions.create(ask);
  assert.equal(sim.calls('primary'), 1);
  sim.setFaults('primary', null);
  // 0, 0.5, 1.0 and 1.2 s after the 429.
  for (const stepMs of [0, 500, 500, 200]) {
    clock.advance(stepMs);
    const { response } = await openai.chat.completions.create(ask).withResponse();
    assert.equal(response.headers.get('x-breakerbox-deployment'), 'sim/backup');
  }
  clock.advance(500); // 1.7 s after the 429
  const { response: late } = await openai.chat.completions.create(ask).withResponse();
  assert.equal(late.headers.get('x-breakerbox-deployment'), 'sim/backup');
  assert.equal(sim.calls('primary'), 1, 'nothing reached the primary inside its Retry-After');
  clock.advance(450); // 2.15 s after the 429
  const { response } = await openai.chat.completions.create(ask).withResponse();
  assert.equal(response.headers.get('x-breakerbox-deployment'), 'sim/primary');
  assert.equal(sim.calls('primary'), 2);
});

test('a hung primary: the request completes within its deadline through the fallback', async (t) => {
  const sim = await startSim(t, { models: { primary: { faults: { hangRate: 1 } } } });
  const bb = startEngine(t, sim, {
    models: pair,
    deadlineMs: 3000,
    timeouts: { firstByteMs: 300, totalMs: 2000 },
  });
  const started = performance.now();
  const result = await bb.chat(ask);
  const elapsed = performance.now() - started;
  assert.equal(result.breakerbox.deployment, 'sim/backup');
  assert.equal(result.breakerbox.attempts[0]?.reason, 'first_byte_timeout');
  assert.ok(elapsed < 3000, `finished in ${elapsed.toFixed(0)} ms, inside the 3 s deadline`);
});

test("a caller's 400 comes back unchanged with no failover", async (t) => {
  const sim = await startSim(t, { models: { primary: { faults: { contextLengthError: true } } } });
  const bb = startEngine(t, sim, { models: pair });
  const openai = sdkFor(bb);
  const error = await openai.chat.completions.create(ask).catch((e: unknown) => e);
  assert.ok(error instanceof OpenAI.BadRequestError);
  assert.equal(error.code, 'context_length_exceeded');
  assert.equal(error.param, 'messages');
  assert.equal(sim.calls('backup'), 0);
  const totals = bb.breakers.get('sim/primary').snapshot().totals;
  assert.equal(totals.failures, 0);
});

test('a context-length error takes the context-window chain', async (t) => {
  const sim = await startSim(t, { models: { small: { faults: { contextLengthError: true } } } });
  const bb = startEngine(t, sim, {
    models: {
      small: { deployments: [{ provider: 'sim' }], contextWindowFallbacks: ['large'] },
      large: { deployments: [{ provider: 'sim' }] },
    },
  });
  const result = await bb.chat({ ...ask, model: 'small' });
  assert.equal(result.breakerbox.fallback, 'context');
  assert.equal(result.breakerbox.model, 'large');
});

test('a client abort mid-call ends the request: no failover, the breaker counts nothing', async (t) => {
  const sim = await startSim(t, { models: { primary: { faults: { latencyMs: 5000 } } } });
  const bb = startEngine(t, sim, { models: pair });
  const ac = new AbortController();
  const pending = bb.chat(ask, { signal: ac.signal });
  // Abort once the call is at the upstream (bounded wait on the condition, not a guessed time).
  for (const end = performance.now() + 2000; sim.calls('primary') < 1 && performance.now() < end;) {
    await new Promise((r) => setTimeout(r, 1));
  }
  assert.equal(sim.calls('primary'), 1);
  ac.abort();
  await assert.rejects(pending, (e: unknown) => (e as { code?: string }).code === 'cancelled');
  const totals = bb.breakers.get('sim/primary').snapshot().totals;
  assert.equal(totals.failures, 0);
  assert.equal(totals.successes, 0);
  assert.equal(sim.calls('backup'), 0, 'a cancelled request does not fail over');
});

test('retries never multiply: a full outage costs a bounded number of upstream calls', async (t) => {
  const sim = await startSim(t, {
    models: { '*': { faults: { errorRate: 1, errorStatus: 500 } } },
  });
  const bb = startEngine(t, sim, {
    models: pair,
    breaker: { trip: { consecutive: 1000 } },
    retry: { attempts: 2, backoff: { initialMs: 1, maxMs: 5 }, minPerSecond: 1000 },
  });
  const openai = sdkFor(bb);
  const requests = 20;
  for (let i = 0; i < requests; i++) {
    const error = await openai.chat.completions.create(ask).catch((e: unknown) => e);
    assert.ok(error instanceof OpenAI.APIError);
    assert.equal(error.status, 503);
    assert.equal(error.code, 'all_candidates_failed');
  }
  // Two candidates and two retries: four upstream calls per request, never more.
  assert.equal(sim.calls(), requests * 4);
});

test('a stream that errors before content fails over transparently', async (t) => {
  const sim = await startSim(t, {
    models: { primary: { faults: { errorEventBeforeContentRate: 1 } } },
  });
  const bb = startEngine(t, sim, { models: pair });
  const openai = sdkFor(bb);
  const stream = await openai.chat.completions.create({ ...ask, stream: true });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  assert.match(text, /backup/);
  assert.equal(sim.calls('primary'), 1);
});

test('a stream cut after its first chunk ends with an error event, never a hang', async (t) => {
  const sim = await startSim(t, { models: { primary: { faults: { streamCutAfterChunks: 2 } } } });
  const bb = startEngine(t, sim, { models: pair });
  const openai = sdkFor(bb);
  const stream = await openai.chat.completions.create({ ...ask, stream: true });
  let chunks = 0;
  const error = await (async () => {
    for await (const chunk of stream) chunks += chunk.choices.length > 0 ? 1 : 0;
  })().catch((e: unknown) => e);
  assert.ok(chunks >= 1, 'content reached the caller before the cut');
  assert.ok(error instanceof OpenAI.APIError, `got ${String(error)}`);
  assert.equal(sim.calls('backup'), 0, 'no switching models mid-answer');
  assert.equal(bb.breakers.get('sim/primary').snapshot().totals.failures, 1);
});

test('a stream with include_usage keeps its usage chunk; without it, none is visible', async (t) => {
  const sim = await startSim(t);
  const bb = startEngine(t, sim, { models: pair });
  const openai = sdkFor(bb);
  const withUsage = await openai.chat.completions.create({
    ...ask,
    stream: true,
    stream_options: { include_usage: true },
  });
  let usage: unknown;
  for await (const c of withUsage) if (c.usage) usage = c.usage;
  assert.ok(usage, 'usage chunk delivered');
  const without = await openai.chat.completions.create({ ...ask, stream: true });
  for await (const c of without) assert.equal('usage' in c, false);
  const spend = bb.ledger.snapshot();
  assert.ok(spend.total.promptTokens > 0, 'usage was counted for both streams');
});
