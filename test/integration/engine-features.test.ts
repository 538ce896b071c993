// Engine features beyond failover: embeddings, honest fallbacks (cache, static), budgets,
// config errors, models, stats — over real sockets against the simulator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { ConfigError, createBreakerbox } from '../../src/index.js';
import { startSim } from '../support/start-sim.js';
import { sdkFor, skewedClock, startEngine } from '../support/engine.js';

const ask = (model: string) => ({ model, messages: [{ role: 'user' as const, content: 'hi' }] });

test('embeddings through the SDK: base64 by default, decoded to the right length', async (t) => {
  const sim = await startSim(t, { models: { emb: { embeddingDimensions: 64 } } });
  const bb = startEngine(t, sim, {
    models: { emb: { deployments: [{ provider: 'sim' }], embeddingDimensions: 64 } },
  });
  const openai = sdkFor(bb);
  const res = await openai.embeddings.create({ model: 'emb', input: ['one', 'two'] });
  assert.equal(res.data.length, 2);
  assert.equal(res.data[0]?.embedding.length, 64);
  const floats = await openai.embeddings.create({
    model: 'emb',
    input: 'x',
    encoding_format: 'float',
  });
  assert.equal(floats.data[0]?.embedding.length, 64);
});

test('embeddings fail over within their dimension; when none is left, a clear error, never a zero vector', async (t) => {
  const sim = await startSim(t, { models: { emb: { faults: { down: true } } } });
  const bb = startEngine(t, sim, {
    models: {
      emb: { deployments: [{ provider: 'sim' }], embeddingDimensions: 64, fallbacks: ['same'] },
      same: { deployments: [{ provider: 'sim' }], embeddingDimensions: 64 },
    },
  });
  const served = await bb.embed({ model: 'emb', input: 'x' });
  assert.equal(served.breakerbox.model, 'same');
  sim.setFaults('same', { down: true });
  const error = await bb.embed({ model: 'emb', input: 'x' }).catch((e: unknown) => e);
  assert.equal((error as { code?: string }).code, 'all_candidates_failed');
});

test('a static fallback answers, marked, when every candidate fails; nothing upstream is called for it', async (t) => {
  const sim = await startSim(t, { models: { '*': { faults: { down: true } } } });
  const bb = startEngine(t, sim, {
    models: {
      a: {
        deployments: [{ provider: 'sim' }],
        staticFallback: { content: 'We are busy; try again soon.' },
      },
    },
  });
  const openai = sdkFor(bb);
  const { data, response } = await openai.chat.completions.create(ask('a')).withResponse();
  assert.equal(data.choices[0]?.message.content, 'We are busy; try again soon.');
  assert.equal(response.headers.get('x-breakerbox-fallback'), 'static');
  assert.equal(sim.calls('a'), 1);
});

test('the cache serves a fresh hit without an upstream call, and a stale one only when all fail', async (t) => {
  const sim = await startSim(t);
  const clock = skewedClock();
  const bb = startEngine(t, sim, {
    models: { a: { deployments: [{ provider: 'sim' }] } },
    cache: { enabled: true, ttlMs: 1, staleIfOpen: true },
    clock,
  });
  const first = await bb.chat(ask('a'));
  assert.equal(first.breakerbox.cached, false);
  clock.advance(5);
  // Past its ttl the entry is stale: a healthy upstream answers.
  const second = await bb.chat(ask('a'));
  assert.equal(second.breakerbox.cached, false);
  assert.equal(sim.calls('a'), 2);
  sim.setFaults('a', { down: true });
  clock.advance(5);
  const third = await bb.chat(ask('a'));
  assert.equal(third.breakerbox.cached, true);
  assert.equal(third.breakerbox.fallback, 'cache');
  assert.deepEqual(third.choices, second.choices);
});

test('a fresh cache hit is served without calling the upstream, marked cached', async (t) => {
  const sim = await startSim(t);
  const bb = startEngine(t, sim, {
    models: { a: { deployments: [{ provider: 'sim' }] } },
    cache: { enabled: true, ttlMs: 60_000 },
  });
  const openai = sdkFor(bb);
  await openai.chat.completions.create(ask('a'));
  const { response } = await openai.chat.completions.create(ask('a')).withResponse();
  assert.equal(response.headers.get('x-breakerbox-cached'), 'true');
  assert.equal(response.headers.get('x-breakerbox-fallback'), 'cache');
  assert.equal(sim.calls('a'), 1);
});

