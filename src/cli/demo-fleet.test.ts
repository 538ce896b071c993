import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fleetLines } from './demo-fleet.js';
import type { ReplicaTransition } from './demo-fleet.js';

const open = (replica: string, atMs: number): ReplicaTransition => ({
  replica,
  deployment: 'sim/gpt-4.1',
  to: 'open',
  reason: 'consecutive_failures',
  atMs,
});

test('fleetLines: each fleet trip with the time every other replica followed', () => {
  const lines = fleetLines(
    [open('b', 5012), open('a', 5000), open('c', 5030), open('a', 9000), open('c', 9004)],
    'sim/gpt-4.1',
    ['a', 'b', 'c'],
  );
  assert.deepEqual(lines, [
    '  sim/gpt-4.1 opened on a at 5.0 s (consecutive_failures); b +12 ms, c +30 ms',
    '  sim/gpt-4.1 opened on a at 9.0 s (consecutive_failures); b did not follow, c +4 ms',
  ]);
});

test('fleetLines: a deployment that never opened says so', () => {
  assert.deepEqual(fleetLines([], 'sim/gpt-4.1', ['a', 'b']), ['  sim/gpt-4.1 never opened']);
});
