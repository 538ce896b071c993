import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../core/fake-clock.js';
import { StatsCollector, MAX_REASONS } from './index.js';
import type { RequestInput } from './index.js';

const EPOCH_MS = 1_700_000_000_000;

function collector(clock = new FakeClock(0, EPOCH_MS)): StatsCollector {
  return new StatsCollector({
    clock,
    models: ['gpt-4o', 'claude'],
    deployments: { 'azure-4o': 'gpt-4o', 'openai-4o': 'gpt-4o', anthropic: 'claude' },
  });
}

const ok = (over: Partial<RequestInput> = {}): RequestInput => ({
  requestedModel: 'gpt-4o',
  servedModel: 'gpt-4o',
  deployment: 'azure-4o',
  outcome: 'success',
  fallbackUsed: false,
  attempts: 1,
  durationMs: 100,
  ...over,
});

test('configured names are listed with zeroes before any traffic', () => {
  const s = collector().snapshot();
  assert.deepEqual(Object.keys(s.models).sort(), ['claude', 'gpt-4o']);
  assert.deepEqual(Object.keys(s.deployments).sort(), ['anthropic', 'azure-4o', 'openai-4o']);
  assert.equal(s.deployments['anthropic']?.model, 'claude');
  assert.equal(s.models['gpt-4o']?.successRate, null);
  assert.deepEqual(s.models['gpt-4o'].latency, {
    count: 0,
    meanMs: null,
    p50Ms: null,
    p95Ms: null,
    p99Ms: null,
    maxMs: null,
  });
  assert.deepEqual(
    [s.totals.requests, s.totals.successRate, s.totals.p50Ms, s.totals.p99Ms, s.totals.trips],
    [0, null, null, null, 0],
  );
  assert.deepEqual(s.totals.attempts.failuresByKind, {});
  assert.deepEqual(s.fallbackFlows, []);
  assert.deepEqual(s.transitions, []);
  assert.equal(s.sinceEpochMs, EPOCH_MS);
});

test('attempts aggregate per deployment and per model, by result and reason', () => {
  const stats = collector();
  const a = { model: 'gpt-4o', deployment: 'azure-4o' } as const;
  stats.recordAttempt({ ...a, result: 'success', durationMs: 200 });
  stats.recordAttempt({ ...a, result: 'success', durationMs: 400 });
  stats.recordAttempt({ ...a, result: 'failure', reason: 'rate_limited', durationMs: 5 });
  stats.recordAttempt({ ...a, result: 'failure', reason: 'rate_limited' });
  stats.recordAttempt({ ...a, result: 'failure', reason: 'server_error' });
  stats.recordAttempt({ ...a, result: 'neutral', reason: 'cancelled' });
  stats.recordAttempt({ ...a, result: 'skipped', reason: 'breaker_open' });
  stats.recordAttempt({ ...a, result: 'skipped' });
  stats.recordAttempt({ model: 'gpt-4o', deployment: 'openai-4o', result: 'success' });
  const s = stats.snapshot();
  const d = s.deployments['azure-4o']!;
  assert.deepEqual(d.attempts, {
    calls: 6,
    successes: 2,
    failures: 3,
    failuresByKind: { rate_limited: 2, server_error: 1 },
    neutral: 1,
    neutralByReason: { cancelled: 1 },
    skipped: 2,
    skipsByReason: { breaker_open: 1, unknown: 1 },
  });
  assert.equal(d.failureRate, 3 / 5);
  // Only successful attempts feed latency: the 5 ms 429 does not flatter the deployment.
  assert.equal(d.latency.count, 2);
  assert.equal(d.latency.p50Ms, 200);
  assert.equal(d.latency.maxMs, 400);
  const m = s.models['gpt-4o']!.attempts;
  assert.equal(m.calls, 7);
  assert.equal(m.successes, 3);
  assert.deepEqual(m.failuresByKind, { rate_limited: 2, server_error: 1 });
  assert.deepEqual(s.totals.attempts, m);
});

