import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../fake-clock.js';
import { SUCCESS, failure } from '../outcome.js';
import type { Outcome } from '../outcome.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { resolveBreakerConfig } from './config.js';
import type { CircuitBreakerConfig, Permit, TransitionEvent } from './state.js';
import { openDurationMs } from './transitions.js';

const FAIL = failure('server_error');

function setup(config?: CircuitBreakerConfig, random = () => 0) {
  const clock = new FakeClock();
  const breaker = new CircuitBreaker(config, { clock, random });
  const reasons: string[] = [];
  breaker.onTransition((e: TransitionEvent) => reasons.push(e.reason));
  return { clock, breaker, reasons };
}

function admit(breaker: CircuitBreaker): Permit {
  const r = breaker.acquire();
  assert.ok(r.admitted);
  return r;
}

function call(breaker: CircuitBreaker, outcome: Outcome, times = 1): void {
  for (let i = 0; i < times; i++) breaker.record(admit(breaker), outcome);
}

function openForMs(breaker: CircuitBreaker): number {
  const r = breaker.acquire();
  assert.equal(r.admitted, false);
  return r.retryAfterMs;
}

const countRate = (size: number, minCalls: number, failureRate: number) => ({
  trip: { rate: { window: { type: 'count' as const, size }, minCalls, failureRate } },
});

test('failure rate trips at exactly the threshold (>=), never before minCalls', () => {
  const { breaker, reasons } = setup(countRate(10, 10, 0.5));
  call(breaker, FAIL, 5); // 5/5 = 100 %, but only 5 calls
  call(breaker, SUCCESS, 4); // 5/9
  assert.equal(breaker.state, 'closed');
  call(breaker, SUCCESS); // 5/10 = 0.5 >= 0.5
  assert.equal(breaker.state, 'open');
  assert.deepEqual(reasons, ['failure_rate']);
});

test('failure rate just under the threshold does not trip; no consecutive trip unless configured', () => {
  const { breaker } = setup(countRate(10, 10, 0.5));
  call(breaker, SUCCESS, 6);
  call(breaker, FAIL, 4); // 4 in a row, 4/10
  assert.equal(breaker.state, 'closed');
  const w = breaker.snapshot().window;
  assert.deepEqual(w, { calls: 10, failures: 4, slowCalls: 0, failureRate: 0.4, slowRate: 0 });
});

test('a threshold like 0.3 compares exactly (3 of 10 trips)', () => {
  const { breaker } = setup(countRate(10, 10, 0.3));
  call(breaker, SUCCESS, 7);
  call(breaker, FAIL, 3);
  assert.equal(breaker.state, 'open');
});

test('the count window evicts the oldest call', () => {
  const { breaker } = setup(countRate(4, 4, 0.75));
  call(breaker, FAIL, 2);
  call(breaker, SUCCESS, 3); // the first failure leaves
  assert.deepEqual(breaker.snapshot().window, {
    calls: 4,
    failures: 1,
    slowCalls: 0,
    failureRate: 0.25,
    slowRate: 0,
  });
  call(breaker, FAIL, 2); // [S, S, F, F]: 0.5
  assert.equal(breaker.state, 'closed');
  call(breaker, FAIL); // [S, F, F, F]: 0.75
  assert.equal(breaker.state, 'open');
});

test('consecutive and rate trips combine; the window is cleared by a trip and by closing', () => {
  const { clock, breaker, reasons } = setup({
    trip: {
      consecutive: 3,
      rate: { window: { type: 'count', size: 10 }, minCalls: 4, failureRate: 0.5 },
    },
    openMs: 100,
    halfOpen: { successes: 1 },
  });
  call(breaker, FAIL, 3);
  assert.deepEqual(reasons, ['consecutive_failures']);
  assert.equal(breaker.snapshot().window?.calls, 0);
  clock.advance(100);
  call(breaker, SUCCESS);
  assert.equal(breaker.state, 'closed');
  assert.equal(breaker.snapshot().window?.calls, 0);
  call(breaker, FAIL);
  call(breaker, SUCCESS);
  call(breaker, FAIL);
  call(breaker, SUCCESS); // 2/4
  assert.deepEqual(reasons, [
    'consecutive_failures',
    'open_elapsed',
    'probe_succeeded',
    'failure_rate',
  ]);
});

test('the time window forgets calls once their bucket ages out', () => {
  const { clock, breaker } = setup({
    trip: {
      rate: { window: { type: 'time', sizeMs: 10_000, buckets: 10 }, minCalls: 3, failureRate: 1 },
    },
  });
  call(breaker, FAIL); // bucket [0, 1000)
  clock.advance(5_000);
  call(breaker, FAIL); // bucket [5000, 6000)
  clock.advance(5_000); // t = 10 000: the first bucket is out
  assert.equal(breaker.snapshot().window?.calls, 1);
  call(breaker, FAIL);
  assert.equal(breaker.state, 'closed'); // 2 calls < minCalls
  call(breaker, FAIL);
  assert.equal(breaker.state, 'open');
});

test('the time window empties after a jump longer than the window', () => {
  const { clock, breaker } = setup({
    trip: {
      rate: { window: { type: 'time', sizeMs: 1_000, buckets: 4 }, minCalls: 100, failureRate: 1 },
    },
  });
  call(breaker, FAIL, 50);
  clock.advance(600);
  call(breaker, SUCCESS, 10);
  assert.deepEqual(breaker.snapshot().window, {
    calls: 60,
    failures: 50,
    slowCalls: 0,
    failureRate: 50 / 60,
    slowRate: 0,
  });
  clock.advance(100_000);
  assert.equal(breaker.snapshot().window?.calls, 0);
});

