import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BodyBudget, overloadedError } from './body-budget.js';

test('holds share one budget; a hold grows, refuses past the limit and releases once', () => {
  const budget = new BodyBudget(100);
  const a = budget.open();
  const b = budget.open();
  assert.equal(a.cover(60), true);
  assert.equal(a.cover(40), true, 'already covered');
  assert.equal(b.cover(50), false, 'does not fit');
  assert.equal(b.cover(40), true);
  assert.equal(budget.usedBytes, 100);
  a.release();
  a.release();
  assert.equal(budget.usedBytes, 40);
  assert.equal(a.cover(10), false, 'a released hold takes nothing more');
  b.release();
  assert.equal(budget.usedBytes, 0);
});

test('the refusal is a 503 server_overloaded that asks to close the connection (Connection: close)', () => {
  const e = overloadedError();
  assert.equal(e.status, 503);
  assert.equal(e.error.code, 'server_overloaded');
  assert.equal(e.headers['connection'], 'close');
});
