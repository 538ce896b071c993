import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../fake-clock.js';
import {
  BreakerOpenError,
  CancelledError,
  DeadlineExceededError,
  InvalidRequestError,
  RetryBudgetExceededError,
  TimeoutError,
  UpstreamError,
} from '../errors.js';
import { constantBackoff } from './backoff.js';
import type { BackoffInput } from './backoff.js';
import { RetryBudget } from './retry-budget.js';
import { isRetryable, retry } from './retry.js';
import type { RetryEvent } from './retry.js';
import type { PolicyContext } from './policy.js';

const overloaded = (retryAfterMs?: number): UpstreamError =>
  new UpstreamError({ kind: 'overloaded', deploymentId: 'openai/gpt', status: 503, retryAfterMs });

/** A function failing with `errors` in turn, then returning 'ok'; counts its calls. */
function flaky(errors: unknown[]) {
  const calls: PolicyContext[] = [];
  const fn = async (_signal: AbortSignal, context: PolicyContext): Promise<string> => {
    calls.push(context);
    await Promise.resolve();
    if (calls.length <= errors.length) throw errors[calls.length - 1];
    return 'ok';
  };
  return { fn, calls };
}

test('a first success returns at once, with no wait', async () => {
  const clock = new FakeClock();
  const { fn, calls } = flaky([]);
  assert.equal(await retry({ clock }).execute(fn), 'ok');
  assert.equal(calls.length, 1);
  assert.equal(clock.pendingTimers, 0);
});

test('retries retryable errors after the backoff and reports each retry', async () => {
  const clock = new FakeClock();
  const policy = retry({ maxAttempts: 3, backoff: constantBackoff(100), clock });
  const events: RetryEvent[] = [];
  policy.onRetry((event) => events.push(event));
  const errors = [overloaded(), new TimeoutError('attempt', 10)];
  const { fn, calls } = flaky(errors);
  const result = policy.execute(fn);
  await clock.tick(99);
  assert.equal(calls.length, 1);
  await clock.tick(1);
  assert.equal(calls.length, 2);
  await clock.tick(100);
  assert.equal(await result, 'ok');
  assert.equal(calls.length, 3);
  assert.deepEqual(events, [
    { attempt: 1, delayMs: 100, error: errors[0] },
    { attempt: 2, delayMs: 100, error: errors[1] },
  ]);
});

test('gives up after maxAttempts with the last error', async () => {
  const clock = new FakeClock();
  const last = overloaded();
  const { fn, calls } = flaky([overloaded(), last, overloaded()]);
  const result = retry({ maxAttempts: 2, backoff: constantBackoff(10), clock }).execute(fn);
  await clock.tick(10);
  await assert.rejects(result, (error) => error === last);
  assert.equal(calls.length, 2);
  assert.equal(clock.pendingTimers, 0);
});

test('maxAttempts must be a bounded whole number', () => {
  for (const maxAttempts of [Infinity, 0, -1, 1.5, NaN]) {
    assert.throws(() => retry({ maxAttempts }), RangeError);
  }
  assert.equal(retry({ maxAttempts: 1 }).maxAttempts, 1);
  assert.equal(retry().maxAttempts, 3);
});

test('the default shouldRetry retries upstream failures and timeouts only', () => {
  assert.equal(isRetryable(overloaded()), true);
  assert.equal(isRetryable(new TimeoutError('attempt', 10)), true);
  assert.equal(
    isRetryable(new UpstreamError({ kind: 'auth', deploymentId: 'd', status: 401 })),
    false,
  );
  assert.equal(isRetryable(new CancelledError()), false);
  assert.equal(isRetryable(new DeadlineExceededError(10)), false);
  assert.equal(isRetryable(new InvalidRequestError('bad', 'messages')), false);
  assert.equal(isRetryable(new BreakerOpenError(1_000)), false);
  assert.equal(isRetryable(new Error('unknown')), false);
  assert.equal(isRetryable(undefined), false);
});

test('a non-retryable error is thrown at once', async () => {
  const clock = new FakeClock();
  const invalid = new InvalidRequestError('bad', 'messages');
  const { fn, calls } = flaky([invalid]);
  await assert.rejects(retry({ clock }).execute(fn), (error) => error === invalid);
  assert.equal(calls.length, 1);
});

