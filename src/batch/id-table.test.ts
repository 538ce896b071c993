import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IdTable, LineSet, hashId } from './id-table.js';

test('claim returns 0 for a new id and the first line for a repeat, across growth', () => {
  const t = new IdTable();
  for (let i = 1; i <= 5000; i++) assert.equal(t.claim(`req-${i}`, i), 0);
  assert.equal(t.size, 5000);
  assert.equal(t.claim('req-1', 9000), 1);
  assert.equal(t.claim('req-4321', 9001), 4321);
  assert.equal(t.size, 5000);
  assert.ok(t.memoryBytes >= 5000 * 2 * 12);
});

test('presizing avoids growth; the hash spreads similar ids', () => {
  const t = new IdTable(100_000);
  const before = t.memoryBytes;
  for (let i = 1; i <= 100_000; i++) t.claim(String(i), i);
  assert.equal(t.memoryBytes, before);
  const a = hashId('request-1');
  const b = hashId('request-2');
  assert.notEqual(a.lo, b.lo);
  assert.notEqual(a.hi, b.hi);
  assert.throws(() => t.claim('x', 0), RangeError);
});

test('LineSet adds once and grows', () => {
  const s = new LineSet();
  assert.equal(s.add(3), true);
  assert.equal(s.add(3), false);
  assert.equal(s.add(1_000_000), true);
  assert.equal(s.has(1_000_000), true);
  assert.equal(s.has(999_999), false);
  assert.equal(s.has(50_000_000), false);
  assert.equal(s.size, 2);
});
