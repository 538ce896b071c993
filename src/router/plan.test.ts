import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Upstream } from '../upstream/index.js';
import { orderDeployments, planCandidates, planContextFallbacks } from './plan.js';
import type { Deployment, ModelRoute, RouterBreaker } from './types.js';

const d = (id: string, model: string, extra: Partial<Deployment> = {}): Deployment => ({
  id,
  model,
  provider: 'p',
  upstreamModel: model,
  weight: 1,
  upstream: {} as Upstream,
  breaker: {} as RouterBreaker,
  limits: [],
  timeouts: { connectMs: 1, firstByteMs: 1, idleMs: 1, totalMs: 1 },
  attemptTimeoutMs: undefined,
  failoverOn: [],
  priceScore: 1,
  latencyEwmaMs: undefined,
  ...extra,
});

const m = (
  name: string,
  deployments: Deployment[],
  extra: Partial<ModelRoute> = {},
): ModelRoute => ({
  name,
  deployments,
  fallbacks: [],
  contextWindowFallbacks: [],
  strategy: 'priority',
  embeddingDimensions: undefined,
  retryAttempts: 0,
  ...extra,
});

test('priority keeps config order; least-cost and least-latency sort', () => {
  const a = d('p/a', 'x', { priceScore: 9, latencyEwmaMs: 50 });
  const b = d('p/b', 'x', { priceScore: 1, latencyEwmaMs: 10 });
  const c = d('p/c', 'x', { priceScore: 5, latencyEwmaMs: undefined });
  const ids = (l: Deployment[]) => l.map((x) => x.id);
  assert.deepEqual(ids(orderDeployments([a, b, c], 'priority', Math.random)), [
    'p/a',
    'p/b',
    'p/c',
  ]);
  assert.deepEqual(ids(orderDeployments([a, b, c], 'least-cost', Math.random)), [
    'p/b',
    'p/c',
    'p/a',
  ]);
  // Unmeasured first, so it gets measured.
  assert.deepEqual(ids(orderDeployments([a, b, c], 'least-latency', Math.random)), [
    'p/c',
    'p/b',
    'p/a',
  ]);
});

test('weighted order follows the weights', () => {
  const light = d('p/light', 'x', { weight: 1 });
  const heavy = d('p/heavy', 'x', { weight: 3 });
  let seed = 1;
  const random = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  let heavyFirst = 0;
  for (let i = 0; i < 4000; i++) {
    if (orderDeployments([light, heavy], 'weighted', random)[0] === heavy) heavyFirst++;
  }
  // Expected 3/4 of the time; a wide band keeps the test deterministic and honest.
  assert.ok(heavyFirst > 2800 && heavyFirst < 3200, `heavy first ${heavyFirst} / 4000`);
});

test('the plan is the model, then each fallback one level deep, without repeats', () => {
  const shared = d('p/shared', 'b');
  const models = new Map<string, ModelRoute>([
    ['a', m('a', [d('p/a', 'a')], { fallbacks: ['b', 'c'] })],
    ['b', m('b', [shared], { fallbacks: ['d'] })],
    ['c', m('c', [d('p/c', 'c'), shared])],
    ['d', m('d', [d('p/d', 'd')])],
  ]);
  const plan = planCandidates(models.get('a')!, 'chat', (n) => models.get(n), Math.random);
  assert.deepEqual(
    plan.map((c) => [c.deployment.id, c.role]),
    [
      ['p/a', 'primary'],
      ['p/shared', 'fallback'],
      ['p/c', 'fallback'],
    ],
  );
});

test('embeddings fail over only to a model of the same dimension', () => {
  const models = new Map<string, ModelRoute>([
    ['e1', m('e1', [d('p/e1', 'e1')], { fallbacks: ['e2', 'e3'], embeddingDimensions: 1536 })],
    ['e2', m('e2', [d('p/e2', 'e2')], { embeddingDimensions: 768 })],
    ['e3', m('e3', [d('p/e3', 'e3')], { embeddingDimensions: 1536 })],
  ]);
  const plan = planCandidates(models.get('e1')!, 'embeddings', (n) => models.get(n), Math.random);
  assert.deepEqual(
    plan.map((c) => c.deployment.id),
    ['p/e1', 'p/e3'],
  );
});

test('the context-window chain lists its models in order', () => {
  const models = new Map<string, ModelRoute>([
    ['a', m('a', [d('p/a', 'a')], { contextWindowFallbacks: ['long'] })],
    ['long', m('long', [d('p/long1', 'long'), d('p/long2', 'long')])],
  ]);
  const plan = planContextFallbacks(models.get('a')!, (n) => models.get(n), Math.random);
  assert.deepEqual(
    plan.map((c) => [c.deployment.id, c.role]),
    [
      ['p/long1', 'context'],
      ['p/long2', 'context'],
    ],
  );
});