test('a spent budget refuses, or downgrades to a cheaper model', async (t) => {
  const sim = await startSim(t);
  const bb = startEngine(t, sim, {
    models: {
      'gpt-4.1': {
        deployments: [{ provider: 'sim' }],
        budget: { usdPerDay: 0.000001, onExceeded: 'downgrade', downgradeTo: 'deepseek-v3.2' },
      },
      'claude-sonnet-4.5': {
        deployments: [{ provider: 'sim' }],
        budget: { usdPerDay: 0.000001, onExceeded: 'refuse' },
      },
      'deepseek-v3.2': { deployments: [{ provider: 'sim' }] },
    },
  });
  const first = await bb.chat(ask('gpt-4.1'));
  assert.equal(first.breakerbox.model, 'gpt-4.1');
  assert.ok(first.breakerbox.costUsd > 0);
  const second = await bb.chat(ask('gpt-4.1'));
  assert.equal(second.breakerbox.model, 'deepseek-v3.2');
  assert.equal(second.breakerbox.fallback, 'budget');
  await bb.chat(ask('claude-sonnet-4.5'));
  const openai = sdkFor(bb);
  const refused = await openai.chat.completions
    .create(ask('claude-sonnet-4.5'))
    .catch((e: unknown) => e);
  assert.ok(refused instanceof OpenAI.RateLimitError);
  assert.equal(refused.code, 'budget_exceeded');
  assert.equal(refused.headers.get('x-should-retry'), 'false');
});

test('an invalid config fails at once with every problem and its path', () => {
  assert.throws(
    () =>
      createBreakerbox({
        providers: { p: { baseURL: 'http://127.0.0.1:1/v1' } },
        models: {
          'gpt-4.1': { deployments: [{ provider: 'p' }], fallbacks: ['claude'] },
          other: { deployments: [{ provider: 'nope' }] },
        },
        breaker: { openMs: -5 },
      }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      const paths = e.issues.map((i) => i.path);
      assert.ok(paths.includes('models.gpt-4.1.fallbacks[0]'), paths.join(', '));
      assert.ok(
        paths.some((p) => p.startsWith('models.other.deployments[0]')),
        paths.join(', '),
      );
      assert.ok(paths.includes('breaker.openMs'), paths.join(', '));
      assert.match(e.message, /unknown model "claude"/);
      return true;
    },
  );
});

test('unknown models and bad fields come back as OpenAI errors naming the field', async (t) => {
  const sim = await startSim(t);
  const bb = startEngine(t, sim, { models: { a: { deployments: [{ provider: 'sim' }] } } });
  const openai = sdkFor(bb);
  const notFound = await openai.chat.completions.create(ask('nope')).catch((e: unknown) => e);
  assert.ok(notFound instanceof OpenAI.NotFoundError);
  assert.equal(notFound.code, 'model_not_found');
  const bad = await openai.chat.completions
    .create({ model: 'a', messages: [{ role: 'wizard' as 'user', content: 'x' }] })
    .catch((e: unknown) => e);
  assert.ok(bad instanceof OpenAI.BadRequestError);
  assert.equal(bad.param, 'messages[0].role');
  const models = await openai.models.list();
  assert.deepEqual(
    models.data.map((m) => m.id),
    ['a'],
  );
});

test('stats count requests, fallbacks, latency and cost per model and deployment', async (t) => {
  const sim = await startSim(t, { models: { a: { faults: { down: true } } } });
  const bb = startEngine(t, sim, {
    models: {
      a: { deployments: [{ provider: 'sim' }], fallbacks: ['b'] },
      b: { deployments: [{ provider: 'sim' }] },
    },
    breaker: { trip: { consecutive: 2 } },
  });
  const seen: string[] = [];
  bb.on('transition', (e) => seen.push(`${e.deployment}:${e.from}->${e.to}`));
  for (let i = 0; i < 10; i++) await bb.chat(ask('a'));
  const stats = bb.stats();
  assert.equal(stats.totals.requests, 10);
  assert.equal(stats.models.a?.requests, 10);
  assert.equal(stats.fallbackFlows[0]!.from, 'a');
  assert.equal(stats.fallbackFlows[0]!.to, 'b');
  assert.ok((stats.deployments['sim/b']?.latency.p50Ms ?? 0) > 0);
  assert.deepEqual(seen, ['sim/a:closed->open']);
  assert.equal((stats.breakers['sim/a'] as { state: string }).state, 'open');
});

test('bb.stream yields parsed chunks and its meta says which deployment served', async (t) => {
  const sim = await startSim(t);
  const bb = startEngine(t, sim, { models: { a: { deployments: [{ provider: 'sim' }] } } });
  const stream = bb.stream({ ...ask('a'), stream: true });
  let text = '';
  for await (const chunk of stream) {
    const choices = chunk.choices as { delta: { content?: string } }[];
    text += choices[0]?.delta.content ?? '';
  }
  assert.match(text, /Simulated answer/);
  assert.equal((await stream.meta).deployment, 'sim/a');
});
