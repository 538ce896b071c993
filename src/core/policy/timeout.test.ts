import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { FakeClock } from '../fake-clock.js';
import { CancelledError, TimeoutError } from '../errors.js';
import { timeout } from './timeout.js';
import type { PolicyContext } from './policy.js';

/** Work that resolves after `ms` on the clock, or rejects when its signal aborts. */
function work(clock: FakeClock, ms: number, value = 'done') {
  return async (signal: AbortSignal): Promise<string> => {
    await clock.sleep(ms, signal);
    return value;
  };
}

test('timeout passes a result through and leaves no timer or listener', async () => {
  const clock = new FakeClock();
  const caller = new AbortController();
  const policy = timeout(1_000, { clock });
  const result = policy.execute(work(clock, 200), { signal: caller.signal });
  await clock.tick(200);
  assert.equal(await result, 'done');
  assert.equal(clock.pendingTimers, 0);
  assert.equal(getEventListeners(caller.signal, 'abort').length, 0);
});

test('timeout rejects with a named TimeoutError and aborts the work it gives up on', async () => {
  const clock = new FakeClock();
  let seen: unknown;
  const policy = timeout(1_000, { name: 'attempt', clock });
  assert.equal(policy.timeoutMs, 1_000);
  assert.equal(policy.name, 'attempt');
  const result = policy.execute(async (signal) => {
    try {
      return await work(clock, 5_000)(signal);
    } catch (error) {
      seen = error;
      throw error;
    }
  });
  await clock.tick(1_000);
  await assert.rejects(result, (error: unknown) => {
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.code, 'timeout');
    assert.equal(error.timer, 'attempt');
    assert.equal(error.timeoutMs, 1_000);
    return true;
  });
  // The loser was told: its sleep was aborted with the same error, and its timer freed.
  assert.ok(seen instanceof TimeoutError);
  assert.equal(clock.pendingTimers, 0);
});

test('timeout rejects on time even when the work ignores its signal', async () => {
  const clock = new FakeClock();
  let finish: (value: string) => void = () => undefined;
  const stubborn = new Promise<string>((resolve) => (finish = resolve));
  const result = timeout(50, { clock }).execute(() => stubborn);
  await clock.tick(50);
  await assert.rejects(result, TimeoutError);
  finish('too late');
  assert.equal(clock.pendingTimers, 0);
});

test('a late rejection of abandoned work is handled, not left unhandled', async () => {
  const clock = new FakeClock();
  let fail: (error: Error) => void = () => undefined;
  const doomed = new Promise<string>((_resolve, reject) => (fail = reject));
  const result = timeout(50, { clock }).execute(() => doomed);
  await clock.tick(50);
  await assert.rejects(result, TimeoutError);
  fail(new Error('late failure'));
  await clock.tick(0);
});

test("the caller's abort rejects with the caller's reason at once", async () => {
  const clock = new FakeClock();
  const caller = new AbortController();
  let inner: AbortSignal | undefined;
  const result = timeout(1_000, { clock }).execute(
    (signal) => {
      inner = signal;
      return work(clock, 5_000)(signal);
    },
    { signal: caller.signal },
  );
  const reason = new Error('client disconnected');
  caller.abort(reason);
  await assert.rejects(result, (error) => error === reason);
  assert.equal(inner?.reason, reason);
  assert.equal(clock.pendingTimers, 0);
  assert.equal(getEventListeners(caller.signal, 'abort').length, 0);
});

test('a bare caller abort becomes a CancelledError; an aborted caller never starts the work', async () => {
  const clock = new FakeClock();
  const caller = new AbortController();
  const result = timeout(1_000, { clock }).execute(work(clock, 5_000), { signal: caller.signal });
  caller.abort();
  await assert.rejects(result, CancelledError);
  let started = false;
  const never = timeout(1_000, { clock }).execute(
    () => {
      started = true;
      return Promise.resolve('x');
    },
    { signal: caller.signal },
  );
  await assert.rejects(never, CancelledError);
  assert.equal(started, false);
  assert.equal(clock.pendingTimers, 0);
});

test('the deadline passed down is the earlier of the caller deadline and the timeout', async () => {
  const clock = new FakeClock(10_000);
  const seen: PolicyContext[] = [];
  const policy = timeout(1_000, { clock });
  const record = (_signal: AbortSignal, context: PolicyContext): Promise<number> => {
    seen.push(context);
    return Promise.resolve(1);
  };
  await policy.execute(record);
  await policy.execute(record, { deadlineMs: 10_500 });
  await policy.execute(record, { deadlineMs: 20_000 });
  assert.deepEqual(
    seen.map((c) => c.deadlineMs),
    [11_000, 10_500, 11_000],
  );
  assert.equal(seen[0]?.signal.aborted, false);
});

test('work that throws synchronously rejects and cleans up', async () => {
  const clock = new FakeClock();
  const boom = new Error('sync');
  await assert.rejects(
    timeout(100, { clock }).execute(() => {
      throw boom;
    }),
    (error) => error === boom,
  );
  await assert.rejects(
    timeout(100, { clock }).execute(() => Promise.reject(boom)),
    (error) => error === boom,
  );
  assert.equal(clock.pendingTimers, 0);
});

test('timeout validates its duration', () => {
  assert.throws(() => timeout(0), RangeError);
  assert.throws(() => timeout(Infinity), RangeError);
  assert.equal(timeout(5).name, 'operation');
});
