import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../fake-clock.js';
import { RetryBudget } from './retry-budget.js';

function takeAll(budget: RetryBudget): number {
  let granted = 0;
  while (budget.tryRetry()) granted++;
  return granted;
}

test('retries are capped at ratio x first attempts once the floor is spent', () => {
  const clock = new FakeClock();
  const budget = new RetryBudget({ ratio: 0.2, minPerSecond: 0, clock });
  assert.equal(budget.tryRetry(), false);
  for (let i = 0; i < 100; i++) budget.recordRequest();
  assert.equal(budget.available, 20);
  assert.equal(takeAll(budget), 20);
  assert.equal(budget.available, 0);
  for (let i = 0; i < 4; i++) budget.recordRequest();
  assert.equal(budget.tryRetry(), false);
  budget.recordRequest();
  assert.equal(budget.tryRetry(), true);
});

test('the floor allows minPerSecond x window retries with no traffic', () => {
  const clock = new FakeClock();
  const budget = new RetryBudget({ minPerSecond: 10, windowMs: 10_000, clock });
  assert.equal(budget.available, 100);
  assert.equal(takeAll(budget), 100);
});

test('defaults: 20 % of traffic plus 10 per second over 10 s', () => {
  const clock = new FakeClock();
  const budget = new RetryBudget({ clock });
  for (let i = 0; i < 50; i++) budget.recordRequest();
  assert.equal(takeAll(budget), 110);
  new RetryBudget().recordRequest();
});

test('the budget recovers as the window slides', () => {
  const clock = new FakeClock();
  const budget = new RetryBudget({ ratio: 0.5, minPerSecond: 0, windowMs: 1_000, clock });
  for (let i = 0; i < 10; i++) budget.recordRequest();
  assert.equal(takeAll(budget), 5);
  // Half a window later: the old retries still count, new traffic earns new retries.
  clock.advance(500);
  for (let i = 0; i < 4; i++) budget.recordRequest();
  assert.equal(takeAll(budget), 2);
  // The first bucket slid out: its 10 requests and 5 retries are forgotten together.
  clock.advance(500);
  assert.equal(budget.available, 0);
  for (let i = 0; i < 2; i++) budget.recordRequest();
  assert.equal(takeAll(budget), 1);
  // A long idle period clears everything in O(buckets).
  clock.advance(1e9);
  assert.equal(budget.available, 0);
  budget.recordRequest();
  budget.recordRequest();
  assert.equal(takeAll(budget), 1);
});

test('a retry spent from the floor is returned when it slides out of the window', () => {
  const clock = new FakeClock();
  const budget = new RetryBudget({ ratio: 0, minPerSecond: 1, windowMs: 2_000, buckets: 2, clock });
  assert.equal(takeAll(budget), 2);
  clock.advance(999);
  assert.equal(budget.tryRetry(), false);
  clock.advance(1_001);
  assert.equal(takeAll(budget), 2);
});

test('float ratios do not lose a retry to rounding', () => {
  const clock = new FakeClock();
  const budget = new RetryBudget({ ratio: 0.1, minPerSecond: 0, clock });
  for (let i = 0; i < 30; i++) budget.recordRequest();
  assert.equal(budget.available, 3);
  assert.equal(takeAll(budget), 3);
  const seven = new RetryBudget({ ratio: 0.7, minPerSecond: 0, clock });
  for (let i = 0; i < 3; i++) seven.recordRequest();
  assert.equal(takeAll(seven), 2);
});

test('invalid options are refused', () => {
  assert.throws(() => new RetryBudget({ ratio: -0.1 }), /ratio/);
  assert.throws(() => new RetryBudget({ minPerSecond: Infinity }), /minPerSecond/);
  assert.throws(() => new RetryBudget({ windowMs: 0 }), /windowMs/);
  assert.throws(() => new RetryBudget({ buckets: 0 }), /buckets/);
  assert.throws(() => new RetryBudget({ buckets: 1.5 }), /buckets/);
});
