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

test('time window: an import between held buckets lands in order, and evicts in order', () => {
  const w = new TimeWindow(3_000, 3); // 1 s buckets
  w.add(FLAG_FAILURE, 100); // bucket 0
  w.add(0, 2_100); // bucket 2
  // Bucket 1 (age 1 s at t = 2 500) from another copy of the window.
  w.importData({ type: 'time', buckets: [[1_000, 2, 0, 2]] }, 2_500, 0);
  assert.deepEqual(counts(w), [4, 1, 2]);
  const ages = (
    w.exportData(2_500) as { readonly buckets: readonly (readonly number[])[] }
  ).buckets.map((b) => b[0]);
  assert.deepEqual(ages, [2_000, 1_000, 0], 'oldest first, one entry per bucket');
  w.advance(3_000); // bucket 0 leaves
  assert.deepEqual(counts(w), [3, 0, 2]);
  w.advance(4_000); // bucket 1 leaves
  assert.deepEqual(counts(w), [1, 0, 0]);
});

test('time window: an import into a bucket it already holds adds to that bucket', () => {
  const w = new TimeWindow(3_000, 3); // 1 s buckets
  w.add(FLAG_FAILURE, 1_100); // bucket 1
  w.add(0, 2_100); // bucket 2 (the head)
  // Bucket 1 again (age 1 s at t = 2 500), from another copy of the window.
  w.importData({ type: 'time', buckets: [[1_000, 3, 1, 1]] }, 2_500, 0);
  assert.deepEqual(counts(w), [5, 2, 1]);
  const held = (w.exportData(2_500) as { readonly buckets: readonly (readonly number[])[] })
    .buckets;
  assert.deepEqual(held, [
    [1_000, 4, 2, 1],
    [0, 1, 0, 0],
  ]);
  w.advance(4_000); // bucket 1 leaves, with everything the import added to it
  assert.deepEqual(counts(w), [1, 0, 0]);
});

test('time window: under steady traffic it holds one entry per bucket, never more', () => {
  const w = new TimeWindow(1_000, 4); // 250 ms buckets
  for (let t = 0; t < 10_000; t += 7) w.add(t % 3 === 0 ? FLAG_FAILURE : 0, t);
  const held = (w.exportData(10_000 - 7) as { readonly buckets: readonly (readonly number[])[] })
    .buckets;
  assert.equal(held.length, 4);
  // The window holds the calls of [9 000, 10 000): every 7 ms from 9 002 on.
  const inWindow = Array.from({ length: 10_000 }, (_, t) => t).filter(
    (t) => t % 7 === 0 && t >= 9_000,
  );
  assert.deepEqual(counts(w), [inWindow.length, inWindow.filter((t) => t % 3 === 0).length, 0]);
});
