import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from './index.js';
import { issuesOf, lines, withModels } from '../../test/support/config.js';

test('every problem is listed at once, schema and cross-reference together', () => {
  const input = {
    providers: { p: { baseURL: 'http://127.0.0.1:1', rpm: 'lots', timeout: 5 } },
    models: {
      'gpt-4.1': {
        deployments: [{ provider: 'q' }, { provider: 'p' }, { provider: 'p' }],
        fallbacks: ['claude'],
        strategy: 'random',
      },
      empty: { deployments: [] },
      none: {},
    },
    breaker: { opneMs: 1 },
    retry: { attempts: 11, budget: 2 },
    cache: { enabled: 'yes' },
    serverr: {},
  };
  assert.deepEqual(lines(issuesOf(input)).sort(), [
    'breaker.opneMs: unknown key "opneMs" (did you mean "openMs"?)',
    'cache.enabled: expected a boolean (true or false), got string',
    'models.empty.deployments: a model needs at least one deployment',
    'models.gpt-4.1.deployments[0].provider: unknown provider "q"',
    'models.gpt-4.1.deployments[2]: duplicate deployment "p/gpt-4.1" (same as deployments[1])',
    'models.gpt-4.1.fallbacks[0]: unknown model "claude"',
    'models.gpt-4.1.strategy: expected "priority" | "weighted" | "least-latency" | "least-cost"',
    'models.none.deployments: required (expected a list)',
    'providers.p.rpm: expected an integer, got string',
    'providers.p.timeout: unknown key "timeout" (did you mean "timeouts"?)',
    'retry.attempts: must be at most 10',
    'retry.budget: must be at most 1',
    'serverr: unknown key "serverr" (did you mean "server"?)',
  ]);
});

test('wrong types name the expected type', () => {
  const input = {
    providers: { p: { baseURL: 'ftp://x', headers: [] } },
    models: { m: { deployments: 'p', embeddingDimensions: 1.5 } },
    deadlineMs: -1,
    server: { clientKeys: [5], logLevel: 'loud' },
  };
  assert.deepEqual(lines(issuesOf(input)).sort(), [
    'deadlineMs: must be greater than 0',
    'models.m.deployments: expected a list, got string',
    'models.m.embeddingDimensions: expected an integer, got number',
    'providers.p.baseURL: expected an http:// or https:// URL',
    'providers.p.headers: expected a mapping, got array',
    'server.clientKeys[0]: expected a key string or { key, name?, rpm?, budgetUsdPerDay? }',
    'server.logLevel: expected "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent"',
  ]);
  assert.deepEqual(lines(issuesOf(null)), [': expected a mapping, got null']);
  assert.deepEqual(lines(issuesOf({})).sort(), [
    'models: required (expected a mapping)',
    'providers: required (expected a mapping)',
  ]);
});

test('unknown names get a suggestion when one is close', () => {
  const input = withModels({
    'gpt-4.1': { deployments: [{ provider: 'P' }], fallbacks: ['gpt4.1-mini'] },
    'gpt-4.1-mini': { deployments: [{ provider: 'p' }] },
  });
  assert.deepEqual(lines(issuesOf(input)), [
    'models.gpt-4.1.deployments[0].provider: unknown provider "P" (did you mean "p"?)',
    'models.gpt-4.1.fallbacks[0]: unknown model "gpt4.1-mini" (did you mean "gpt-4.1-mini"?)',
  ]);
});

test('fallback cycles, including self-reference and context-window cycles, each reported once', () => {
  const dep = [{ provider: 'p' }];
  const input = withModels({
    a: { deployments: dep, fallbacks: ['b'] },
    b: { deployments: dep, fallbacks: ['c', 'a'] },
    c: { deployments: dep, fallbacks: ['c'] },
    small: { deployments: dep, contextWindowFallbacks: ['large'] },
    large: { deployments: dep, contextWindowFallbacks: ['small'], fallbacks: ['small'] },
  });
  assert.deepEqual(lines(issuesOf(input)), [
    'models.c.fallbacks: fallback cycle c -> c',
    'models.a.fallbacks: fallback cycle a -> b -> a',
    'models.small.contextWindowFallbacks: context-window fallback cycle small -> large -> small',
  ]);
});

