import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../fake-clock.js';
import { CancelledError, RateLimitedError } from '../errors.js';
import { TokenBucket } from './token-bucket.js';

test('a bucket starts full: the burst passes, the next call is refused', () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket({ capacity: 5, refillPerSecond: 1, clock });
  assert.equal(bucket.available, 5);
  for (let i = 0; i < 5; i++) assert.equal(bucket.tryTake(), true);
  assert.equal(bucket.tryTake(), false);
  assert.equal(bucket.available, 0);
});

test('refill is lazy and exact by elapsed time, capped at capacity', () => {
  const clock = new FakeClock();
  const rpm = new TokenBucket({ capacity: 60, refillPerMinute: 60, clock });
  assert.equal(rpm.refillPerMs, 0.001);
  assert.equal(rpm.tryTake(60), true);
  clock.advance(999);
  assert.equal(rpm.tryTake(), false);
  assert.ok(Math.abs(rpm.msUntil(1) - 1) < 1e-6);
  clock.advance(1);
  assert.equal(rpm.tryTake(), true);
  clock.advance(10 * 60_000);
  assert.equal(rpm.available, 60);
  // Fractional refills add up without losing a token to float drift.
  const odd = new TokenBucket({ capacity: 7, refillPerMinute: 7, clock });
  odd.tryTake(7);
  for (let i = 0; i < 60; i++) clock.advance(1_000);
  assert.equal(odd.tryTake(7), true);
});

test('msUntil: 0 when available, the refill time otherwise, Infinity above capacity', () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket({ capacity: 10, refillPerSecond: 2, clock });
  assert.equal(bucket.msUntil(10), 0);
  bucket.tryTake(10);
  assert.equal(bucket.msUntil(), 500);
  assert.equal(bucket.msUntil(4), 2_000);
  assert.equal(bucket.msUntil(11), Infinity);
  assert.equal(bucket.msUntil(0), 0);
  assert.equal(bucket.tryTake(11), false);
  assert.throws(() => bucket.msUntil(-1), RangeError);
  assert.throws(() => bucket.msUntil(NaN), RangeError);
});

test('take waits for the refill when it ends before the deadline', async () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket({ capacity: 2, refillPerSecond: 1, clock });
  await bucket.take(2);
  let done = false;
  const waiting = bucket.take(1, { deadlineMs: 1_500 }).then(() => (done = true));
  await clock.tick(999);
  assert.equal(done, false);
  await clock.tick(1);
  await waiting;
  assert.equal(done, true);
  assert.equal(bucket.available, 0);
});

test('take refuses a wait that would reach the deadline, with retryAfterMs', async () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket({ capacity: 3, refillPerSecond: 3, clock });
  bucket.tryTake(3);
  await assert.rejects(bucket.take(2, { deadlineMs: 500 }), (error: unknown) => {
    assert.ok(error instanceof RateLimitedError);
    assert.equal(error.code, 'rate_limited');
    assert.equal(error.retryAfterMs, 667);
    return true;
  });
  // Nothing was taken by the refusal.
  clock.advance(1_000);
  assert.equal(bucket.available, 3);
  await assert.rejects(bucket.take(4), (error: unknown) => {
    assert.ok(error instanceof RateLimitedError);
    assert.equal(error.retryAfterMs, Infinity);
    return true;
  });
  assert.equal(clock.pendingTimers, 0);
});

test('waiting callers reserve in order: a later caller cannot take tokens promised earlier', async () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 1, clock });
  bucket.tryTake();
  const order: string[] = [];
  const first = bucket.take(1).then(() => order.push('first'));
  const second = bucket.take(1).then(() => order.push('second'));
  await clock.tick(1_000);
  // At 1 s the token is the first caller's: a third caller sees the second one's debt.
  assert.equal(bucket.tryTake(), false);
  assert.equal(bucket.msUntil(), 2_000);
  await clock.tick(1_000);
  await Promise.all([first, second]);
  assert.deepEqual(order, ['first', 'second']);
});

test('an abort ends the wait at once, frees the timer and refunds the reservation', async () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket({ capacity: 4, refillPerSecond: 1, clock });
  bucket.tryTake(4);
  const caller = new AbortController();
  const waiting = bucket.take(3, { signal: caller.signal });
  assert.equal(bucket.msUntil(1), 4_000);
  caller.abort();
  await assert.rejects(waiting, CancelledError);
  assert.equal(clock.pendingTimers, 0);
  assert.equal(bucket.msUntil(1), 1_000);
  await assert.rejects(bucket.take(1, { signal: caller.signal }), CancelledError);
});

test('refund gives tokens back up to capacity; charge may leave debt', () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket({ capacity: 100, refillPerSecond: 10, clock });
  bucket.charge(80);
  bucket.refund(30);
  assert.equal(bucket.available, 50);
  bucket.refund(1_000);
  assert.equal(bucket.available, 100);
  bucket.charge(150);
  assert.equal(bucket.available, 0);
  assert.equal(bucket.msUntil(10), 6_000);
  assert.throws(() => {
    bucket.refund(-1);
  }, RangeError);
  assert.throws(() => {
    bucket.charge(Infinity);
  }, RangeError);
});

test('options are validated', () => {
  assert.throws(() => new TokenBucket({ capacity: 0, refillPerSecond: 1 }), /capacity/);
  assert.throws(() => new TokenBucket({ capacity: 1 }), /exactly one/);
  assert.throws(
    () => new TokenBucket({ capacity: 1, refillPerSecond: 1, refillPerMinute: 60 }),
    /exactly one/,
  );
  assert.throws(() => new TokenBucket({ capacity: 1, refillPerMinute: 0 }), /refillPerMinute/);
  assert.throws(() => new TokenBucket({ capacity: 1, refillPerSecond: -1 }), /refillPerSecond/);
  assert.equal(new TokenBucket({ capacity: 2, refillPerSecond: 1 }).tryTake(2), true);
});
