import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BudgetExceededError, FakeClock, RateLimitedError } from '../core/index.js';
import { ClientLimits } from './client-limits.js';

const id = (name: string, rpm?: number, budgetUsdPerDay?: number) => ({
  name,
  rpm,
  budgetUsdPerDay,
});

test('rpm per key: a burst of rpm, then 429 with retryAfterMs, refilled by the clock', () => {
  const clock = new FakeClock();
  const a = id('a', 2);
  const limits = new ClientLimits({
    identities: [a, id('b', 2)],
    ledger: { spentTodayByKey: () => 0 },
    clock,
  });
  limits.admit(a);
  limits.admit(a);
  assert.throws(
    () => {
      limits.admit(a);
    },
    (e: unknown) =>
      e instanceof RateLimitedError && e.retryAfterMs === 30_000 && !e.message.includes('sk-'),
  );
  limits.admit(id('b', 2));
  clock.advance(30_000);
  limits.admit(a);
});

test('a key without rpm is never rate limited', () => {
  const limits = new ClientLimits({
    identities: [id('free')],
    ledger: { spentTodayByKey: () => 0 },
  });
  for (let i = 0; i < 1000; i++) limits.admit(id('free'));
});

test('daily budget per key from the ledger', () => {
  const spent = new Map([['team', 5]]);
  const limits = new ClientLimits({
    identities: [id('team', undefined, 5), id('other', undefined, 5)],
    ledger: { spentTodayByKey: (n) => spent.get(n) ?? 0 },
  });
  assert.throws(() => {
    limits.admit(id('team', undefined, 5));
  }, BudgetExceededError);
  limits.admit(id('other', undefined, 5));
  spent.set('team', 4.99);
  limits.admit(id('team', undefined, 5));
});