test('a fallback and a context-window fallback in opposite directions are not a cycle', () => {
  const dep = [{ provider: 'p' }];
  const c = parseConfig(
    withModels({
      mini: { deployments: dep, contextWindowFallbacks: ['big'] },
      big: { deployments: dep, fallbacks: ['mini'] },
    }),
    { env: {} },
  );
  assert.deepEqual(c.models['big']?.fallbacks, ['mini']);
});

test('embeddings fall back only to a model with the same dimension', () => {
  const dep = [{ provider: 'p' }];
  const input = withModels({
    small: { deployments: dep, embeddingDimensions: 1536, fallbacks: ['large', 'same', 'chat'] },
    large: { deployments: dep, embeddingDimensions: 3072 },
    same: { deployments: dep, embeddingDimensions: 1536 },
    chat: { deployments: dep, fallbacks: ['same'] },
  });
  assert.deepEqual(lines(issuesOf(input)), [
    'models.small.fallbacks[0]: "small" (1536 dimensions) cannot fall back to "large" (3072 dimensions): embeddings fail over only to a model with the same embeddingDimensions',
    'models.small.fallbacks[2]: "small" (1536 dimensions) cannot fall back to "chat" (no embeddingDimensions): embeddings fail over only to a model with the same embeddingDimensions',
    'models.chat.fallbacks[0]: "chat" (no embeddingDimensions) cannot fall back to "same" (1536 dimensions): embeddings fail over only to a model with the same embeddingDimensions',
  ]);
});

test('budgets, downgrades and static fallbacks', () => {
  // A priced upstream model: a budget needs a price (budget-prices.test.ts).
  const dep = [{ provider: 'p', model: 'gpt-4o-mini' }];
  const c = parseConfig(
    withModels({
      big: {
        deployments: dep,
        budget: { usdPerDay: 10, onExceeded: 'downgrade', downgradeTo: 'small' },
        staticFallback: { content: 'Service is busy, try again shortly.' },
      },
      small: { deployments: dep, budget: { usdPerDay: 1 } },
    }),
    { env: {} },
  );
  assert.deepEqual(c.models['big']?.budget, {
    usdPerDay: 10,
    onExceeded: 'downgrade',
    downgradeTo: 'small',
  });
  assert.deepEqual(c.models['small']?.budget, { usdPerDay: 1, onExceeded: 'refuse' });
  assert.deepEqual(c.models['big'].staticFallback, {
    content: 'Service is busy, try again shortly.',
  });

  const bad = withModels({
    a: { deployments: dep, budget: { usdPerDay: 1, onExceeded: 'downgrade' } },
    b: { deployments: dep, budget: { usdPerDay: 1, onExceeded: 'downgrade', downgradeTo: 'zzz' } },
    c: { deployments: dep, budget: { usdPerDay: 1, downgradeTo: 'a' } },
    d: { deployments: dep, budget: { usdPerDay: 1, onExceeded: 'downgrade', downgradeTo: 'd' } },
    e: { deployments: dep, budget: { usdPerDay: 1, onExceeded: 'downgrade', downgradeTo: 'emb' } },
    emb: { deployments: dep, embeddingDimensions: 8 },
  });
  assert.deepEqual(lines(issuesOf(bad)), [
    'models.a.budget.downgradeTo: required when onExceeded is "downgrade"',
    'models.b.budget.downgradeTo: unknown model "zzz"',
    'models.c.budget.downgradeTo: only used when onExceeded is "downgrade"',
    'models.d.budget.downgradeTo: a model cannot downgrade to itself',
    'models.e.budget.downgradeTo: "e" (no embeddingDimensions) cannot fall back to "emb" (8 dimensions): embeddings fail over only to a model with the same embeddingDimensions',
  ]);
});

test('provider names may not contain "/" (deployment ids are provider/model)', () => {
  const input = {
    providers: { 'a/b': { baseURL: 'http://x' } },
    models: { m: { deployments: [{ provider: 'a/b' }] } },
  };
  assert.deepEqual(lines(issuesOf(input)), [
    'providers.a/b: a provider name must be non-empty, without "/" or spaces',
  ]);
});

test('an empty models mapping is reported', () => {
  assert.deepEqual(lines(issuesOf(withModels({}))), ['models: configure at least one model']);
});

test('a missing variable in a reference is one issue, not two', () => {
  const input = withModels({ m: { deployments: [{ provider: '${P}' }], fallbacks: ['${F}'] } });
  assert.deepEqual(lines(issuesOf(input, {})), [
    'models.m.deployments[0].provider: environment variable P is not set',
    'models.m.fallbacks[0]: environment variable F is not set',
  ]);
});
