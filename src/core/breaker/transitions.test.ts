import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SUCCESS, failure } from '../outcome.js';
import type { Outcome } from '../outcome.js';
import { resolveBreakerConfig } from './config.js';
import type { BreakerState, PermitStamp } from './state.js';
import {
  advanceTime,
  applyOperator,
  createBreakerState,
  recordOutcome,
  retryAfterMsAt,
  takePermit,
} from './transitions.js';

const config = resolveBreakerConfig({ trip: { consecutive: 2 }, openMs: 100, jitterRatio: 0.5 });
const half = () => 0.5;

function acquire(state: BreakerState, nowMs: number): PermitStamp | null {
  advanceTime(state, config, nowMs);
  const probeId = takePermit(state, config, nowMs);
  return probeId < 0 ? null : { generation: state.generation, acquiredAtMs: nowMs, probeId };
}

function record(state: BreakerState, permit: PermitStamp, outcome: Outcome, nowMs: number) {
  return recordOutcome(state, config, { permit, outcome, random: half }, nowMs);
}

test('the table is a pure function of its inputs: same script, same states', () => {
  const run = () => {
    const s = createBreakerState();
    const trace: unknown[] = [];
    for (let t = 0; t < 2_000; t += 7) {
      const p = acquire(s, t);
      if (p !== null) {
        const outcome = t % 3 === 0 ? SUCCESS : failure('server_error', { retryAfterMs: t % 50 });
        trace.push(record(s, p, outcome, t + 3));
      }
      trace.push(s.state, s.generation, s.openUntilMs, retryAfterMsAt(s, config, t));
    }
    return trace;
  };
  assert.deepEqual(run(), run());
});

test('the open period uses the random draw passed in, and only when opening', () => {
  const s = createBreakerState();
  let draws = 0;
  const random = () => {
    draws++;
    return 0.5;
  };
  const p = acquire(s, 0) as PermitStamp;
  recordOutcome(s, config, { permit: p, outcome: SUCCESS, random }, 0);
  recordOutcome(s, config, { permit: p, outcome: failure('network'), random }, 0);
  assert.equal(draws, 0);
  const t = recordOutcome(s, config, { permit: p, outcome: failure('network'), random }, 10);
  assert.deepEqual(t, {
    from: 'closed',
    to: 'open',
    reason: 'consecutive_failures',
    shadow: false,
  });
  assert.equal(draws, 1);
  assert.equal(s.openUntilMs, 10 + 100 * 1.25); // 1 + jitterRatio 0.5 × draw 0.5
});

test('a permit claiming the current generation of an open breaker changes nothing', () => {
  const s = createBreakerState();
  const p = acquire(s, 0) as PermitStamp;
  record(s, p, failure('network'), 0);
  record(s, p, failure('network'), 0);
  assert.equal(s.state, 'open');
  const forged = { generation: s.generation, acquiredAtMs: 0, probeId: 0 };
  assert.equal(record(s, forged, SUCCESS, 1), null);
  assert.equal(s.state, 'open');
  assert.equal(s.totalStale, 1);
  applyOperator(s, 'forced-open');
  assert.equal(record(s, { ...forged, generation: s.generation }, SUCCESS, 1), null);
  assert.equal(s.totalStale, 2);
});

test('a hand-built half-open state without slot bookkeeping still admits and counts safely', () => {
  const s: BreakerState = { ...createBreakerState(), state: 'half-open', generation: 7 };
  const unknown = { generation: 7, acquiredAtMs: 0, probeId: 3 };
  assert.equal(record(s, unknown, SUCCESS, 0), null);
  assert.equal(s.totalStale, 1);
  assert.equal(retryAfterMsAt(s, config, 0), 0);
  const probe = acquire(s, 0) as PermitStamp;
  assert.equal(probe.probeId, 1);
  assert.equal(retryAfterMsAt(s, config, 0), 60_000);
});
