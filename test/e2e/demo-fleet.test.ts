// `breakerbox demo --fleet 2` as a user runs it: two gateways sharing the Redis on 127.0.0.1.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { before, test } from 'node:test';
import { requireRedis } from '../support/fleet.js';

const BIN = fileURLToPath(new URL('../../../bin/breakerbox.js', import.meta.url));

before(() => requireRedis());

test('demo --fleet 2 passes and reports the second gateway following the first trip', async () => {
  const child = spawn(
    process.execPath,
    [BIN, 'demo', '--duration', '6', '--no-live', '--fleet', '2'],
    {
      env: { ...process.env, NO_COLOR: '1' },
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  assert.equal(code, 0, out);
  assert.match(out, /2 gateways sharing breaker state through Redis/);
  assert.match(out, /PASS: success rate/);
  assert.match(
    out,
    /the fleet:\n {2}sim\/gpt-4\.1 opened on [ab] at [\d.]+ s \([a-z_]+\); [ab] \+\d+ ms/,
  );
});

test('demo --fleet 9 is refused with the allowed range', async () => {
  const child = spawn(process.execPath, [BIN, 'demo', '--fleet', '9', '--no-live'], {
    env: { ...process.env, NO_COLOR: '1' },
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 2);
  assert.match(err, /--fleet must be an integer from 2 to 5/);
});
