import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from './fake-clock.js';
import { Emitter } from './events.js';

test('FakeClock fires timers in due order, ties in set order', () => {
  const clock = new FakeClock();
  const fired: string[] = [];
  clock.setTimer(20, () => fired.push('b'));
  clock.setTimer(10, () => fired.push('a'));
  clock.setTimer(20, () => fired.push('c'));
  const cancel = clock.setTimer(15, () => fired.push('x'));
  cancel();
  clock.advance(19);
  assert.deepEqual(fired, ['a']);
  assert.equal(clock.now(), 19);
  clock.advance(1);
  assert.deepEqual(fired, ['a', 'b', 'c']);
  assert.equal(clock.pendingTimers, 0);
});

test('FakeClock timers set by a timer fire within the same advance when due', () => {
  const clock = new FakeClock();
  const at: number[] = [];
  clock.setTimer(5, () => clock.setTimer(5, () => at.push(clock.now())));
  clock.advance(10);
  assert.deepEqual(at, [10]);
});

test('FakeClock.sleep resolves on tick and rejects on abort', async () => {
  const clock = new FakeClock();
  let done = false;
  const p = clock.sleep(100).then(() => (done = true));
  await clock.tick(99);
  assert.equal(done, false);
  await clock.tick(1);
  await p;
  assert.equal(done, true);

  const ac = new AbortController();
  const s = clock.sleep(100, ac.signal);
  ac.abort(new Error('stop'));
  await assert.rejects(s, /stop/);
  assert.equal(clock.pendingTimers, 0);
  await assert.rejects(clock.sleep(1, ac.signal), /stop/);
});

test('Emitter isolates listener errors and supports dispose', () => {
  const errors: unknown[] = [];
  const e = new Emitter<number>((err) => errors.push(err));
  const seen: number[] = [];
  e.on(() => {
    throw new Error('broken listener');
  });
  const d = e.on((n) => seen.push(n));
  assert.equal(e.size, 2);
  e.emit(1);
  d.dispose();
  e.emit(2);
  assert.deepEqual(seen, [1]);
  assert.equal(errors.length, 2);
  assert.equal(e.size, 1);
});