test('a custom shouldRetry sees the error and the failed attempt number', async () => {
  const clock = new FakeClock();
  const seen: [unknown, number][] = [];
  const policy = retry({
    backoff: constantBackoff(0),
    shouldRetry: (error, attempt) => {
      seen.push([error, attempt]);
      return true;
    },
    clock,
  });
  const { fn } = flaky([null, 'text']);
  const result = policy.execute(fn);
  await clock.tick(0);
  assert.equal(await result, 'ok');
  assert.deepEqual(seen, [
    [null, 1],
    ['text', 2],
  ]);
});

test("an error's retryAfterMs raises the wait (and never lowers it)", async () => {
  const clock = new FakeClock();
  const events: RetryEvent[] = [];
  const policy = retry({ maxAttempts: 3, backoff: constantBackoff(1_000), clock });
  policy.onRetry((event) => events.push(event));
  const { fn, calls } = flaky([overloaded(5_000), overloaded(200)]);
  const result = policy.execute(fn);
  await clock.tick(4_999);
  assert.equal(calls.length, 1);
  await clock.tick(1);
  assert.equal(calls.length, 2);
  await clock.tick(1_000);
  assert.equal(await result, 'ok');
  assert.deepEqual(
    events.map((e) => e.delayMs),
    [5_000, 1_000],
  );
});

test('the backoff gets the attempt and the previous wait', async () => {
  const clock = new FakeClock();
  const inputs: BackoffInput[] = [];
  const policy = retry({
    maxAttempts: 4,
    backoff: (input) => {
      inputs.push(input);
      return 10;
    },
    clock,
  });
  const { fn } = flaky([overloaded(), overloaded(50), overloaded()]);
  const result = policy.execute(fn);
  await clock.tick(100);
  assert.equal(await result, 'ok');
  assert.deepEqual(inputs, [
    { attempt: 1, previousDelayMs: undefined },
    { attempt: 2, previousDelayMs: 10 },
    { attempt: 3, previousDelayMs: 50 },
  ]);
});

test('stops with the last error instead of sleeping past the deadline', async () => {
  const clock = new FakeClock();
  const policy = retry({ maxAttempts: 5, backoff: constantBackoff(1_000), clock });
  const last = overloaded();
  const { fn, calls } = flaky([overloaded(), last]);
  const result = policy.execute(fn, { deadlineMs: 1_500 });
  await clock.tick(1_000);
  // The second wait would end at 2_000, past the deadline: no sleep, the error now.
  await assert.rejects(result, (error) => error === last);
  assert.equal(calls.length, 2);
  assert.equal(clock.now(), 1_000);
  assert.equal(clock.pendingTimers, 0);
  // Each attempt saw the one deadline.
  assert.deepEqual(
    calls.map((c) => c.deadlineMs),
    [1_500, 1_500],
  );
});

test('a Retry-After longer than the time left ends the retries at once', async () => {
  const clock = new FakeClock();
  const limited = overloaded(60_000);
  const { fn, calls } = flaky([limited]);
  const result = retry({ clock }).execute(fn, { deadlineMs: 30_000 });
  await assert.rejects(result, (error) => error === limited);
  assert.equal(calls.length, 1);
  assert.equal(clock.pendingTimers, 0);
});

test('a retry that would land exactly on the deadline is not attempted', async () => {
  const clock = new FakeClock();
  const { fn, calls } = flaky([overloaded()]);
  const result = retry({ backoff: constantBackoff(100), clock }).execute(fn, { deadlineMs: 100 });
  await assert.rejects(result, UpstreamError);
  assert.equal(calls.length, 1);
});

test('the budget refuses once the ratio is spent, with the last error as cause', async () => {
  const clock = new FakeClock();
  const budget = new RetryBudget({ ratio: 0.5, minPerSecond: 0, clock });
  const policy = retry({ backoff: constantBackoff(0), budget, clock });
  // The first execution deposits 0.5 retries: not enough for one.
  const cause = overloaded();
  const { fn, calls } = flaky([cause]);
  const refused = policy.execute(fn);
  await assert.rejects(refused, (error: unknown) => {
    assert.ok(error instanceof RetryBudgetExceededError);
    assert.equal(error.code, 'retry_budget_exceeded');
    assert.equal(error.cause, cause);
    return true;
  });
  assert.equal(calls.length, 1);
  // The second deposits another 0.5: one retry is now allowed.
  const second = flaky([overloaded()]);
  const allowed = policy.execute(second.fn);
  await clock.tick(0);
  assert.equal(await allowed, 'ok');
  assert.equal(budget.available, 0);
});

