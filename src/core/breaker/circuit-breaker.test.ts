import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../fake-clock.js';
import { CALLER_ERROR, CANCELLED, SUCCESS, failure } from '../outcome.js';
import type { Outcome } from '../outcome.js';
import { CircuitBreaker } from './circuit-breaker.js';
import type { CircuitBreakerConfig, Permit, RejectionEvent, TransitionEvent } from './state.js';
import { FORCED_OPEN_RETRY_AFTER_MS } from './state.js';

const FAIL = failure('server_error');

function setup(config?: CircuitBreakerConfig) {
  const clock = new FakeClock(1_000);
  const breaker = new CircuitBreaker(config, { clock, random: () => 0, name: 'sim/gpt' });
  return { clock, breaker };
}

function admit(breaker: CircuitBreaker): Permit {
  const r = breaker.acquire();
  assert.ok(r.admitted, `expected a permit, got a rejection in ${r.admitted ? '' : r.state}`);
  return r;
}

function call(breaker: CircuitBreaker, outcome: Outcome, times = 1): void {
  for (let i = 0; i < times; i++) breaker.record(admit(breaker), outcome);
}

function rejection(breaker: CircuitBreaker) {
  const r = breaker.acquire();
  assert.equal(r.admitted, false);
  return { ...r };
}

test('defaults: 5 consecutive failures open for 30 s; 2 probe successes close', () => {
  const { clock, breaker } = setup();
  call(breaker, FAIL, 4);
  assert.equal(breaker.state, 'closed');
  call(breaker, FAIL);
  assert.equal(breaker.state, 'open');
  assert.deepEqual(rejection(breaker), { admitted: false, retryAfterMs: 30_000, state: 'open' });
  clock.advance(29_999);
  assert.equal(rejection(breaker).retryAfterMs, 1);
  clock.advance(1);
  const probe = admit(breaker);
  assert.equal(breaker.state, 'half-open');
  assert.equal(probe.isProbe, true);
  // One probe at a time: the next caller is told when the probe's permit would expire.
  assert.deepEqual(rejection(breaker), {
    admitted: false,
    retryAfterMs: 60_000,
    state: 'half-open',
  });
  breaker.record(probe, SUCCESS);
  assert.equal(breaker.state, 'half-open');
  call(breaker, SUCCESS);
  assert.equal(breaker.state, 'closed');
  const s = breaker.snapshot();
  assert.equal(s.consecutiveOpens, 0);
  assert.equal(s.totals.rejections, 3);
  assert.equal(s.totals.failures, 5);
  assert.equal(s.totals.successes, 2);
});

test('a success resets the consecutive failure count', () => {
  const { breaker } = setup();
  call(breaker, FAIL, 4);
  call(breaker, SUCCESS);
  call(breaker, FAIL, 4);
  assert.equal(breaker.state, 'closed');
  assert.equal(breaker.snapshot().consecutiveFailures, 4);
  call(breaker, FAIL);
  assert.equal(breaker.state, 'open');
});

test('a permit is cheap to tell apart and carries generation and, when needed, time', () => {
  const { clock, breaker } = setup({ slowCallMs: 100 });
  clock.advance(5);
  const p = admit(breaker);
  assert.deepEqual(
    { ...p },
    { admitted: true, generation: 0, acquiredAtMs: 1_005, probeId: 0, isProbe: false },
  );
  // A closed breaker with no slow-call trip skips the clock on the hot path; a rate window reads
  // it once, when the call is recorded.
  const plain = setup();
  assert.ok(Number.isNaN(admit(plain.breaker).acquiredAtMs));
  const rate = setup({
    trip: {
      rate: { window: { type: 'time', sizeMs: 10_000, buckets: 10 }, minCalls: 2, failureRate: 1 },
    },
  });
  assert.ok(Number.isNaN(admit(rate.breaker).acquiredAtMs));
});

test('timeless closed permits of any generation count in their own breaker only', () => {
  // Below a few hundred generations such permits are shared; above, each call gets its own.
  const a = setup().breaker;
  const b = setup().breaker;
  const pa = admit(a);
  const pb = admit(b);
  a.record(pa, FAIL);
  a.record(admit(a), FAIL);
  b.record(pb, SUCCESS);
  assert.equal(a.snapshot().consecutiveFailures, 2);
  assert.equal(b.snapshot().consecutiveFailures, 0);
  // 400 operator transitions: generation 400, past any shared permit.
  for (let i = 0; i < 200; i++) {
    a.forceOpen();
    a.reset();
  }
  assert.equal(a.generation, 400);
  const late = admit(a);
  assert.deepEqual(
    { ...late, acquiredAtMs: 0 },
    {
      admitted: true,
      generation: 400,
      acquiredAtMs: 0,
      probeId: 0,
      isProbe: false,
    },
  );
  a.record(pa, FAIL); // generation 0: stale, counts nothing
  call(a, FAIL, 4);
  assert.equal(a.state, 'closed');
  a.record(late, FAIL);
  assert.equal(a.state, 'open', 'the 5th current failure trips');
  assert.equal(a.snapshot().totals.stale, 1);
});

