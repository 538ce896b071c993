import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { main } from './main.js';
import type { Output } from './format.js';

function capture(): Output & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l), color: false };
}

const argv = (...args: string[]): string[] => ['node', 'breakerbox', ...args];

test('--version prints the package version and exits 0', async () => {
  const o = capture();
  const pkg = JSON.parse(
    readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
  ) as { version: string };
  assert.equal(await main(argv('--version'), o), 0);
  assert.deepEqual(o.lines, [pkg.version]);
});

test('usage errors exit 2 with a message and a hint', async () => {
  for (const args of [
    ['nope'],
    ['serve'],
    ['sim', '--port', 'x'],
    ['sim', '--seed', '1.5'],
    ['demo', '--duration', '-3'],
    ['demo', '--concurrency', 'many'],
    ['status', '--bogus'],
  ]) {
    const o = capture();
    assert.equal(await main(argv(...args), o), 2, args.join(' '));
    assert.match(o.errors.join('\n'), /error: /, args.join(' '));
  }
});

test('the demo checks its bounds before starting anything', async () => {
  const o = capture();
  assert.equal(await main(argv('demo', '--duration', '4'), o), 2);
  assert.match(o.errors.join('\n'), /--duration must be a number of seconds from 5 to 3600/);
  const c = capture();
  assert.equal(await main(argv('demo', '--concurrency', '0'), c), 2);
  assert.match(c.errors.join('\n'), /--concurrency must be an integer from 1 to 256/);
});
