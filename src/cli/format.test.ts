import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../core/index.js';
import { bar, duration, paint, percent, reportConfigError, usd } from './format.js';
import type { Output } from './format.js';

test('bar: eighths of a block, a sliver for any positive value, nothing for 0', () => {
  assert.equal(bar(10, 10, 4), '████');
  assert.equal(bar(5, 10, 4), '██');
  assert.equal(bar(1, 10, 4), '▍'); // 3.2 eighths → 3
  assert.equal(bar(0.0001, 10, 4), '▏');
  assert.equal(bar(0, 10, 4), '');
  assert.equal(bar(20, 10, 4), '████', 'clamped to the width');
  assert.equal(bar(1, 0, 4), '', 'no scale, no bar');
});

test('numbers keep their units', () => {
  assert.equal(percent(0.99346), '99.35%');
  assert.equal(percent(null), '-');
  assert.equal(usd(0), '$0');
  assert.equal(usd(0.00123456), '$0.00123');
  assert.equal(usd(12.345), '$12.35');
  assert.equal(duration(850.4), '850 ms');
  assert.equal(duration(2400), '2.4 s');
  assert.equal(duration(185_000), '3 min 5 s');
  assert.equal(duration(null), '-');
});

test('paint adds ANSI codes only when colours are on', () => {
  assert.equal(paint(false, 'red', 'open'), 'open');
  assert.equal(paint(true, 'red', 'open'), '\u001b[31mopen\u001b[39m');
});

test('reportConfigError prints every issue and returns 2; anything else is rethrown', () => {
  const lines: string[] = [];
  const output: Output = { out: () => undefined, err: (l) => lines.push(l), color: false };
  const error = new ConfigError(
    [
      { path: 'models.a.fallbacks[0]', message: 'unknown model "b"', line: 4 },
      { path: 'breaker.opneMs', message: 'unknown key "opneMs"', line: 9 },
    ],
    'x.yaml',
  );
  assert.equal(reportConfigError(error, output), 2);
  assert.match(lines.join('\n'), /x\.yaml:4: models\.a\.fallbacks\[0\]: unknown model "b"/);
  assert.match(lines.join('\n'), /x\.yaml:9: breaker\.opneMs/);
  assert.throws(() => reportConfigError(new TypeError('boom'), output), TypeError);
});