test('requests: outcomes, error codes, latency, tokens and cost', () => {
  const stats = collector();
  stats.recordRequest(
    ok({ durationMs: 100, promptTokens: 10, completionTokens: 5, costUsd: 0.25, ttftMs: 40 }),
  );
  stats.recordRequest(ok({ durationMs: 300, promptTokens: 1, completionTokens: 2, costUsd: 0.5 }));
  stats.recordRequest({
    requestedModel: 'gpt-4o',
    outcome: 'error',
    errorCode: 'all_candidates_failed',
    fallbackUsed: false,
    attempts: 3,
    durationMs: 2_000,
  });
  stats.recordRequest({
    ...ok(),
    servedModel: undefined,
    deployment: undefined,
    outcome: 'cached',
  });
  stats.recordRequest({
    ...ok(),
    servedModel: undefined,
    deployment: undefined,
    outcome: 'static',
  });
  stats.recordRequest({ ...ok(), outcome: 'error', errorCode: undefined, costUsd: Number.NaN });
  const s = stats.snapshot();
  const m = s.models['gpt-4o']!;
  assert.equal(m.requests, 6);
  assert.equal(m.successes, 2);
  assert.equal(m.errors, 2);
  assert.deepEqual(m.errorsByCode, { all_candidates_failed: 1, unknown: 1 });
  assert.equal(m.cached, 1);
  assert.equal(m.static, 1);
  assert.equal(m.successRate, 2 / 6, 'cached and static answers are not successes');
  assert.equal(m.attemptsPerRequest, 8 / 6);
  assert.equal(m.latency.count, 6);
  assert.equal(m.latency.maxMs, 2_000);
  assert.equal(m.ttft.count, 1);
  assert.equal(m.ttft.p50Ms, 40);
  assert.deepEqual(m.tokens, { prompt: 11, completion: 7 });
  assert.equal(m.costUsd, 0.75, 'a NaN cost is ignored, not propagated');
  assert.equal(m.costIfRequestedUsd, 0.75);
  const d = s.deployments['azure-4o']!;
  assert.deepEqual(d.tokens, { prompt: 11, completion: 7 });
  assert.equal(d.costUsd, 0.75);
  assert.equal(d.ttft.count, 1);
  assert.equal(s.totals.requests, 6);
  assert.equal(s.totals.successRate, 2 / 6);
  assert.deepEqual(s.totals.errorsByCode, m.errorsByCode);
  assert.equal(s.totals.latency.count, 6);
  assert.equal(s.totals.p99Ms, 2_000);
  assert.ok(Math.abs(s.totals.p50Ms! - 100) <= 100 / 64, 'within the histogram error');
});

test('fallbacks: counted on both models, in totals and as from→to flows', () => {
  const stats = collector();
  const toClaude = ok({
    servedModel: 'claude',
    deployment: 'anthropic',
    fallbackUsed: true,
    attempts: 2,
    costUsd: 1,
    costIfRequestedUsd: 3,
  });
  stats.recordRequest(toClaude);
  stats.recordRequest(toClaude);
  stats.recordRequest(ok({ requestedModel: 'claude', servedModel: 'gpt-4o', fallbackUsed: true }));
  // Another deployment of the same model: a failover, not a fallback.
  stats.recordRequest(ok({ deployment: 'openai-4o', fallbackUsed: true }));
  // A failed request is never a fallback, whatever it says it was served by.
  stats.recordRequest(ok({ servedModel: 'claude', outcome: 'error' }));
  const s = stats.snapshot();
  assert.equal(s.totals.fallbacks, 3);
  assert.deepEqual(s.fallbackFlows, [
    { from: 'gpt-4o', to: 'claude', count: 2 },
    { from: 'claude', to: 'gpt-4o', count: 1 },
  ]);
  const gpt = s.models['gpt-4o']!;
  const claude = s.models['claude']!;
  assert.equal(gpt.fallbacks, 2);
  assert.equal(gpt.failovers, 3);
  assert.equal(gpt.fallbacksServed, 1);
  assert.equal(claude.fallbacks, 1);
  assert.equal(claude.fallbacksServed, 2);
  // Money follows the model that answered; the counterfactual stays with the requested one.
  assert.equal(claude.costUsd, 2);
  assert.equal(gpt.costIfRequestedUsd, 6);
  assert.equal(s.totals.costUsd, 2);
  assert.equal(s.totals.costIfRequestedUsd, 6);
  assert.equal(s.deployments['anthropic']?.costUsd, 2);
});

test('transitions: trips per deployment and model, state, epoch timestamps', () => {
  const clock = new FakeClock(0, EPOCH_MS);
  const stats = collector(clock);
  clock.advance(1_000);
  const atMs = clock.now();
  stats.recordTransition({ deployment: 'azure-4o', from: 'closed', to: 'open', reason: 'x', atMs });
  clock.advance(30_000);
  stats.recordTransition({
    deployment: 'azure-4o',
    from: 'open',
    to: 'half-open',
    reason: 'timer',
    atMs: clock.now() - 10, // reported 10 ms late
  });
  stats.recordTransition({
    deployment: 'openai-4o',
    from: 'closed',
    to: 'open',
    reason: 'r',
    atMs,
  });
  stats.recordTransition({
    deployment: 'anthropic',
    from: 'closed',
    to: 'forced-open',
    reason: 'op',
    atMs,
  });
  const s = stats.snapshot();
  assert.equal(s.deployments['azure-4o']?.trips, 1);
  assert.equal(s.deployments['azure-4o'].state, 'half-open');
  assert.equal(s.deployments['anthropic']?.trips, 0, 'an operator forcing it open is not a trip');
  assert.equal(s.models['gpt-4o']?.trips, 2);
  assert.equal(s.models['claude']?.trips, 0);
  assert.equal(s.totals.trips, 2);
  assert.deepEqual(
    s.transitions.map((t) => [t.deployment, t.to, t.atEpochMs]),
    [
      ['azure-4o', 'open', EPOCH_MS + 1_000],
      ['azure-4o', 'half-open', EPOCH_MS + 30_990],
      ['openai-4o', 'open', EPOCH_MS + 1_000],
      ['anthropic', 'forced-open', EPOCH_MS + 1_000],
    ],
  );
});

