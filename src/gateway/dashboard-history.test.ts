import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../core/fake-clock.js';
import type { AttemptRecord } from '../core/index.js';
import { DashboardHistory, errorCause } from './dashboard-history.js';
import type { HistoryRequest } from './dashboard-history.js';

const EPOCH_MS = 1_700_000_000_000;
const DEPLOYMENTS = ['sim/a', 'sim/b'];

function history(clock: FakeClock, states: Record<string, string> = {}) {
  return new DashboardHistory({
    clock,
    deployments: DEPLOYMENTS,
    bucketMs: 10_000,
    buckets: 6,
    maxTransitions: 3,
    stateOf: (d) => states[d],
  });
}

const answered = (deployment: string, attemptMs: number, over: Partial<HistoryRequest> = {}) => ({
  ok: true,
  attemptMs,
  meta: { deployment, fallbackUsed: false, costUsd: 0.001 },
  ...over,
});

const skip = (deployment: string, reason = 'breaker_open'): AttemptRecord => ({
  deployment,
  model: 'm',
  result: 'skipped',
  reason,
});

test('requests, fallbacks, spend and latency land in the bucket of their time', () => {
  const clock = new FakeClock(0, EPOCH_MS);
  const h = history(clock);
  for (let i = 1; i <= 100; i++) h.request(answered('sim/a', i));
  h.request({
    ok: true,
    attemptMs: 5,
    meta: { deployment: 'sim/b', fallbackUsed: true, costUsd: 0.5 },
  });
  h.request({ ok: false, meta: { deployment: null, fallbackUsed: false, costUsd: 0 } });
  const v0 = h.version();
  clock.advance(10_000);
  assert.notEqual(h.version(), v0, 'a closed bucket is a new version');
  h.request(answered('sim/b', 40));
  const json = h.toJSON();
  assert.equal(json.buckets.length, 6);
  assert.deepEqual(json.deployments, DEPLOYMENTS);
  const [closed, live] = json.buckets.slice(-2);
  assert.ok(closed !== undefined && live !== undefined);
  assert.equal(closed.requests, 102);
  assert.equal(closed.ok, 101);
  assert.equal(closed.fallback, 1);
  assert.ok(Math.abs(closed.spendUsd - 0.6) < 1e-9);
  assert.ok(Math.abs((closed.p50[0] as number) - 50) <= 1, `p50 ${closed.p50[0]}`);
  assert.ok(Math.abs((closed.p99[0] as number) - 99) <= 2, `p99 ${closed.p99[0]}`);
  assert.ok(Math.abs((closed.p50[1] as number) - 5) < 0.1);
  // The live bucket sees only its own samples: the histograms were reset at the roll.
  assert.equal(live.requests, 1);
  assert.equal(live.p50[0], null);
  assert.ok(Math.abs((live.p50[1] as number) - 40) <= 1);
  assert.equal(json.startEpochMs, EPOCH_MS + 10_000 - 5 * 10_000);
});

test('a quiet stretch reads as empty buckets; history older than the window is gone', () => {
  const clock = new FakeClock(0, EPOCH_MS);
  const h = history(clock);
  h.request(answered('sim/a', 10));
  clock.advance(30_000);
  assert.deepEqual(
    h.toJSON().buckets.map((b) => b.requests),
    [0, 0, 1, 0, 0, 0],
  );
  clock.advance(60_000);
  const after = h.toJSON().buckets;
  assert.deepEqual(
    after.map((b) => b.requests),
    [0, 0, 0, 0, 0, 0],
  );
  assert.ok(after.every((b) => b.p50.every((v) => v === null)));
});

test('errors are counted by cause; a refusal behind forced-open circuits is the operator', () => {
  const clock = new FakeClock(0, EPOCH_MS);
  const states: Record<string, string> = { 'sim/a': 'forced-open', 'sim/b': 'open' };
  const h = history(clock, states);
  h.error('provider');
  h.error('caller');
  h.error('policy', [skip('sim/a')]);
  h.error('policy', [skip('sim/a'), skip('sim/b')]);
  h.error('policy', [skip('sim/a', 'rate_limited')]);
  h.error('policy');
  const live = h.toJSON().buckets.at(-1);
  assert.deepEqual(live && [live.provider, live.policy, live.operator, live.caller], [1, 3, 1, 1]);
  const get = (d: string) => states[d];
  assert.equal(errorCause('provider', [skip('sim/a')], get), 'provider');
  assert.equal(errorCause('policy', [], get), 'policy');
});

test('timelines keep the last transitions per deployment and drop those before the window', () => {
  const clock = new FakeClock(0, EPOCH_MS);
  const h = history(clock);
  const v0 = h.version();
  h.transition({ deployment: 'sim/a', from: 'closed', to: 'open', reason: 'consecutive_failures' });
  assert.notEqual(h.version(), v0, 'a transition is a new version');
  h.transition({ deployment: 'unknown/x', from: 'closed', to: 'open', reason: 'x' });
  clock.advance(20_000);
  h.transition({ deployment: 'sim/a', from: 'open', to: 'half-open', reason: 'open_elapsed' });
  h.transition({ deployment: 'sim/a', from: 'half-open', to: 'closed', reason: 'probe_succeeded' });
  h.transition({ deployment: 'sim/b', from: 'closed', to: 'forced-open', reason: 'forced' });
  let json = h.toJSON();
  assert.deepEqual(
    json.timeline[0]?.map((t) => [t.to, t.atEpochMs - EPOCH_MS]),
    [
      ['open', 0],
      ['half-open', 20_000],
      ['closed', 20_000],
    ],
  );
  assert.deepEqual(
    json.timeline[1]?.map((t) => t.reason),
    ['forced'],
  );
  h.transition({ deployment: 'sim/a', from: 'closed', to: 'open', reason: 'failure_rate' });
  assert.equal(h.toJSON().timeline[0]?.[0]?.to, 'half-open', 'at most 3 kept: the oldest went');
  clock.advance(50_000); // the window now starts at 20 000 ms
  json = h.toJSON();
  assert.equal(json.timeline[0]?.length, 3, 'transitions at the window start stay');
  clock.advance(1);
  clock.advance(10_000);
  json = h.toJSON();
  assert.deepEqual(json.timeline, [[], []]);
  assert.equal(json.sinceEpochMs, EPOCH_MS);
});