test('a retry refused by the deadline does not spend the budget', async () => {
  const clock = new FakeClock();
  const budget = new RetryBudget({ ratio: 0, minPerSecond: 0.1, windowMs: 10_000, clock });
  const policy = retry({ backoff: constantBackoff(100), budget, clock });
  const { fn } = flaky([overloaded()]);
  await assert.rejects(policy.execute(fn, { deadlineMs: 50 }), UpstreamError);
  assert.equal(budget.available, 1);
});

test('a caller abort interrupts the backoff sleep at once and frees its timer', async () => {
  const clock = new FakeClock();
  const caller = new AbortController();
  const { fn, calls } = flaky([overloaded(60_000)]);
  const result = retry({ clock }).execute(fn, { signal: caller.signal });
  await clock.tick(0);
  assert.equal(clock.pendingTimers, 1);
  caller.abort();
  await assert.rejects(result, CancelledError);
  assert.equal(calls.length, 1);
  assert.equal(clock.pendingTimers, 0);
});

test("an attempt that failed because the signal aborted is not retried: the abort's reason wins", async () => {
  const clock = new FakeClock();
  const caller = new AbortController();
  const reason = new DeadlineExceededError(1_000);
  let calls = 0;
  const result = retry({ clock }).execute(
    async (signal) => {
      calls++;
      await clock.sleep(10_000, signal);
      return 'never';
    },
    { signal: caller.signal },
  );
  caller.abort(reason);
  await assert.rejects(result, (error) => error === reason);
  assert.equal(calls, 1);
});

test('the last attempt failing on an abort also reports the abort, not its own error', async () => {
  const clock = new FakeClock();
  const caller = new AbortController();
  const result = retry({ maxAttempts: 1, clock }).execute(
    async (signal) => {
      await clock.sleep(10_000, signal);
      return 'never';
    },
    { signal: caller.signal },
  );
  caller.abort();
  await assert.rejects(result, CancelledError);
});

test('an already aborted signal never starts an attempt or records a request', async () => {
  const clock = new FakeClock();
  const budget = new RetryBudget({ ratio: 1, minPerSecond: 0, clock });
  const caller = new AbortController();
  caller.abort();
  const { fn, calls } = flaky([]);
  await assert.rejects(
    retry({ budget, clock }).execute(fn, { signal: caller.signal }),
    CancelledError,
  );
  assert.equal(calls.length, 0);
  assert.equal(budget.available, 0);
});

test('an abort landing just as the sleep ends still stops the next attempt', async () => {
  const clock = new FakeClock();
  const caller = new AbortController();
  const { fn, calls } = flaky([overloaded()]);
  const result = retry({ backoff: constantBackoff(100), clock }).execute(fn, {
    signal: caller.signal,
  });
  await clock.tick(0);
  // Both timers are due at 100: the sleep resolves, then the abort fires before the loop resumes.
  clock.setTimer(100, () => {
    caller.abort();
  });
  clock.advance(100);
  await assert.rejects(result, CancelledError);
  assert.equal(calls.length, 1);
});

test('the default backoff waits under 100 ms before the first retry', async () => {
  const clock = new FakeClock();
  const { fn, calls } = flaky([overloaded()]);
  const result = retry({ clock }).execute(fn);
  await clock.tick(100);
  assert.equal(await result, 'ok');
  assert.equal(calls.length, 2);
});

test('onRetry listeners can be disposed', async () => {
  const clock = new FakeClock();
  const policy = retry({ backoff: constantBackoff(0), clock });
  let heard = 0;
  const subscription = policy.onRetry(() => heard++);
  subscription.dispose();
  const result = policy.execute(flaky([overloaded()]).fn);
  await clock.tick(0);
  assert.equal(await result, 'ok');
  assert.equal(heard, 0);
});