test('a breaker used without reading the clock still reports its last use, never too early', () => {
  const { clock, breaker } = setup();
  clock.advance(10_000);
  admit(breaker);
  clock.advance(500);
  // The use is reported no earlier than it happened.
  assert.ok(breaker.lastUsedMs >= 11_000);
  clock.advance(60_000);
  assert.equal(breaker.lastUsedMs, 11_500);
});

test('a failed probe re-opens with a grown period; closing resets the growth', () => {
  const { clock, breaker } = setup({ openMs: 1_000, maxOpenMs: 5_000, jitterRatio: 0 });
  call(breaker, FAIL, 5);
  const periods: number[] = [];
  for (let i = 0; i < 5; i++) {
    periods.push(rejection(breaker).retryAfterMs);
    clock.advance(periods[i] as number);
    call(breaker, FAIL); // the probe fails
  }
  assert.deepEqual(periods, [1_000, 2_000, 4_000, 5_000, 5_000]);
  assert.equal(breaker.snapshot().consecutiveOpens, 6);
  clock.advance(5_000);
  call(breaker, SUCCESS, 2);
  assert.equal(breaker.state, 'closed');
  call(breaker, FAIL, 5);
  assert.equal(rejection(breaker).retryAfterMs, 1_000);
});

test('half-open admits exactly `probes` permits and closes after `successes`', () => {
  const { clock, breaker } = setup({ openMs: 100, halfOpen: { probes: 3, successes: 3 } });
  call(breaker, FAIL, 5);
  clock.advance(100);
  const results = Array.from({ length: 10 }, () => breaker.acquire());
  const probes = results.filter((r): r is Permit => r.admitted);
  assert.equal(probes.length, 3);
  assert.equal(new Set(probes.map((p) => p.probeId)).size, 3);
  for (const p of probes) breaker.record(p, SUCCESS);
  assert.equal(breaker.state, 'closed');
});

test('a late success from before the trip does not close a half-open breaker', () => {
  const { clock, breaker } = setup({ openMs: 100 });
  const slow = admit(breaker); // started while closed
  call(breaker, FAIL, 5);
  clock.advance(100);
  const probe = admit(breaker);
  const generation = breaker.generation;
  breaker.record(slow, SUCCESS);
  breaker.record(slow, FAIL);
  assert.equal(breaker.state, 'half-open');
  assert.equal(breaker.generation, generation);
  assert.equal(breaker.snapshot().totals.stale, 2);
  assert.equal(breaker.snapshot().halfOpen?.probesOut, 1);
  breaker.record(probe, SUCCESS);
  assert.equal(breaker.snapshot().halfOpen?.successes, 1);
});

test('late failures from before a trip do not extend or re-trip (only the current generation counts)', () => {
  const { clock, breaker } = setup({ openMs: 100 });
  const late = Array.from({ length: 5 }, () => admit(breaker));
  call(breaker, FAIL, 5);
  clock.advance(100);
  admit(breaker);
  for (const p of late) breaker.record(p, FAIL);
  assert.equal(breaker.state, 'half-open');
});

test('cancellation and caller errors count nothing (resilience4j #682)', () => {
  const { breaker } = setup();
  call(breaker, FAIL, 4);
  call(breaker, CANCELLED, 10);
  call(breaker, CALLER_ERROR, 10);
  call(breaker, { type: 'neutral', reason: 'context_length' }, 10);
  const s = breaker.snapshot();
  assert.equal(breaker.state, 'closed');
  assert.equal(s.consecutiveFailures, 4);
  assert.equal(s.totals.neutral, 30);
  assert.equal(s.totals.calls, 4);
});

test('a neutral outcome on a probe frees its slot without counting', () => {
  const { clock, breaker } = setup({ openMs: 100 });
  call(breaker, FAIL, 5);
  clock.advance(100);
  breaker.record(admit(breaker), CANCELLED);
  assert.equal(breaker.snapshot().halfOpen?.successes, 0);
  const next = admit(breaker);
  assert.equal(next.isProbe, true);
});

