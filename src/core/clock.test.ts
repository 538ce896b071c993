import { test } from 'node:test';
import type { MockTracker } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from './clock.js';
import { Emitter } from './events.js';

/** Node's timers mocked, and `performance.now()` reading `now.ms` (so early firing can be staged). */
function mockTime(t: { mock: MockTracker }): { ms: number } {
  const now = { ms: 0 };
  t.mock.timers.enable({ apis: ['setTimeout'] });
  t.mock.method(performance, 'now', () => now.ms);
  return now;
}

test('systemClock.setTimer re-arms a timer that fires before its due time', (t) => {
  const now = mockTime(t);
  let fired = 0;
  systemClock.setTimer(100, () => fired++);
  // The event loop's cached time lagged: Node's timer fires while only 60 ms really passed.
  now.ms = 60;
  t.mock.timers.tick(100);
  assert.equal(fired, 0, 'fired 40 ms early');
  now.ms = 100;
  t.mock.timers.tick(40);
  assert.equal(fired, 1);
});

test('systemClock.setTimer chains waits longer than Node timers can hold (2^31-1 ms)', (t) => {
  const now = mockTime(t);
  const max = 2_147_483_647;
  let fired = 0;
  systemClock.setTimer(max + 1000, () => fired++);
  now.ms = max;
  t.mock.timers.tick(max);
  assert.equal(fired, 0, 'a long timer must not fire when the first Node timer ends');
  now.ms = max + 1000;
  t.mock.timers.tick(1000);
  assert.equal(fired, 1);
});

test('systemClock.setTimer: cancel stops the timer, and an infinite wait never fires', (t) => {
  const now = mockTime(t);
  let fired = 0;
  const cancel = systemClock.setTimer(10, () => fired++);
  const cancelNever = systemClock.setTimer(Infinity, () => fired++);
  cancel();
  cancelNever();
  now.ms = 1e12;
  t.mock.timers.tick(1e12);
  assert.equal(fired, 0);
});

test('systemClock.sleep resolves when its time is up, not before', async (t) => {
  mockTime(t);
  let done = false;
  const p = systemClock.sleep(50).then(() => (done = true));
  t.mock.timers.tick(49);
  await Promise.resolve();
  assert.equal(done, false);
  t.mock.timers.tick(1);
  await p;
  assert.equal(done, true);

  const ac = new AbortController();
  const q = systemClock.sleep(10, ac.signal);
  t.mock.timers.tick(10);
  await q; // resolved: the signal never aborted
  ac.abort(new Error('too late'));
  assert.equal(ac.signal.aborted, true); // and aborting after the end rejects nothing
});

test('systemClock.sleep rejects with the signal reason: at once if aborted, else when it aborts', async (t) => {
  mockTime(t);
  const before = new AbortController();
  before.abort(new Error('gone already'));
  await assert.rejects(systemClock.sleep(10, before.signal), /gone already/);

  const during = new AbortController();
  let settled = false;
  const p = systemClock.sleep(1000, during.signal).finally(() => (settled = true));
  t.mock.timers.tick(500);
  await Promise.resolve();
  assert.equal(settled, false);
  during.abort(); // no reason given: Node's AbortError
  await assert.rejects(p, { name: 'AbortError' });
});

test('Emitter: a listener error goes to the handler; a throwing handler never breaks emit', () => {
  const seen: number[] = [];
  const e = new Emitter<number>(() => {
    throw new Error('the handler is broken too');
  });
  e.on(() => {
    throw new Error('broken listener');
  });
  e.on((n) => {
    seen.push(n);
  });
  assert.doesNotThrow(() => {
    e.emit(7);
  });
  assert.deepEqual(seen, [7], 'the listener after the broken one still ran');

  const quiet = new Emitter<number>(); // the default handler drops the error
  quiet.on(() => {
    throw new Error('ignored');
  });
  assert.doesNotThrow(() => {
    quiet.emit(1);
  });
});

test('Emitter: a listener added during an emit waits for the next one', () => {
  const e = new Emitter<string>();
  const seen: string[] = [];
  e.on((v) => {
    seen.push(`a:${v}`);
    if (v === 'first') {
      e.on((w) => {
        seen.push(`b:${w}`);
      });
    }
  });
  e.emit('first');
  e.emit('second');
  assert.deepEqual(seen, ['a:first', 'a:second', 'b:second']);
});
