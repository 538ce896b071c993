import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.js';
import { FakeClock } from '../fake-clock.js';
import { CANCELLED, SUCCESS, failure } from '../outcome.js';
import type { Outcome } from '../outcome.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { FORCED_OPEN_RETRY_AFTER_MS } from './state.js';
import type {
  BreakerSnapshot,
  CircuitBreakerConfig,
  Permit,
  TransitionEvent,
  WouldTripEvent,
} from './state.js';

const FAIL = failure('server_error');

function setup(config?: CircuitBreakerConfig) {
  const clock = new FakeClock();
  const breaker = new CircuitBreaker(config, { clock, random: () => 0, name: 'd' });
  const events: TransitionEvent[] = [];
  breaker.onTransition((e) => events.push(e));
  return { clock, breaker, events };
}

function admit(breaker: CircuitBreaker): Permit {
  const r = breaker.acquire();
  assert.ok(r.admitted);
  return r;
}

function call(breaker: CircuitBreaker, outcome: Outcome, times = 1): void {
  for (let i = 0; i < times; i++) breaker.record(admit(breaker), outcome);
}

test('forced-open rejects everything, forever, with a documented finite retryAfterMs', () => {
  const { clock, breaker, events } = setup();
  const before = admit(breaker);
  breaker.forceOpen();
  clock.advance(10 * 24 * 3_600_000);
  const r = breaker.acquire();
  assert.deepEqual(
    { ...r },
    {
      admitted: false,
      retryAfterMs: FORCED_OPEN_RETRY_AFTER_MS,
      state: 'forced-open',
    },
  );
  const json = JSON.parse(JSON.stringify(breaker.snapshot())) as BreakerSnapshot;
  assert.equal(json.retryAfterMs, 2 ** 31 - 1);
  breaker.record(before, SUCCESS); // stale: changes nothing
  assert.equal(breaker.state, 'forced-open');
  breaker.reset();
  assert.equal(breaker.state, 'closed');
  assert.deepEqual(
    events.map((e) => [e.from, e.to, e.reason, e.generation]),
    [
      ['closed', 'forced-open', 'forced', 1],
      ['forced-open', 'closed', 'reset', 2],
    ],
  );
});

test('disabled passes everything, never trips, and still counts', () => {
  const { breaker } = setup();
  breaker.disable();
  call(breaker, FAIL, 100);
  call(breaker, failure('rate_limited', { retryAfterMs: 60_000 }));
  assert.equal(breaker.state, 'disabled');
  const s = breaker.snapshot();
  assert.equal(s.totals.failures, 101);
  assert.equal(s.consecutiveFailures, 101);
  assert.equal(s.retryAfterMs, 0);
  assert.equal(s.wouldTrip, null);
});

test('metrics-only passes everything and reports would-trips on a shadow', () => {
  const { clock, breaker } = setup({ openMs: 1_000 });
  const wouldTrips: WouldTripEvent[] = [];
  breaker.onWouldTrip((e) => wouldTrips.push(e));
  breaker.metricsOnly();
  call(breaker, FAIL, 4);
  call(breaker, CANCELLED, 3); // neutral: counts nothing, breaks no streak
  call(breaker, FAIL);
  assert.equal(breaker.state, 'metrics-only');
  assert.deepEqual(wouldTrips, [
    { breaker: 'd', reason: 'consecutive_failures', atMs: 0, generation: 1 },
  ]);
  // While the shadow would be open, calls pass and are counted as would-be rejections.
  call(breaker, FAIL, 7);
  assert.equal(wouldTrips.length, 1);
  let w = breaker.snapshot().wouldTrip;
  assert.equal(w?.count, 1);
  assert.equal(w.rejections, 7);
  assert.equal(w.lastReason, 'consecutive_failures');
  assert.equal(w.openUntilEpochMs, clock.epochMs() + 1_000);
  clock.advance(1_000);
  call(breaker, FAIL, 4);
  assert.equal(wouldTrips.length, 1); // evaluated afresh after the shadow's open period
  call(breaker, failure('rate_limited', { retryAfterMs: 5_000 }));
  w = breaker.snapshot().wouldTrip;
  assert.equal(w?.count, 2);
  assert.equal(w.lastReason, 'retry_after'); // Retry-After is checked first
  assert.equal(w.openUntilEpochMs, clock.epochMs() + 5_000);
  assert.equal(breaker.snapshot().totals.failures, 17);
});

