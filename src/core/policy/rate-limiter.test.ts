import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../fake-clock.js';
import { CancelledError, RateLimitedError } from '../errors.js';
import { RateLimiter } from './rate-limiter.js';

test('rpm and tpm: a call takes one request and its tokens', () => {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ rpm: 3, tpm: 1_000, clock });
  assert.equal(limiter.tryAcquire(400), true);
  assert.equal(limiter.tryAcquire(400), true);
  assert.equal(limiter.availableRequests, 1);
  assert.equal(limiter.availableTokens, 200);
  assert.equal(limiter.msUntil(200), 0);
  assert.equal(limiter.msUntil(500), 18_000);
});

test('tryAcquire is atomic: refused on tokens, it keeps no request (and the reverse)', () => {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ rpm: 2, tpm: 100, clock });
  assert.equal(limiter.tryAcquire(101), false);
  assert.equal(limiter.tryAcquire(90), true);
  assert.equal(limiter.tryAcquire(20), false);
  assert.equal(limiter.availableRequests, 1);
  assert.equal(limiter.availableTokens, 10);
  assert.equal(limiter.tryAcquire(10), true);
  // Out of requests now: the tokens must stay untouched.
  clock.advance(6_000);
  assert.equal(limiter.availableTokens, 10);
  assert.equal(limiter.tryAcquire(5), false);
  assert.equal(limiter.availableTokens, 10);
});

test('acquire waits for both limits, then takes both', async () => {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ rpm: 60, burst: 1, tpm: 6_000, clock });
  await limiter.acquire(100);
  let done = false;
  const waiting = limiter.acquire(100, { deadlineMs: 5_000 }).then(() => (done = true));
  // One request per second, 100 tokens per second: both ready at 1 s.
  assert.equal(limiter.msUntil(0), 2_000);
  await clock.tick(999);
  assert.equal(done, false);
  await clock.tick(1);
  await waiting;
  assert.equal(limiter.availableRequests, 0);
});

test('acquire refuses a wait past the deadline and takes nothing', async () => {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ rpm: 60, tpm: 600, clock });
  limiter.tryAcquire(600);
  await assert.rejects(limiter.acquire(300, { deadlineMs: 10_000 }), (error: unknown) => {
    assert.ok(error instanceof RateLimitedError);
    assert.equal(error.retryAfterMs, 30_000);
    return true;
  });
  assert.equal(limiter.availableRequests, 59);
  await assert.rejects(limiter.acquire(601), (error: unknown) => {
    assert.ok(error instanceof RateLimitedError);
    assert.equal(error.retryAfterMs, Infinity);
    return true;
  });
  assert.equal(limiter.availableRequests, 59);
  assert.equal(clock.pendingTimers, 0);
});

test('an abort while waiting refunds both the request and the tokens', async () => {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ rpm: 60, burst: 1, tpm: 600, clock });
  limiter.tryAcquire(600);
  const caller = new AbortController();
  const waiting = limiter.acquire(100, { signal: caller.signal });
  clock.advance(500);
  caller.abort();
  await assert.rejects(waiting, CancelledError);
  assert.equal(clock.pendingTimers, 0);
  clock.advance(500);
  assert.equal(limiter.availableRequests, 1);
  assert.equal(limiter.availableTokens, 10);
  await assert.rejects(limiter.acquire(1, { signal: caller.signal }), CancelledError);
});

test('settle refunds an over-estimate and charges an under-estimate', () => {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ tpm: 1_000, clock });
  limiter.tryAcquire(500);
  limiter.settle(500, 200);
  assert.equal(limiter.availableTokens, 800);
  // 900 more than estimated: 100 tokens of debt, 200 to wait for at 1_000 per minute.
  limiter.settle(100, 1_000);
  assert.equal(limiter.availableTokens, 0);
  assert.equal(limiter.msUntil(100), 12_000);
  limiter.settle(10, 10);
  assert.equal(limiter.msUntil(100), 12_000);
});

test('a limit left out is not enforced', async () => {
  const clock = new FakeClock();
  const requestsOnly = new RateLimiter({ rpm: 1, clock });
  assert.equal(requestsOnly.availableTokens, Infinity);
  assert.equal(requestsOnly.tryAcquire(1e9), true);
  requestsOnly.settle(1e9, 1);
  assert.equal(requestsOnly.tryAcquire(), false);
  const none = new RateLimiter();
  assert.equal(none.availableRequests, Infinity);
  await none.acquire(1e12);
  assert.equal(none.msUntil(1e12), 0);
  assert.throws(() => new RateLimiter({ rpm: 0 }), RangeError);
  assert.throws(() => new RateLimiter({ tpm: 10, tokenBurst: -1 }), RangeError);
});

test('refund gives back a request and its tokens taken for a call that never ran', () => {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ rpm: 1, tpm: 100, clock });
  assert.equal(limiter.tryAcquire(60), true);
  assert.equal(limiter.tryAcquire(10), false);
  limiter.refund(60);
  assert.equal(limiter.tryAcquire(100), true);
});
