import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { FakeClock } from '../fake-clock.js';
import { DeadlineExceededError, TimeoutError } from '../errors.js';
import { Deadline } from './deadline.js';

test('a deadline aborts with DeadlineExceededError when its budget passes', () => {
  const clock = new FakeClock(1_000);
  const deadline = new Deadline({ budgetMs: 500, clock });
  assert.equal(deadline.atMs, 1_500);
  assert.equal(deadline.deadlineMs, 1_500);
  assert.equal(deadline.remainingMs(), 500);
  assert.equal(deadline.expired, false);
  clock.advance(499);
  assert.equal(deadline.signal.aborted, false);
  assert.equal(deadline.remainingMs(), 1);
  clock.advance(1);
  assert.equal(deadline.expired, true);
  assert.equal(deadline.remainingMs(), 0);
  const reason: unknown = deadline.signal.reason;
  assert.ok(reason instanceof DeadlineExceededError);
  assert.equal(reason.deadlineMs, 500);
  assert.equal(clock.pendingTimers, 0);
});

test('a deadline follows its parent signal and unhooks from it', () => {
  const clock = new FakeClock();
  const parent = new AbortController();
  const deadline = new Deadline({ budgetMs: 10_000, signal: parent.signal, clock });
  assert.equal(getEventListeners(parent.signal, 'abort').length, 1);
  const reason = new Error('client went away');
  parent.abort(reason);
  assert.equal(deadline.signal.reason, reason);
  assert.equal(deadline.expired, false);
  assert.equal(clock.pendingTimers, 0);
  assert.equal(getEventListeners(parent.signal, 'abort').length, 0);
});

test('a deadline under an aborted parent, or with no budget left, is aborted at once', () => {
  const clock = new FakeClock();
  const parent = new AbortController();
  parent.abort(new Error('gone'));
  const orphan = new Deadline({ budgetMs: 1_000, signal: parent.signal, clock });
  assert.equal((orphan.signal.reason as Error).message, 'gone');
  assert.equal(orphan.atMs, Infinity);
  const late = new Deadline({ budgetMs: -5, clock });
  assert.ok(late.signal.reason instanceof DeadlineExceededError);
  assert.equal(late.expired, true);
  assert.equal(clock.pendingTimers, 0);
  assert.throws(() => new Deadline({ budgetMs: NaN, clock }), RangeError);
});

test('an infinite budget sets no timer; only the parent can end it', () => {
  const clock = new FakeClock();
  const parent = new AbortController();
  const deadline = new Deadline({ budgetMs: Infinity, signal: parent.signal, clock });
  assert.equal(clock.pendingTimers, 0);
  assert.equal(deadline.remainingMs(), Infinity);
  clock.advance(1e12);
  assert.equal(deadline.signal.aborted, false);
  parent.abort();
  assert.equal(deadline.signal.aborted, true);
});

test('a child that runs out first aborts with a TimeoutError naming it; the parent lives on', () => {
  const clock = new FakeClock();
  const deadline = new Deadline({ budgetMs: 30_000, clock });
  const attempt = deadline.child(5_000, 'attempt');
  assert.equal(attempt.atMs, 5_000);
  clock.advance(5_000);
  const reason = attempt.signal.reason as TimeoutError;
  assert.ok(reason instanceof TimeoutError);
  assert.equal(reason.timer, 'attempt');
  assert.equal(reason.timeoutMs, 5_000);
  assert.equal(deadline.signal.aborted, false);
  assert.equal(getEventListeners(deadline.signal, 'abort').length, 0);
  deadline.dispose();
  assert.equal(clock.pendingTimers, 0);
});

test("a child longer than the time left ends with the parent's DeadlineExceededError", () => {
  const clock = new FakeClock();
  const deadline = new Deadline({ budgetMs: 3_000, clock });
  clock.advance(1_000);
  const attempt = deadline.child(5_000, 'attempt');
  const exact = deadline.child(2_000, 'exact');
  assert.equal(attempt.atMs, 3_000);
  assert.equal(exact.atMs, 3_000);
  assert.equal(attempt.remainingMs(), 2_000);
  clock.advance(2_000);
  assert.ok(attempt.signal.reason instanceof DeadlineExceededError);
  // Equal to the time left: the parent's error, never a TimeoutError, whatever the timer order.
  assert.ok(exact.signal.reason instanceof DeadlineExceededError);
  assert.equal(clock.pendingTimers, 0);
});

test('a child of an aborted deadline is aborted at once with the same reason', () => {
  const clock = new FakeClock();
  const deadline = new Deadline({ budgetMs: 100, clock });
  clock.advance(100);
  const child = deadline.child(10, 'attempt');
  assert.ok(child.signal.reason instanceof DeadlineExceededError);
  const zero = new Deadline({ budgetMs: 100, clock }).child(0, 'instant');
  assert.ok(zero.signal.reason instanceof TimeoutError);
  assert.equal(clock.pendingTimers, 1);
});

test('a child of a cancelled deadline with time left is cancelled too, with no timer', () => {
  const clock = new FakeClock();
  const caller = new AbortController();
  const deadline = new Deadline({ budgetMs: 60_000, signal: caller.signal, clock });
  caller.abort(new Error('gone'));
  const child = deadline.child(1_000, 'attempt');
  assert.equal((child.signal.reason as Error).message, 'gone');
  assert.equal(clock.pendingTimers, 0);
});

test('a parent abort reaches every descendant', () => {
  const clock = new FakeClock();
  const caller = new AbortController();
  const deadline = new Deadline({ budgetMs: 60_000, signal: caller.signal, clock });
  const attempt = deadline.child(10_000, 'attempt');
  const firstByte = attempt.child(2_000, 'first_byte');
  caller.abort(new Error('cancelled'));
  assert.equal((firstByte.signal.reason as Error).message, 'cancelled');
  assert.equal(clock.pendingTimers, 0);
});

test('dispose is idempotent and leaves no timers or listeners after 10k uses (exact counts: nothing accumulates per use)', () => {
  const clock = new FakeClock();
  const server = new AbortController();
  const root = new Deadline({ budgetMs: 3_600_000, signal: server.signal, clock });
  for (let i = 0; i < 10_000; i++) {
    const d = new Deadline({ budgetMs: 30_000, signal: server.signal, clock });
    const child = d.child(1_000, 'attempt');
    child.dispose();
    d.dispose();
    d.dispose();
  }
  assert.equal(getEventListeners(server.signal, 'abort').length, 1);
  root.dispose();
  assert.equal(getEventListeners(server.signal, 'abort').length, 0);
  assert.equal(clock.pendingTimers, 0);
  clock.advance(3_600_000);
  assert.equal(root.signal.aborted, false);
});

test('a deadline can be handed to a policy as its ExecuteOptions', () => {
  const clock = new FakeClock();
  const deadline = new Deadline({ budgetMs: 1_000, clock });
  const { signal, deadlineMs } = deadline;
  assert.equal(signal, deadline.signal);
  assert.equal(deadlineMs, 1_000);
  deadline.dispose();
  const real = new Deadline({ budgetMs: 1 });
  assert.ok(real.remainingMs() <= 1);
  real.dispose();
});