test('metrics-only reports a Retry-After would-trip and a rate would-trip', () => {
  const { breaker } = setup({
    trip: { rate: { window: { type: 'count', size: 4 }, minCalls: 4, failureRate: 0.5 } },
  });
  const reasons: string[] = [];
  breaker.onWouldTrip((e) => reasons.push(e.reason));
  breaker.metricsOnly();
  call(breaker, failure('rate_limited', { retryAfterMs: 0 }));
  assert.deepEqual(reasons, ['retry_after']);
  const { breaker: fresh, clock } = setup({
    trip: { rate: { window: { type: 'count', size: 4 }, minCalls: 4, failureRate: 0.5 } },
  });
  fresh.onWouldTrip((e) => reasons.push(e.reason));
  fresh.metricsOnly();
  call(fresh, SUCCESS, 2);
  call(fresh, FAIL, 2);
  assert.deepEqual(reasons, ['retry_after', 'failure_rate']);
  // The shadow's open period ends: the window starts afresh, as after a real close.
  clock.advance(30_000);
  call(fresh, FAIL);
  assert.deepEqual(fresh.snapshot().window?.calls, 1);
  assert.deepEqual(reasons, ['retry_after', 'failure_rate']);
});

test('operator commands bump the generation and make older permits stale', () => {
  const { breaker, events } = setup();
  const g0 = admit(breaker);
  breaker.disable();
  const g1 = admit(breaker);
  breaker.metricsOnly();
  breaker.reset();
  breaker.record(g0, FAIL);
  breaker.record(g1, FAIL);
  assert.equal(breaker.snapshot().totals.stale, 2);
  assert.equal(breaker.snapshot().consecutiveFailures, 0);
  assert.deepEqual(
    events.map((e) => e.reason),
    ['disabled', 'metrics_only', 'reset'],
  );
  assert.equal(breaker.generation, 3);
});

test('reset clears the rate window', () => {
  const { breaker } = setup({
    trip: { rate: { window: { type: 'count', size: 10 }, minCalls: 10, failureRate: 1 } },
  });
  call(breaker, FAIL, 3);
  assert.equal(breaker.snapshot().window?.failures, 3);
  breaker.reset();
  assert.equal(breaker.snapshot().window?.failures, 0);
});

test('a fresh metrics-only breaker and a fresh rate breaker snapshot and restore', () => {
  const config: CircuitBreakerConfig = {
    trip: { rate: { window: { type: 'count', size: 10 }, minCalls: 10, failureRate: 1 } },
  };
  const { clock, breaker } = setup(config);
  assert.deepEqual(breaker.snapshot().window, {
    calls: 0,
    failures: 0,
    slowCalls: 0,
    failureRate: 0,
    slowRate: 0,
  });
  breaker.metricsOnly();
  const w = breaker.snapshot().wouldTrip;
  assert.deepEqual(w, {
    count: 0,
    lastReason: null,
    lastAtEpochMs: null,
    openUntilEpochMs: null,
    rejections: 0,
  });
  roundTrip(breaker, clock, config);
});

test('a half-open snapshot without probe details restores with free slots', () => {
  const { clock, breaker } = setup({ openMs: 10 });
  call(breaker, FAIL, 5);
  clock.advance(10);
  breaker.acquire();
  const snap = { ...breaker.snapshot(), halfOpen: null };
  const restored = CircuitBreaker.fromSnapshot(snap, { openMs: 10 }, { clock });
  assert.equal(restored.state, 'half-open');
  assert.equal(restored.acquire().admitted, true);
  assert.equal(restored.acquire().admitted, false);
});

test('reset clears trip counters, backoff and the Retry-After floor but keeps totals', () => {
  const { clock, breaker } = setup({ openMs: 1_000 });
  call(breaker, FAIL, 5);
  clock.advance(1_000);
  call(breaker, failure('rate_limited', { retryAfterMs: 100_000 })); // re-open, grown
  breaker.reset();
  call(breaker, FAIL, 4);
  let s = breaker.snapshot();
  assert.equal(s.consecutiveOpens, 0);
  assert.equal(s.retryAfterUntilEpochMs, null);
  assert.equal(s.totals.failures, 10);
  call(breaker, FAIL);
  s = breaker.snapshot();
  assert.equal(s.retryAfterMs, 1_000); // base period, no Retry-After floor
});

