import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Clock } from '../core/clock.js';
import { FakeClock } from '../core/fake-clock.js';
import { CostLedger, DEFAULT_PRICES, costUsd, priceFor } from './index.js';

const close = (actual: number, expected: number): void => {
  assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} != ${expected}`);
};

// 2023-11-14T23:59:00Z: one minute before a UTC midnight.
const BEFORE_MIDNIGHT_MS = Date.UTC(2023, 10, 14, 23, 59, 0);
const MS_PER_DAY = 86_400_000;

test('priceFor and costUsd: USD per 1M tokens; unknown models cost 0 and never throw', () => {
  const price = priceFor('gpt-4.1', DEFAULT_PRICES);
  assert.deepEqual(price, { input: 2, output: 8 });
  close(costUsd({ promptTokens: 1_000_000, completionTokens: 500_000 }, price), 6);
  close(
    costUsd(
      { promptTokens: 1000, completionTokens: 1000 },
      priceFor('deepseek-v3.2', DEFAULT_PRICES),
    ),
    0.0007,
  );
  assert.equal(priceFor('no-such-model', DEFAULT_PRICES), undefined);
  assert.equal(priceFor('constructor', DEFAULT_PRICES), undefined);
  assert.equal(costUsd({ promptTokens: 5, completionTokens: 5 }, undefined), 0);
  assert.equal(costUsd({ promptTokens: -5, completionTokens: Number.NaN }, price), 0);
});

test('cached prompt tokens cost the cached-input price, or the input price when none is set', () => {
  const price = { input: 2, output: 8, cachedInput: 0.5 };
  const usage = { promptTokens: 1_000_000, completionTokens: 0, cachedPromptTokens: 600_000 };
  close(costUsd(usage, price), 0.4 * 2 + 0.6 * 0.5);
  close(costUsd(usage, { input: 2, output: 8 }), 2);
  close(costUsd(usage, { input: 0, output: 0, cachedInput: 0 }), 0);
  // More cached than prompt tokens (a provider bug) caps at the prompt; junk counts as 0.
  close(costUsd({ ...usage, cachedPromptTokens: 5_000_000 }, price), 0.5);
  close(costUsd({ ...usage, cachedPromptTokens: Number.NaN }, price), 2);
});

test('record prices cached tokens for the served and the requested model, and counts them', () => {
  const ledger = new CostLedger({
    clock: new FakeClock(),
    prices: { a: { input: 2, output: 0, cachedInput: 0.5 }, b: { input: 4, output: 0 } },
  });
  const r = ledger.record({
    requestedModel: 'b',
    servedModel: 'a',
    deployment: 'p/a',
    promptTokens: 1_000_000,
    completionTokens: 0,
    cachedPromptTokens: 1_000_000,
  });
  close(r.costUsd, 0.5);
  close(r.costIfRequestedUsd, 4);
  close(ledger.spentToday('a'), 0.5);
  const s = ledger.snapshot();
  assert.equal(s.total.cachedPromptTokens, 1_000_000);
  assert.equal(s.byDeployment['p/a']?.cachedPromptTokens, 1_000_000);
  const uncached = { promptTokens: 10, completionTokens: 10 };
  ledger.record({ requestedModel: 'a', servedModel: 'a', deployment: 'p/a', ...uncached });
  assert.equal(ledger.snapshot().byModel['a']?.cachedPromptTokens, 1_000_000);
});

test('default prices cover the seeded models', () => {
  assert.deepEqual(DEFAULT_PRICES['claude-sonnet-4.5'], { input: 3, output: 15 });
  assert.deepEqual(DEFAULT_PRICES['gemini-2.5-flash'], { input: 0.3, output: 2.5 });
  assert.deepEqual(DEFAULT_PRICES['text-embedding-3-small'], { input: 0.02, output: 0 });
  assert.deepEqual(DEFAULT_PRICES['gpt-4o-mini'], { input: 0.15, output: 0.6 });
  assert.ok(Object.isFrozen(DEFAULT_PRICES));
});

test('record: cost, and what the requested model would have cost (the fallback delta)', () => {
  const ledger = new CostLedger({ clock: new FakeClock() });
  const r = ledger.record({
    requestedModel: 'gpt-4.1',
    servedModel: 'claude-sonnet-4.5',
    deployment: 'holysheep/claude-sonnet-4.5',
    promptTokens: 1_000_000,
    completionTokens: 100_000,
  });
  close(r.costUsd, 3 + 1.5);
  close(r.costIfRequestedUsd, 2 + 0.8);
  assert.equal(r.priced, true);
  assert.equal(r.requestedPriced, true);

  ledger.record({
    requestedModel: 'gpt-4.1',
    servedModel: 'gpt-4.1',
    deployment: 'holysheep/gpt-4.1',
    promptTokens: 500_000,
    completionTokens: 0,
  });
  const s = ledger.snapshot();
  assert.equal(s.total.calls, 2);
  assert.equal(s.total.promptTokens, 1_500_000);
  assert.equal(s.total.completionTokens, 100_000);
  close(s.total.costUsd, 4.5 + 1);
  close(s.total.costIfRequestedUsd, 2.8 + 1);
  close(s.total.fallbackDeltaUsd, 1.7);
  assert.equal(s.byModel['claude-sonnet-4.5']?.calls, 1);
  close(s.byModel['gpt-4.1']?.costUsd ?? -1, 1);
  assert.deepEqual(Object.keys(s.byDeployment).sort(), [
    'holysheep/claude-sonnet-4.5',
    'holysheep/gpt-4.1',
  ]);
});

test('unpriced calls count tokens, cost 0 and are flagged; an unpriced primary hides no delta', () => {
  const ledger = new CostLedger({
    clock: new FakeClock(),
    prices: { cheap: { input: 1, output: 1 } },
  });
  const a = ledger.record({
    requestedModel: 'cheap',
    servedModel: 'mystery',
    deployment: 'p/mystery',
    promptTokens: 10,
    completionTokens: 10,
  });
  assert.deepEqual(a, {
    costUsd: 0,
    costIfRequestedUsd: 0.00002,
    priced: false,
    requestedPriced: true,
  });
  const b = ledger.record({
    requestedModel: 'mystery',
    servedModel: 'cheap',
    deployment: 'p/cheap',
    promptTokens: 1_000_000,
    completionTokens: 0,
  });
  assert.deepEqual(b, { costUsd: 1, costIfRequestedUsd: 1, priced: true, requestedPriced: false });
  const s = ledger.snapshot();
  assert.equal(s.total.unpricedCalls, 1);
  assert.equal(s.byModel['mystery']?.promptTokens, 10);
});

test('the most specific price wins: deployment id, then model, then upstream name', () => {
  const ledger = new CostLedger({
    clock: new FakeClock(),
    prices: {
      'deepseek-v3.2': { input: 1, output: 0 },
      'deepseek/deepseek-chat': { input: 2, output: 0 },
      'upstream-only': { input: 4, output: 0 },
    },
  });
  const tokens = { promptTokens: 1_000_000, completionTokens: 0 };
  const base = { requestedModel: 'deepseek-v3.2', servedModel: 'deepseek-v3.2', ...tokens };
  assert.equal(ledger.record({ ...base, deployment: 'deepseek/deepseek-chat' }).costUsd, 2);
  assert.equal(ledger.record({ ...base, deployment: 'holysheep/deepseek-v3.2' }).costUsd, 1);
  const viaUpstream = { ...base, servedModel: 'alias', deployment: 'x/upstream-only' };
  assert.equal(ledger.record(viaUpstream).costUsd, 4);
});

test('budgets: daily spend per served model rolls over at midnight UTC', () => {
  const clock = new FakeClock(0, BEFORE_MIDNIGHT_MS);
  const ledger = new CostLedger({ clock });
  const call = { requestedModel: 'gpt-4.1', servedModel: 'gpt-4.1', deployment: 'h/gpt-4.1' };
  ledger.record({ ...call, promptTokens: 1_000_000, completionTokens: 0 }); // $2
  close(ledger.spentToday('gpt-4.1'), 2);
  assert.equal(ledger.spentToday('claude-sonnet-4.5'), 0);
  assert.equal(ledger.checkBudget('gpt-4.1', 2.5), 'ok');
  ledger.record({ ...call, promptTokens: 250_000, completionTokens: 0 }); // $0.50
  assert.equal(ledger.checkBudget('gpt-4.1', 2.5), 'exceeded');
  assert.equal(ledger.snapshot().day, '2023-11-14');

  clock.advance(59_999);
  assert.equal(ledger.checkBudget('gpt-4.1', 2.5), 'exceeded');
  clock.advance(1); // 00:00:00.000 UTC
  assert.equal(ledger.spentToday('gpt-4.1'), 0);
  assert.equal(ledger.checkBudget('gpt-4.1', 2.5), 'ok');
  const s = ledger.snapshot();
  assert.equal(s.day, '2023-11-15');
  assert.deepEqual(s.today.byModel, {});
  close(s.byModel['gpt-4.1']?.costUsd ?? -1, 2.5); // lifetime totals survive the rollover
});

test('a wall clock stepped back over midnight does not reset the day', () => {
  let wallMs = BEFORE_MIDNIGHT_MS + 120_000; // 00:01 on the 15th
  const clock: Clock = {
    now: () => 0,
    epochMs: () => wallMs,
    sleep: () => Promise.resolve(),
    setTimer: () => () => undefined,
  };
  const ledger = new CostLedger({ clock });
  const call = { requestedModel: 'm', servedModel: 'gpt-4.1', deployment: 'h/gpt-4.1' };
  ledger.record({ ...call, promptTokens: 1_000_000, completionTokens: 0 });
  wallMs = BEFORE_MIDNIGHT_MS; // NTP steps the clock back to 23:59 on the 14th
  close(ledger.spentToday('gpt-4.1'), 2);
  assert.equal(ledger.snapshot().day, '2023-11-15');
  wallMs = BEFORE_MIDNIGHT_MS + 120_000 + MS_PER_DAY; // 00:01 on the 16th: rolls over
  assert.equal(ledger.spentToday('gpt-4.1'), 0);
});

test('per-key spend and budgets', () => {
  const clock = new FakeClock(0, BEFORE_MIDNIGHT_MS);
  const ledger = new CostLedger({ clock });
  const call = {
    requestedModel: 'gpt-4.1',
    servedModel: 'gpt-4.1',
    deployment: 'h/gpt-4.1',
    promptTokens: 0,
    completionTokens: 1_000_000,
  };
  ledger.record({ ...call, clientKey: 'team-a' });
  ledger.record({ ...call, clientKey: 'team-a' });
  ledger.record({ ...call, clientKey: 'team-b' });
  ledger.record(call);
  close(ledger.spentTodayByKey('team-a'), 16);
  assert.equal(ledger.checkKeyBudget('team-a', 10), 'exceeded');
  assert.equal(ledger.checkKeyBudget('team-b', 10), 'ok');
  assert.equal(ledger.spentTodayByKey('nobody'), 0);
  const s = ledger.snapshot();
  assert.equal(s.byClientKey['team-a']?.calls, 2);
  assert.deepEqual(Object.keys(s.byClientKey).sort(), ['team-a', 'team-b']);
  clock.advance(60_000);
  assert.equal(ledger.checkKeyBudget('team-a', 10), 'ok');
});
