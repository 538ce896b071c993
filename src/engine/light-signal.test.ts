import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Deadline, DeadlineExceededError, FakeClock } from '../core/index.js';
import { LightSignal, linkAbort } from './light-signal.js';
import { RequestDeadline, openDeadline } from './request-context.js';

test('LightSignal: aborts once, with an AbortError by default, telling onabort then listeners in order', () => {
  const s = new LightSignal();
  const seen: string[] = [];
  s.onabort = (e) => seen.push(`onabort:${e.type}:${String(e.target === s)}`);
  s.addEventListener('abort', () => seen.push('a'));
  s.addEventListener('abort', (e) => seen.push(`b:${String(e.currentTarget === s)}`));
  s.throwIfAborted();
  s.abort();
  s.abort(new Error('second'));
  assert.deepEqual(seen, ['onabort:abort:true', 'a', 'b:true']);
  assert.equal(s.aborted, true);
  assert.ok(s.reason instanceof DOMException);
  assert.equal(s.reason.name, 'AbortError');
  assert.throws(
    () => {
      s.throwIfAborted();
    },
    { name: 'AbortError' },
  );
});

test('LightSignal: a listener added twice runs once; removed ones and other event types never run', () => {
  const s = new LightSignal();
  let calls = 0;
  const fn = (): void => {
    calls++;
  };
  const removed = (): void => {
    calls += 100;
  };
  s.addEventListener('abort', fn);
  s.addEventListener('abort', fn, { once: true });
  s.addEventListener('abort', removed);
  s.addEventListener('other', removed);
  s.removeEventListener('abort', removed);
  s.removeEventListener('other', fn);
  s.removeEventListener('abort', () => undefined);
  s.abort('why');
  assert.equal(calls, 1);
  assert.equal(s.reason, 'why');
  // After the abort nothing more is registered or run.
  s.addEventListener('abort', removed);
  s.abort();
  assert.equal(calls, 1);
  new LightSignal().removeEventListener('abort', fn); // no listener list yet: a no-op
});

test('LightSignal: a listener that throws does not stop the others; its error is reported', () => {
  const s = new LightSignal();
  const seen: string[] = [];
  const boom = new Error('listener bug');
  s.addEventListener('abort', () => {
    throw boom;
  });
  s.addEventListener('abort', () => seen.push('second'));
  const reported: unknown[] = [];
  const original = LightSignal.onListenerError;
  LightSignal.onListenerError = (error) => reported.push(error);
  try {
    s.abort();
  } finally {
    LightSignal.onListenerError = original;
  }
  assert.deepEqual(seen, ['second']);
  assert.deepEqual(reported, [boom]);
});

test('LightSignal: by default a listener error is thrown again on the next tick', async () => {
  const seen: unknown[] = [];
  const { nextTick: original } = process; // eslint-disable-line @typescript-eslint/unbound-method -- restored as it was
  // Run the deferred throw here instead of letting it reach the test runner as uncaught.
  process.nextTick = ((fn: () => void) => {
    try {
      fn();
    } catch (error) {
      seen.push(error);
    }
  }) as typeof process.nextTick;
  try {
    LightSignal.onListenerError(new Error('late'));
  } finally {
    process.nextTick = original;
  }
  assert.equal((seen[0] as Error).message, 'late');
  await Promise.resolve();
});

test('linkAbort: the target follows the source with its reason until unhooked', () => {
  const source = new AbortController();
  const target = new LightSignal();
  const unhook = linkAbort(source.signal, target);
  source.abort(new Error('caller left'));
  assert.equal(target.aborted, true);
  assert.equal((target.reason as Error).message, 'caller left');

  const quiet = new AbortController();
  const other = new LightSignal();
  linkAbort(quiet.signal, other)();
  quiet.abort();
  assert.equal(other.aborted, false, 'unhooked before the abort');
  unhook();

  const early = new AbortController();
  early.abort('already');
  const late = new LightSignal();
  linkAbort(early.signal, late)();
  assert.equal(late.reason, 'already');
});

test('RequestDeadline: fires DeadlineExceededError at its time, not before', () => {
  const clock = new FakeClock();
  const d = openDeadline(1_000, {}, clock);
  assert.equal(d.budgetMs, 1_000);
  assert.equal(d.atMs, 1_000);
  clock.advance(999);
  assert.equal(d.signal.aborted, false);
  assert.equal(d.remainingMs(), 1);
  clock.advance(1);
  assert.equal(d.signal.aborted, true);
  assert.ok(d.signal.reason instanceof DeadlineExceededError);
  assert.equal(d.signal.reason.deadlineMs, 1_000);
  assert.equal(d.remainingMs(), 0);
  assert.equal(clock.pendingTimers, 0);
});

test("RequestDeadline: the caller's tighter deadline and the caller's abort win", () => {
  const clock = new FakeClock();
  const caller = new AbortController();
  const d = openDeadline(30_000, { deadlineMs: 500, signal: caller.signal }, clock);
  assert.equal(d.budgetMs, 500);
  caller.abort(new Error('client went away'));
  assert.equal((d.signal.reason as Error).message, 'client went away');
  assert.equal(clock.pendingTimers, 0, 'the timer is cleared on the caller abort');
  clock.advance(1_000);
  assert.equal((d.signal.reason as Error).message, 'client went away');
});

test('RequestDeadline: dispose clears the timer and unhooks the caller; it never aborts', () => {
  const clock = new FakeClock();
  const caller = new AbortController();
  const d = new RequestDeadline(1_000, clock, caller.signal);
  d.dispose();
  d.dispose();
  assert.equal(clock.pendingTimers, 0);
  caller.abort();
  clock.advance(2_000);
  assert.equal(d.signal.aborted, false);
});

test('RequestDeadline: an aborted caller, a zero budget and no limit', () => {
  const clock = new FakeClock();
  const caller = new AbortController();
  caller.abort('gone');
  const aborted = new RequestDeadline(1_000, clock, caller.signal);
  assert.equal(aborted.signal.reason, 'gone');
  const zero = new RequestDeadline(0, clock, undefined);
  assert.ok(zero.signal.reason instanceof DeadlineExceededError);
  const unlimited = new RequestDeadline(Infinity, clock, undefined);
  assert.equal(unlimited.remainingMs(), Infinity);
  assert.equal(clock.pendingTimers, 0);
});

test('a core Deadline linked to a LightSignal aborts with it, and unhooks on dispose', () => {
  const signal = new LightSignal();
  const linked = new Deadline({ budgetMs: 60_000, signal: signal.asSignal });
  const disposed = new Deadline({ budgetMs: 60_000, signal: signal.asSignal });
  disposed.dispose();
  signal.abort();
  assert.equal(linked.signal.aborted, true);
  assert.equal((linked.signal.reason as DOMException).name, 'AbortError');
  assert.equal(disposed.signal.aborted, false, 'a disposed deadline no longer listens');
  linked.dispose();
});
