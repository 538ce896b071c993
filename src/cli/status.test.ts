import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gatewayBase, renderCircuits, renderFleet } from './status.js';
import type { CircuitView } from './status.js';

const totals = { calls: 10, successes: 4, failures: 6, rejections: 3 };

test('gatewayBase drops trailing slashes and /v1', () => {
  assert.equal(gatewayBase('http://127.0.0.1:8787/v1/'), 'http://127.0.0.1:8787');
  assert.equal(gatewayBase('http://127.0.0.1:8787'), 'http://127.0.0.1:8787');
});

test('circuits: state, counts, retry-after, next probe timed on the gateway clock', () => {
  const circuits: CircuitView[] = [
    {
      name: 'openai/gpt-4.1',
      model: 'gpt-4.1',
      state: 'closed',
      consecutiveFailures: 1,
      retryAfterMs: 0,
      nextProbeAtEpochMs: null,
      totals,
      atEpochMs: 1000,
      window: null,
    },
    {
      name: 'azure/gpt-4o-2024',
      model: 'gpt-4o',
      state: 'open',
      consecutiveFailures: 5,
      retryAfterMs: 2500,
      nextProbeAtEpochMs: 3500,
      totals,
      atEpochMs: 1000,
      window: null,
    },
    { name: 'x/y', state: 'forced-open', retryAfterMs: 2 ** 31 - 1, totals },
  ];
  // The local clock is far off: the probe is still 2.5 s after the snapshot.
  const text = renderCircuits(circuits, 9_999_999, false);
  assert.match(text, /openai\/gpt-4\.1 +│ closed +│ +10 │ +6 │ +1 │ +3 │ +- │ +- │/);
  assert.match(text, /azure\/gpt-4o-2024 \(gpt-4o\) │ open +│.* 2\.5 s │ +in 2\.5 s │/);
  assert.match(text, /x\/y .*forced-open .* until reset │/);
  assert.doesNotMatch(text, /window/, 'no rate trips, no window column');
});

test('the window column appears when a circuit trips on a failure rate', () => {
  const circuits: CircuitView[] = [
    {
      name: 'a/b',
      model: 'b',
      state: 'closed',
      totals,
      window: { calls: 20, failures: 5, failureRate: 0.25 },
    },
  ];
  const text = renderCircuits(circuits, 0, false);
  assert.match(text, /window failures/);
  assert.match(text, /25% of 20/);
});

test('renderFleet says whether the replica is in step and lists every replica', () => {
  const shared = renderFleet(
    {
      replicaId: 'a',
      mode: 'shared',
      fleet: [
        { replicaId: 'a', lastSeenMsAgo: 120, inStep: true },
        { replicaId: 'b', lastSeenMsAgo: 12_000, inStep: false },
      ],
    },
    false,
  );
  assert.match(shared, /a is in step with Redis/);
  assert.match(shared, /a \(this one\) +│ +120 ms ago │ yes/);
  assert.match(shared, /b +│ +12\.0 s ago │ no/);
  const alone = renderFleet(
    { replicaId: 'a', mode: 'local', reason: 'connect ECONNREFUSED' },
    false,
  );
  assert.match(alone, /a runs alone.*ECONNREFUSED/);
});
