import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FLAG_FAILURE, FLAG_SLOW } from '../state.js';
import type { WindowCounts } from '../state.js';
import { CountWindow } from './count-window.js';
import { TimeWindow } from './time-window.js';

const counts = (w: WindowCounts) => [w.calls, w.failures, w.slowCalls];
const BOTH = FLAG_FAILURE | FLAG_SLOW;

test('count window: fills, then each call evicts the oldest', () => {
  const w = new CountWindow(3);
  w.add(BOTH, 0);
  w.add(0, 0);
  assert.deepEqual(counts(w), [2, 1, 1]);
  w.add(FLAG_FAILURE, 0);
  assert.deepEqual(counts(w), [3, 2, 1]);
  w.add(0, 0); // evicts BOTH
  assert.deepEqual(counts(w), [3, 1, 0]);
  w.add(FLAG_SLOW, 0);
  w.add(0, 0); // evicts 0, then FLAG_FAILURE
  assert.deepEqual(counts(w), [3, 0, 1]);
  assert.deepEqual(w.exportData(0), { type: 'count', flags: [0, FLAG_SLOW, 0] });
  w.advance(1e9); // counting windows do not age
  assert.deepEqual(counts(w), [3, 0, 1]);
  w.reset();
  assert.deepEqual(counts(w), [0, 0, 0]);
});

test('count window: counters stay exact over many wraps', () => {
  const w = new CountWindow(7);
  const all: number[] = [];
  for (let i = 0; i < 1_000; i++) {
    const f = (i * 7919) % 4;
    all.push(f);
    w.add(f, 0);
  }
  const last = all.slice(-7);
  assert.deepEqual(counts(w), [
    7,
    last.filter((f) => f & FLAG_FAILURE).length,
    last.filter((f) => f & FLAG_SLOW).length,
  ]);
});

test('count window: import keeps the newest calls when the window shrank', () => {
  const w = new CountWindow(2);
  w.importData({ type: 'count', flags: [1, 1, 0, 2] }, 0, 0);
  assert.deepEqual(counts(w), [2, 0, 1]);
  w.importData({ type: 'time', buckets: [[0, 1, 1, 1]] }, 0, 0); // wrong kind: ignored
  assert.deepEqual(counts(w), [2, 0, 1]);
});

test('time window: buckets age out one by one, and all at once after a long gap', () => {
  const w = new TimeWindow(1_000, 4); // 250 ms buckets
  w.add(FLAG_FAILURE, 0);
  w.add(FLAG_SLOW, 300);
  w.add(0, 600);
  w.add(BOTH, 999);
  assert.deepEqual(counts(w), [4, 2, 2]);
  w.advance(1_000); // [0, 250) leaves
  assert.deepEqual(counts(w), [3, 1, 2]);
  w.advance(1_250); // [250, 500) leaves
  assert.deepEqual(counts(w), [2, 1, 1]);
  w.add(0, 1_260);
  w.advance(50_000);
  assert.deepEqual(counts(w), [0, 0, 0]);
  w.add(FLAG_FAILURE, 50_001);
  assert.deepEqual(counts(w), [1, 1, 0]);
});

test('time window: time running backwards joins the newest bucket', () => {
  const w = new TimeWindow(1_000, 10);
  w.add(0, 5_000);
  w.add(FLAG_FAILURE, 4_000);
  assert.deepEqual(counts(w), [2, 1, 0]);
  w.reset();
  assert.deepEqual(counts(w), [0, 0, 0]);
});

test('time window: export and import carry the buckets, aged by the gap', () => {
  const w = new TimeWindow(3_000, 3);
  w.add(FLAG_FAILURE, 100);
  w.add(0, 1_100);
  w.add(BOTH, 2_100);
  const data = w.exportData(2_500);
  const same = new TimeWindow(3_000, 3);
  same.importData(data, 2_500, 0);
  assert.deepEqual(counts(same), [3, 2, 1]);
  const later = new TimeWindow(3_000, 3);
  later.importData(data, 10_000, 1_000); // restored 1 s after the snapshot: the oldest bucket is out
  assert.deepEqual(counts(later), [2, 1, 1]);
  later.importData({ type: 'count', flags: [1] }, 10_000, 0); // wrong kind: ignored
  assert.deepEqual(counts(later), [2, 1, 1]);
});

test('time window: bucket sizes that are not whole ms survive a round trip', () => {
  const w = new TimeWindow(1_000, 3);
  for (let t = 0; t < 1_000; t += 10) w.add(FLAG_FAILURE, t);
  const copy = new TimeWindow(1_000, 3);
  copy.importData(w.exportData(999), 999, 0);
  assert.deepEqual(counts(copy), counts(w));
});