test('slow calls count toward the slow rate, which trips at >= its threshold', () => {
  const { clock, breaker, reasons } = setup({
    slowCallMs: 1_000,
    trip: {
      rate: { window: { type: 'count', size: 4 }, minCalls: 4, failureRate: 1, slowRate: 0.5 },
    },
  });
  const slow = admit(breaker);
  clock.advance(1_001);
  breaker.record(slow, SUCCESS); // slow by the clock
  const exactly = admit(breaker);
  clock.advance(1_000);
  breaker.record(exactly, SUCCESS); // not slow: the comparison is "longer than"
  call(breaker, SUCCESS);
  assert.equal(breaker.snapshot().window?.slowCalls, 1);
  call(breaker, { type: 'success', durationMs: 5_000 }); // slow by its own measure: 2/4
  assert.equal(breaker.state, 'open');
  assert.deepEqual(reasons, ['slow_rate']);
});

test('a slow probe counts as a failed probe when a slow-rate trip is configured', () => {
  const { clock, breaker, reasons } = setup({
    slowCallMs: 1_000,
    openMs: 100,
    trip: {
      consecutive: 1,
      rate: { window: { type: 'count', size: 4 }, minCalls: 4, failureRate: 1, slowRate: 0.5 },
    },
  });
  call(breaker, FAIL);
  clock.advance(100);
  call(breaker, { type: 'success', durationMs: 2_000 });
  assert.deepEqual(reasons, ['consecutive_failures', 'open_elapsed', 'probe_failed']);
});

test('slow calls are only counted, never tripped on, without a slow rate', () => {
  const { breaker } = setup({ slowCallMs: 10, ...countRate(4, 4, 1) });
  call(breaker, { type: 'success', durationMs: 50 }, 4);
  assert.equal(breaker.state, 'closed');
  assert.equal(breaker.snapshot().window?.slowRate, 1);
});

test('a failure with Retry-After trips at once and stays open at least that long', () => {
  const { breaker, reasons } = setup();
  call(breaker, failure('rate_limited', { retryAfterMs: 120_000 }));
  assert.deepEqual(reasons, ['retry_after']);
  assert.equal(openForMs(breaker), 120_000);
  const { breaker: short } = setup();
  call(short, failure('rate_limited', { retryAfterMs: 2_000 }));
  assert.equal(openForMs(short), 30_000); // the backoff is longer than the Retry-After
});

test('a later, shorter Retry-After never shortens an open period; a longer one extends it (LiteLLM #40130)', () => {
  const { clock, breaker } = setup();
  const inFlight = [admit(breaker), admit(breaker)];
  call(breaker, failure('rate_limited', { retryAfterMs: 120_000 }));
  clock.advance(10_000);
  breaker.record(inFlight[0] as Permit, failure('rate_limited', { retryAfterMs: 5_000 }));
  assert.equal(openForMs(breaker), 110_000);
  breaker.record(inFlight[1] as Permit, failure('rate_limited', { retryAfterMs: 200_000 }));
  assert.equal(openForMs(breaker), 200_000);
  assert.equal(breaker.state, 'open');
});

test('a late, short Retry-After never shortens a backoff-based open period', () => {
  const { breaker } = setup({ trip: { consecutive: 1 } });
  const late = admit(breaker);
  call(breaker, FAIL);
  breaker.record(late, failure('rate_limited', { retryAfterMs: 5 }));
  assert.equal(openForMs(breaker), 30_000);
});

test('a failed probe with a long Retry-After re-opens for the Retry-After, a short one for the backoff', () => {
  const { clock, breaker } = setup({ openMs: 1_000 });
  call(breaker, FAIL, 5);
  clock.advance(1_000);
  call(breaker, failure('rate_limited', { retryAfterMs: 10 }));
  assert.equal(openForMs(breaker), 2_000);
  clock.advance(2_000);
  call(breaker, failure('rate_limited', { retryAfterMs: 50_000 }));
  assert.equal(openForMs(breaker), 50_000);
});

test('with tripOnRetryAfter off, a Retry-After still sets the floor of a later trip', () => {
  const { clock, breaker, reasons } = setup({ tripOnRetryAfter: false, trip: { consecutive: 2 } });
  call(breaker, failure('rate_limited', { retryAfterMs: 90_000 }));
  assert.equal(breaker.state, 'closed');
  clock.advance(10_000);
  call(breaker, FAIL);
  assert.deepEqual(reasons, ['consecutive_failures']);
  assert.equal(openForMs(breaker), 80_000);
});

test('invalid Retry-After values are ignored', () => {
  const { breaker } = setup();
  call(breaker, failure('rate_limited', { retryAfterMs: Number.NaN }));
  call(breaker, failure('rate_limited', { retryAfterMs: -5 }));
  call(breaker, failure('rate_limited', { retryAfterMs: Infinity }));
  assert.equal(breaker.state, 'closed');
});

test('jitter is upward only and bounded; the backoff is capped before jitter', () => {
  const config = resolveBreakerConfig({ openMs: 1_000, maxOpenMs: 8_000, jitterRatio: 0.1 });
  for (let opens = 1; opens <= 8; opens++) {
    const base = Math.min(1_000 * 2 ** (opens - 1), 8_000);
    for (const r of [0, 0.25, 0.5, 0.999_999]) {
      const ms = openDurationMs(config, opens, r);
      assert.ok(ms >= base && ms < base * 1.1, `${opens} opens, random ${r}: ${ms}`);
    }
  }
  assert.equal(openDurationMs(config, 1, 0.5), 1_050);
  const { breaker } = setup({ openMs: 1_000, jitterRatio: 0.2 }, () => 0.5);
  call(breaker, FAIL, 5);
  assert.equal(openForMs(breaker), 1_100);
});
