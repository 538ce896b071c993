import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../core/fake-clock.js';
import { BucketRing } from './history.js';

const EPOCH_MS = 1_700_000_000_000;

interface Count {
  n: number;
}

function ring(clock: FakeClock, closed: number[] = [], buckets = 4) {
  let created = 0;
  const r = new BucketRing<Count>({
    clock,
    bucketMs: 1000,
    buckets,
    create: () => {
      created++;
      return { n: 0 };
    },
    clear: (b) => {
      b.n = 0;
    },
    onClose: (b) => closed.push(b.n),
  });
  return { r, created: () => created };
}

test('buckets roll over on the clock: each interval counts apart, oldest first', () => {
  const clock = new FakeClock(0, EPOCH_MS);
  const closed: number[] = [];
  const { r } = ring(clock, closed);
  r.current().n += 2;
  clock.advance(999);
  r.current().n += 1;
  clock.advance(1); // 1000: a new bucket
  r.current().n += 5;
  const list = r.list();
  assert.equal(list.length, 4);
  assert.deepEqual(
    list.map((s) => s.bucket.n),
    [0, 0, 3, 5],
  );
  assert.deepEqual(
    list.map((s) => s.startEpochMs - EPOCH_MS),
    [-2000, -1000, 0, 1000],
  );
  assert.deepEqual(
    list.map((s) => s.current),
    [false, false, false, true],
  );
  assert.deepEqual(closed, [3], 'the first bucket closed once, with its final count');
});

test('bounded: the ring never grows and old buckets fall off the back', () => {
  const clock = new FakeClock(0, EPOCH_MS);
  const { r, created } = ring(clock);
  for (let i = 0; i < 50; i++) {
    r.current().n = i + 1;
    clock.advance(1000);
  }
  assert.equal(created(), 4, 'slots are allocated once');
  const list = r.list();
  assert.equal(list.length, 4);
  // Now is 50 000 ms: the current bucket is empty, the three before hold the last writes.
  assert.deepEqual(
    list.map((s) => s.bucket.n),
    [48, 49, 50, 0],
  );
  assert.equal(r.startEpochMs(), EPOCH_MS + 47_000);
});

test('a gap longer than the ring clears every slot and closes only the last bucket', () => {
  const clock = new FakeClock(500, EPOCH_MS);
  const closed: number[] = [];
  const { r } = ring(clock, closed);
  r.current().n = 7;
  clock.advance(2000);
  r.current().n = 9;
  clock.advance(60_000);
  assert.deepEqual(
    r.list().map((s) => s.bucket.n),
    [0, 0, 0, 0],
  );
  assert.deepEqual(closed, [7, 9]);
  clock.advance(1000);
  r.current().n = 1;
  assert.deepEqual(
    r.list().map((s) => s.bucket.n),
    [0, 0, 0, 1],
  );
  assert.deepEqual(closed, [7, 9, 0]);
});

test('a clock that has not moved reuses the same bucket; bad sizes are refused', () => {
  const clock = new FakeClock(0, EPOCH_MS);
  const { r } = ring(clock);
  assert.equal(r.current(), r.current());
  const create = () => ({ n: 0 });
  const clear = () => undefined;
  assert.throws(() => new BucketRing({ clock, bucketMs: 0, create, clear }), /bucketMs/);
  assert.throws(() => new BucketRing({ clock, buckets: 0, create, clear }), /buckets/);
  assert.throws(() => new BucketRing({ clock, buckets: 1.5, create, clear }), /buckets/);
});
