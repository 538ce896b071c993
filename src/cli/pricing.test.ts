import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_PRICES } from '../cost/index.js';
import { priceRows, renderPriceTable } from './pricing.js';

test('rows: dearest output first, ties by name, configured prices marked', () => {
  const rows = priceRows(
    { ...DEFAULT_PRICES, 'my-model': { input: 1, output: 8 } },
    new Set(['my-model']),
  );
  assert.deepEqual(
    rows.slice(0, 3).map((r) => [r.model, r.source]),
    [
      ['claude-sonnet-4.5', 'built-in'],
      ['gpt-4.1', 'built-in'],
      ['my-model', 'config'],
    ],
  );
  assert.equal(rows.at(-1)?.model, 'text-embedding-3-small');
});

test('rows carry a cached-input price only where one is set', () => {
  const rows = priceRows(
    { a: { input: 2, output: 8, cachedInput: 0.5 }, b: { input: 1, output: 1 } },
    new Set(),
  );
  assert.equal(rows[0]?.cachedInputUsdPerMTok, 0.5);
  assert.ok(!('cachedInputUsdPerMTok' in (rows[1] ?? {})));
});

test('the table shows bars relative to the dearest and multiples of the cheapest', () => {
  const text = renderPriceTable(
    priceRows(
      { a: { input: 1, output: 10 }, b: { input: 1, output: 5 }, free: { input: 0, output: 0 } },
      new Set(),
    ),
    false,
  );
  assert.match(text, /│ a +│ +1\.00 │ +10\.00 │ █{24} │ +2\.0x │/);
  assert.match(text, /│ b +│ +1\.00 │ +5\.00 │ █{12} +│ +1\.0x │/);
  assert.match(text, /│ free +│ +0\.00 │ +0\.00 │ +│ +- │/);
});
