import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimValidationError, parseFaults, parseScenario } from './validate.js';

function problem(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof SimValidationError);
    return error.message;
  }
  assert.fail('expected a SimValidationError');
}

test('parseScenario names the exact path of the first problem', () => {
  const step = { atMs: 0, model: 'm', faults: null };
  const cases: [unknown, string][] = [
    [null, 'scenario: must be an object with steps'],
    [{ steps: 1 }, 'steps: must be an array'],
    [
      { steps: [step, step, { ...step, atMs: -5 }] },
      'steps[2].atMs: must be a non-negative number',
    ],
    [{ steps: [{ ...step, atMs: '10' }] }, 'steps[0].atMs: must be a non-negative number'],
    [{ steps: [{ ...step, model: 3 }] }, 'steps[0].model: must be a non-empty string'],
    [
      { steps: [{ atMs: 0, model: 'm' }] },
      'steps[0].faults: must be an object or null (null clears)',
    ],
    [
      { steps: [{ ...step, faults: { hangRate: 1.5 } }] },
      'steps[0].faults.hangRate: must be a number from 0 to 1',
    ],
    [{ steps: [], extra: 1 }, 'scenario.extra: unknown field (expected steps)'],
  ];
  for (const [json, message] of cases)
    assert.equal(
      problem(() => parseScenario(json)),
      message,
    );
});

test('parseFaults checks each field and rejects unknown ones', () => {
  const cases: [unknown, string][] = [
    [[], 'faults: must be an object'],
    [{ errorStatus: 200 }, 'faults.errorStatus: must be an HTTP error status from 400 to 599'],
    [{ latencyMs: { minMs: 50, maxMs: 10 } }, 'faults.latencyMs.maxMs: must be >= minMs'],
    [{ latencyMs: -1 }, 'faults.latencyMs: must be a non-negative number'],
    [{ rateLimit: { rate: 2 } }, 'faults.rateLimit.rate: must be a number from 0 to 1'],
    [
      { rateLimit: { retryAfter: 2 } },
      'faults.rateLimit.retryAfter: unknown field (expected rate, retryAfterS, retryAfterMs)',
    ],
    [{ streamCutAfterChunks: 1.5 }, 'faults.streamCutAfterChunks: must be a non-negative integer'],
    [{ down: 'yes' }, 'faults.down: must be true or false'],
  ];
  for (const [json, message] of cases)
    assert.equal(
      problem(() => parseFaults(json)),
      message,
    );
  assert.match(
    problem(() => parseFaults({ errorrate: 1 })),
    /^faults\.errorrate: unknown field/,
  );
});

test('parsers return copies with every valid field', () => {
  const input = {
    errorRate: 0.25,
    errorStatus: 529,
    latencyMs: { minMs: 1, maxMs: 2 },
    rateLimit: { rate: 0.5, retryAfterS: 1, retryAfterMs: 900 },
    down: false,
    streamStallAfterChunks: 0,
  };
  const parsed = parseFaults(input);
  assert.deepEqual(parsed, input);
  input.errorRate = 1;
  assert.equal(parsed.errorRate, 0.25);
  const scenario = parseScenario({ steps: [{ atMs: 5, model: 'm', faults: { down: true } }] });
  assert.deepEqual(scenario, { steps: [{ atMs: 5, model: 'm', faults: { down: true } }] });
});
