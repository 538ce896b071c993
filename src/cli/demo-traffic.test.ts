import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DemoTally, seededRandom } from './demo-traffic.js';

test('the success rate counts provoked mid-answer cuts apart; the raw rate counts them as failures', () => {
  const tally = new DemoTally();
  assert.equal(tally.successRate, null);
  for (let i = 0; i < 96; i++) tally.record(false, 'answered');
  tally.record(true, 'answered-by-fallback');
  tally.record(true, 'cut-mid-answer');
  tally.record(true, 'cut-mid-answer');
  tally.recordFailure(false, { status: 503, code: 'all_candidates_failed' });
  assert.equal(tally.requests, 100);
  assert.equal(tally.streams, 3);
  assert.equal(tally.ok, 97);
  assert.equal(tally.successRate, 97 / 98);
  assert.equal(tally.rawSuccessRate, 97 / 100);
  assert.equal(tally.fallbackShare, 1 / 97);
  assert.deepEqual([...tally.failuresByCode], [['503 all_candidates_failed', 1]]);
});

test('a failure without status or code is still counted, by its name', () => {
  const tally = new DemoTally();
  tally.recordFailure(true, new TypeError('x'));
  tally.recordFailure(true, null);
  assert.deepEqual(
    [...tally.failuresByCode],
    [
      ['no status TypeError', 1],
      ['no status error', 1],
    ],
  );
});

test('seededRandom is reproducible and in [0, 1)', () => {
  const a = seededRandom(42);
  const b = seededRandom(42);
  const xs = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(
    xs,
    Array.from({ length: 1000 }, () => b()),
  );
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  assert.notDeepEqual(xs.slice(0, 10), Array.from({ length: 10 }, seededRandom(43)));
});