test('the transition ring keeps only the most recent, oldest first', () => {
  const clock = new FakeClock(0, EPOCH_MS);
  const stats = new StatsCollector({ clock, maxTransitions: 200 });
  for (let i = 0; i < 450; i++) {
    stats.recordTransition({ deployment: 'd', from: 'a', to: 'b', reason: `${i}`, atMs: i });
  }
  const ts = stats.snapshot().transitions;
  assert.equal(ts.length, 200);
  assert.equal(ts[0]?.reason, '250');
  assert.equal(ts[199]?.reason, '449');
  assert.equal(ts[199].atEpochMs, EPOCH_MS + 449);
});

test('unknown names are capped and folded into "other"', () => {
  const stats = new StatsCollector({ clock: new FakeClock(), models: ['known'], maxKeys: 10 });
  for (let i = 0; i < 50; i++) {
    stats.recordAttempt({ model: `m${i}`, deployment: `d${i}`, result: 'success' });
    stats.recordRequest(ok({ requestedModel: `m${i}`, servedModel: `m${i}`, deployment: `d${i}` }));
  }
  stats.recordRequest(ok({ requestedModel: 'known', servedModel: 'known' }));
  const s = stats.snapshot();
  assert.equal(Object.keys(s.models).length, 11);
  assert.equal(Object.keys(s.deployments).length, 11);
  assert.equal(s.models['known']?.requests, 1);
  assert.equal(s.models['other']?.requests, 50 - 9);
  assert.equal(s.deployments['other']?.attempts.successes, 50 - 10);
  assert.equal(s.totals.requests, 51, 'folding loses names, never counts');
});

test('fallbacks between folded names still count, and flows are bounded', () => {
  const stats = new StatsCollector({ clock: new FakeClock(), maxKeys: 4 });
  for (let i = 0; i < 20; i++) {
    stats.recordRequest(ok({ requestedModel: `a${i}`, servedModel: `b${i}`, deployment: 'd' }));
  }
  const s = stats.snapshot();
  assert.equal(s.totals.fallbacks, 20);
  assert.ok(s.fallbackFlows.length <= 5);
  assert.equal(
    s.fallbackFlows.reduce((n, f) => n + f.count, 0),
    20,
  );
});

test('reasons per counter are bounded', () => {
  const stats = collector();
  for (let i = 0; i < MAX_REASONS + 10; i++) {
    stats.recordAttempt({
      model: 'gpt-4o',
      deployment: 'azure-4o',
      result: 'skipped',
      reason: `r${i}`,
    });
  }
  const skips = stats.snapshot().deployments['azure-4o']!.attempts.skipsByReason;
  assert.equal(Object.keys(skips).length, MAX_REASONS + 1);
  assert.equal(skips['other'], 10);
});

test('a deployment learns its model from its first attempt', () => {
  const stats = new StatsCollector({ clock: new FakeClock() });
  stats.recordTransition({ deployment: 'x', from: 'closed', to: 'open', reason: 'r', atMs: 0 });
  stats.recordAttempt({ model: 'm', deployment: 'x', result: 'failure', reason: 'network' });
  const s = stats.snapshot();
  assert.equal(s.deployments['x']?.model, 'm');
  assert.equal(s.models['m']?.trips, 1);
});

test('reset forgets counts but keeps configured names; snapshot is plain JSON', () => {
  const clock = new FakeClock(0, EPOCH_MS);
  const stats = collector(clock);
  stats.recordRequest(ok({ ttftMs: 5 }));
  stats.recordTransition({
    deployment: 'azure-4o',
    from: 'closed',
    to: 'open',
    reason: 'r',
    atMs: 0,
  });
  const before = stats.snapshot();
  assert.deepEqual(JSON.parse(JSON.stringify(before)), before);
  clock.advance(5_000);
  stats.reset();
  const s = stats.snapshot();
  assert.equal(s.totals.requests, 0);
  assert.equal(s.models['gpt-4o']?.requests, 0);
  assert.equal(s.deployments['azure-4o']?.trips, 0);
  assert.deepEqual(s.transitions, []);
  assert.equal(s.sinceEpochMs, EPOCH_MS + 5_000);
  assert.equal(s.atEpochMs, EPOCH_MS + 5_000);
});

test('hostile names stay plain keys', () => {
  const stats = new StatsCollector({ clock: new FakeClock() });
  stats.recordAttempt({ model: '__proto__', deployment: 'constructor', result: 'success' });
  const s = stats.snapshot();
  assert.equal(Object.getPrototypeOf(s.models), Object.prototype);
  assert.deepEqual(Object.keys(s.models), ['__proto__']);
  assert.equal(s.models['__proto__']?.attempts.successes, 1);
  const back = JSON.parse(JSON.stringify(s)) as typeof s;
  assert.equal(back.deployments['constructor']?.attempts.calls, 1);
});
