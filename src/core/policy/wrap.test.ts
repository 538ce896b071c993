import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../fake-clock.js';
import { CancelledError, DeadlineExceededError, TimeoutError, UpstreamError } from '../errors.js';
import { constantBackoff } from './backoff.js';
import { bulkhead } from './bulkhead.js';
import { Deadline } from './deadline.js';
import { fallback } from './fallback.js';
import { retry } from './retry.js';
import { timeout } from './timeout.js';
import { wrap } from './wrap.js';
import type { ExecuteOptions, Policy, PolicyContext } from './policy.js';

const overloaded = (): UpstreamError =>
  new UpstreamError({ kind: 'overloaded', deploymentId: 'd', status: 503 });

/** A structural policy (no class of ours) that logs when it runs. */
function tracer(name: string, log: string[]): Policy {
  return {
    async execute<T>(
      fn: (signal: AbortSignal, context: PolicyContext) => Promise<T>,
      options: ExecuteOptions = {},
    ): Promise<T> {
      log.push(`${name}>`);
      const signal = options.signal ?? new AbortController().signal;
      try {
        return await fn(signal, { signal, deadlineMs: options.deadlineMs });
      } finally {
        log.push(`<${name}`);
      }
    },
  };
}

test('wrap(a, b, c) runs a(b(c(fn))): the first policy is outermost', async () => {
  const log: string[] = [];
  const stack = wrap(tracer('a', log), tracer('b', log), tracer('c', log));
  assert.equal(stack.policies.length, 3);
  const result = await stack.execute(() => {
    log.push('fn');
    return Promise.resolve(7);
  });
  assert.equal(result, 7);
  assert.deepEqual(log, ['a>', 'b>', 'c>', 'fn', '<c', '<b', '<a']);
});

test('an empty wrap calls fn with the caller signal and deadline, or a fresh signal', async () => {
  const caller = new AbortController();
  const seen: PolicyContext[] = [];
  const record = (_signal: AbortSignal, context: PolicyContext): Promise<number> => {
    seen.push(context);
    return Promise.resolve(1);
  };
  await wrap().execute(record, { signal: caller.signal, deadlineMs: 9 });
  await wrap().execute(record);
  const [first, second] = seen;
  assert.ok(first && second);
  assert.equal(first.signal, caller.signal);
  assert.equal(first.deadlineMs, 9);
  assert.equal(second.signal.aborted, false);
  assert.equal(second.deadlineMs, undefined);
});

test("the innermost fn sees the outer timeout's abort through every layer", async () => {
  const clock = new FakeClock();
  const log: string[] = [];
  let inner: AbortSignal | undefined;
  const stack = wrap(
    timeout(1_000, { name: 'total', clock }),
    tracer('mid', log),
    retry({ clock }),
  );
  const result = stack.execute(async (signal) => {
    inner = signal;
    await clock.sleep(60_000, signal);
    return 'never';
  });
  await clock.tick(1_000);
  await assert.rejects(
    result,
    (error: unknown) => error instanceof TimeoutError && error.timer === 'total',
  );
  assert.ok(inner?.reason instanceof TimeoutError);
  assert.equal(clock.pendingTimers, 0);
  assert.deepEqual(log, ['mid>', '<mid']);
});

test("an outer timeout's deadline reaches the retry, which stops instead of sleeping past it", async () => {
  const clock = new FakeClock();
  const deadlines: (number | undefined)[] = [];
  const stack = wrap(
    timeout(1_500, { clock }),
    retry({ maxAttempts: 5, backoff: constantBackoff(1_000), clock }),
  );
  const last = overloaded();
  let calls = 0;
  const result = stack.execute((_signal, context) => {
    deadlines.push(context.deadlineMs);
    calls++;
    return Promise.reject(calls === 2 ? last : overloaded());
  });
  await clock.tick(1_000);
  await assert.rejects(result, (error) => error === last);
  assert.deepEqual(deadlines, [1_500, 1_500]);
  assert.equal(clock.pendingTimers, 0);
});

test('a Deadline given at the top aborts the innermost fn; the retry does not retry it', async () => {
  const clock = new FakeClock();
  const deadline = new Deadline({ budgetMs: 10_000, clock });
  const limit = bulkhead({ maxConcurrent: 1, clock });
  const stack = wrap(retry({ clock }), limit, timeout(20_000, { clock }));
  const contexts: PolicyContext[] = [];
  const result = stack.execute(async (signal, context) => {
    contexts.push(context);
    await clock.sleep(60_000, signal);
    return 'never';
  }, deadline);
  await clock.tick(0);
  // The earlier of the request's deadline and the attempt timeout.
  assert.equal(contexts[0]?.deadlineMs, 10_000);
  assert.equal(limit.active, 1);
  await clock.tick(10_000);
  await assert.rejects(result, DeadlineExceededError);
  assert.equal(contexts.length, 1);
  assert.equal(limit.active, 0);
  deadline.dispose();
  assert.equal(clock.pendingTimers, 0);
});

test('a caller abort reaches the innermost fn and stops the stack at once', async () => {
  const clock = new FakeClock();
  const caller = new AbortController();
  const limit = bulkhead({ maxConcurrent: 2, clock });
  let inner: AbortSignal | undefined;
  const stack = wrap(retry({ clock }), limit, timeout(30_000, { clock }));
  const result = stack.execute(
    async (signal) => {
      inner = signal;
      await clock.sleep(10_000, signal);
      return 'never';
    },
    { signal: caller.signal },
  );
  await clock.tick(0);
  caller.abort();
  await assert.rejects(result, CancelledError);
  assert.equal(inner?.aborted, true);
  assert.equal(limit.active, 0);
  assert.equal(clock.pendingTimers, 0);
});

test('a fallback around retry answers once the retries are spent; its value is in the type', async () => {
  const clock = new FakeClock();
  const stack = wrap(
    fallback('cached'),
    retry({ maxAttempts: 2, backoff: constantBackoff(5), clock }),
  );
  const result = stack.execute(() => Promise.reject(overloaded()));
  await clock.tick(5);
  const value: number | string = await result;
  assert.equal(value, 'cached');
  // @ts-expect-error the fallback's string is part of the result type
  const typed: number = await stack.execute(() => Promise.resolve(1));
  assert.equal(typed, 1);
  const nested = wrap(retry({ clock }), wrap(fallback(true)));
  // @ts-expect-error a nested stack's fallback is part of the result type too
  const alsoTyped: number = await nested.execute(() => Promise.resolve(2));
  assert.equal(alsoTyped, 2);
  const plain: Policy = wrap(retry({ clock }), timeout(10, { clock }));
  assert.equal(await plain.execute(() => Promise.resolve(3)), 3);
});