test('a probe never recorded expires after permitTimeoutMs, so half-open never wedges', () => {
  const { clock, breaker } = setup({ openMs: 100, halfOpen: { permitTimeoutMs: 5_000 } });
  call(breaker, FAIL, 5);
  clock.advance(100);
  const lost = admit(breaker);
  clock.advance(4_999);
  assert.equal(rejection(breaker).retryAfterMs, 1);
  clock.advance(1);
  const fresh = admit(breaker);
  assert.equal(fresh.isProbe, true);
  assert.equal(breaker.snapshot().totals.expiredProbes, 1);
  // The lost caller comes back after all: its slot is gone, so its answer counts for nothing.
  breaker.record(lost, SUCCESS);
  assert.equal(breaker.snapshot().halfOpen?.successes, 0);
  assert.equal(breaker.snapshot().halfOpen?.probesOut, 1);
  breaker.record(fresh, SUCCESS);
  assert.equal(breaker.snapshot().halfOpen?.successes, 1);
});

test('transition and rejection events carry from, to, reason, time and generation', () => {
  const { clock, breaker } = setup({ openMs: 100, halfOpen: { successes: 1 } });
  const transitions: TransitionEvent[] = [];
  const rejections: RejectionEvent[] = [];
  const sub = breaker.onTransition((e) => transitions.push(e));
  breaker.onRejection((e) => rejections.push(e));
  call(breaker, FAIL, 5);
  rejection(breaker);
  clock.advance(100);
  call(breaker, FAIL);
  clock.advance(200);
  call(breaker, SUCCESS);
  assert.deepEqual(
    transitions.map((e) => [e.from, e.to, e.reason, e.generation, e.atMs]),
    [
      ['closed', 'open', 'consecutive_failures', 1, 1_000],
      ['open', 'half-open', 'open_elapsed', 2, 1_100],
      ['half-open', 'open', 'probe_failed', 3, 1_100],
      ['open', 'half-open', 'open_elapsed', 4, 1_300],
      ['half-open', 'closed', 'probe_succeeded', 5, 1_300],
    ],
  );
  assert.equal(transitions[0]?.breaker, 'sim/gpt');
  assert.equal(transitions[0].atEpochMs, clock.epochMs() - 300);
  assert.deepEqual(rejections, [
    { breaker: 'sim/gpt', state: 'open', retryAfterMs: 100, atMs: 1_000 },
  ]);
  sub.dispose();
  call(breaker, FAIL, 5);
  assert.equal(transitions.length, 5);
});

test('a throwing listener never breaks the call; it goes to onListenerError', () => {
  const errors: unknown[] = [];
  const breaker = new CircuitBreaker(undefined, {
    clock: new FakeClock(),
    onListenerError: (e) => errors.push(e),
  });
  breaker.onTransition(() => {
    throw new Error('listener bug');
  });
  call(breaker, FAIL, 5);
  assert.equal(breaker.state, 'open');
  assert.equal(errors.length, 1);
});

test('breakers built without config share one frozen default config', () => {
  const a = new CircuitBreaker();
  const b = new CircuitBreaker();
  assert.equal(a.config, b.config);
  assert.ok(Object.isFrozen(a.config));
  assert.equal(a.config.consecutive, 5);
  assert.equal(a.config.openMs, 30_000);
  assert.equal(a.config.probes, 1);
  assert.equal(a.config.probeSuccesses, 2);
  assert.equal(a.name, '');
  assert.equal(typeof a.lastUsedMs, 'number');
});

test('msUntilAdmission reads the wait without taking a permit', () => {
  const clock = new FakeClock();
  const breaker = new CircuitBreaker(
    { trip: { consecutive: 1 }, openMs: 1000, jitterRatio: 0 },
    { clock },
  );
  assert.equal(breaker.msUntilAdmission(), 0);
  const permit = breaker.acquire();
  assert.ok(permit.admitted);
  breaker.record(permit, { type: 'failure', kind: 'server_error' });
  assert.equal(breaker.msUntilAdmission(), 1000);
  clock.advance(400);
  assert.equal(breaker.msUntilAdmission(), 600);
  assert.equal(breaker.state, 'open');
  clock.advance(600);
  assert.equal(breaker.msUntilAdmission(), 0);
});

test('forced open rejects without the clock, yet its event and last use carry the time', () => {
  const { clock, breaker } = setup();
  breaker.forceOpen();
  clock.advance(2_000);
  const seen: number[] = [];
  breaker.onRejection((e) => seen.push(e.atMs));
  assert.deepEqual(rejection(breaker), {
    admitted: false,
    retryAfterMs: FORCED_OPEN_RETRY_AFTER_MS,
    state: 'forced-open',
  });
  assert.deepEqual(seen, [3_000]);
  clock.advance(500);
  assert.equal(breaker.lastUsedMs, 3_500, 'a use without a clock read reads as now, never earlier');
  assert.equal(breaker.snapshot().totals.rejections, 1);
});