function roundTrip(breaker: CircuitBreaker, clock: FakeClock, config?: CircuitBreakerConfig) {
  const snap = breaker.snapshot();
  const json = JSON.parse(JSON.stringify(snap)) as BreakerSnapshot;
  const restored = CircuitBreaker.fromSnapshot(json, config, { clock, random: () => 0 });
  assert.deepEqual(restored.snapshot(), snap);
  return restored;
}

test('snapshot round trip: closed with a count window, open, half-open, metrics-only', () => {
  const config: CircuitBreakerConfig = {
    openMs: 1_000,
    slowCallMs: 100,
    halfOpen: { probes: 2 },
    trip: {
      consecutive: 5,
      rate: { window: { type: 'count', size: 8 }, minCalls: 8, failureRate: 0.9, slowRate: 0.9 },
    },
  };
  const { clock, breaker } = setup(config);
  call(breaker, FAIL, 3);
  call(breaker, { type: 'success', durationMs: 500 }, 2);
  const closed = roundTrip(breaker, clock, config);
  assert.equal(closed.name, 'd');
  assert.equal(closed.snapshot().window?.slowCalls, 2);
  call(breaker, failure('rate_limited', { retryAfterMs: 5_000 }));
  roundTrip(breaker, clock, config);
  clock.advance(5_000);
  const probe = admit(breaker);
  const restored = roundTrip(breaker, clock, config);
  // The restored breaker honours the probe still out, and that probe may record into it.
  admit(restored);
  assert.equal(restored.acquire().admitted, false);
  restored.record(probe, SUCCESS);
  assert.equal(restored.snapshot().halfOpen?.successes, 1);
  breaker.metricsOnly();
  call(breaker, FAIL, 5);
  assert.equal(roundTrip(breaker, clock, config).snapshot().wouldTrip?.count, 1);
});

test('snapshot round trip with a time window', () => {
  const config: CircuitBreakerConfig = {
    trip: {
      rate: { window: { type: 'time', sizeMs: 3_000, buckets: 3 }, minCalls: 99, failureRate: 1 },
    },
  };
  const { clock, breaker } = setup(config);
  call(breaker, FAIL, 2);
  clock.advance(1_500);
  call(breaker, SUCCESS, 3);
  const restored = roundTrip(breaker, clock, config);
  clock.advance(1_500); // the first bucket ages out in both
  assert.deepEqual(restored.snapshot().window, breaker.snapshot().window);
  assert.equal(restored.snapshot().window?.calls, 3);
});

test('a restored open breaker keeps its deadline on a clock with another origin', () => {
  const { clock, breaker } = setup();
  call(breaker, FAIL, 5);
  clock.advance(20_000);
  const snap = breaker.snapshot();
  const other = new FakeClock(987_654, clock.epochMs() + 4_000); // restored 4 s later
  const restored = CircuitBreaker.fromSnapshot(snap, undefined, { clock: other });
  const r = restored.acquire();
  assert.equal(r.admitted, false);
  assert.equal(r.retryAfterMs, 6_000);
  other.advance(6_000);
  assert.equal(restored.acquire().admitted, true);
  assert.equal(restored.state, 'half-open');
});

test('fromSnapshot rejects what is not a breaker snapshot', () => {
  const bad = { version: 2, state: 'closed', generation: 0 } as unknown as BreakerSnapshot;
  assert.throws(() => CircuitBreaker.fromSnapshot(bad), ConfigError);
  const worse = { version: 1, state: 'ajar', generation: 0 } as unknown as BreakerSnapshot;
  assert.throws(() => CircuitBreaker.fromSnapshot(worse), ConfigError);
});

test('a snapshot is plain JSON with epoch times', () => {
  const { clock, breaker } = setup();
  call(breaker, FAIL, 5);
  const s = breaker.snapshot();
  assert.equal(s.state, 'open');
  assert.equal(s.openUntilEpochMs, clock.epochMs() + 30_000);
  assert.equal(s.nextProbeAtEpochMs, s.openUntilEpochMs);
  assert.equal(s.window, null);
  assert.equal(s.windowData, null);
  assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
});
