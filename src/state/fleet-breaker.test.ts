// A FleetBreaker taking over the fleet's transitions (the Redis side is replaced by a plain link).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitBreaker, FakeClock, SUCCESS, failure } from '../core/index.js';
import type { Permit } from '../core/index.js';
import { FleetBreaker } from './fleet-breaker.js';
import type { FleetView } from './fleet-breaker.js';

function setup(): { breaker: FleetBreaker; claims: number[] } {
  const clock = new FakeClock();
  const local = new CircuitBreaker(
    { trip: { consecutive: 2 }, openMs: 1000, jitterRatio: 0 },
    { clock, name: 'p/m' },
  );
  const claims: number[] = [];
  const breaker = new FleetBreaker('p/m', local, {
    replicaId: 'a',
    shared: () => true,
    nowMs: () => clock.now(),
    claim: () => claims.push(clock.now()),
    adopting: (fn) => {
      fn();
    },
  });
  return { breaker, claims };
}

const view = (over: Partial<FleetView>): FleetView => ({
  state: 'closed',
  generation: 10,
  untilMs: 0,
  opens: 0,
  reason: 'reset',
  holder: '',
  nowMs: 5_000,
  ...over,
});

function admit(breaker: FleetBreaker): Permit {
  const permit = breaker.acquire();
  assert.ok(permit.admitted);
  return permit;
}

test('a reset elsewhere in the fleet clears this replica’s failure count', () => {
  const { breaker } = setup();
  breaker.record(admit(breaker), failure('server_error'));
  breaker.apply(view({ generation: 10 }), false);
  breaker.record(admit(breaker), failure('server_error'));
  assert.equal(breaker.local.state, 'closed', 'one failure since the reset: no trip');
  breaker.record(admit(breaker), failure('server_error'));
  assert.equal(breaker.local.state, 'open', 'two since the reset trip it');
});

test('a call admitted before a fleet reset counts for nothing after it, locally or fleet-wide', () => {
  const { breaker } = setup();
  const before = admit(breaker);
  breaker.apply(view({ generation: 10 }), false);
  breaker.record(before, failure('server_error'));
  assert.equal(breaker.hasUnsent, false, 'nothing to send to the fleet counts');
  assert.equal(breaker.local.snapshot().totals.stale, 1);
});

test('outcomes not yet sent are dropped when the fleet moves to a new period', () => {
  const { breaker } = setup();
  breaker.record(admit(breaker), SUCCESS);
  breaker.record(admit(breaker), failure('server_error'));
  assert.equal(breaker.hasUnsent, true);
  breaker.apply(
    view({ state: 'open', generation: 11, untilMs: 6_000, reason: 'failure_rate' }),
    false,
  );
  assert.equal(breaker.local.state, 'open');
  assert.equal(breaker.hasUnsent, false);
  assert.equal(breaker.unsentTrailing, 0);
});

test('the echo of this replica’s own reset does not reset it again', () => {
  const { breaker } = setup();
  breaker.local.reset();
  breaker.pending = 'operate'; // what the store sets while the reset is on its way to Redis
  const permit = admit(breaker);
  const generation = breaker.local.generation;
  breaker.apply(view({ generation: 12 }), true);
  assert.equal(breaker.local.generation, generation, 'no second local transition');
  assert.equal(breaker.generation, 12);
  breaker.record(permit, failure('server_error'));
  assert.equal(breaker.hasUnsent, true, 'the permit admitted after the reset still counts');
});

test('an older fleet view changes nothing; a due open asks the fleet for the probe lease', () => {
  const { breaker, claims } = setup();
  breaker.apply(
    view({ state: 'open', generation: 20, untilMs: 5_500, reason: 'failure_rate' }),
    false,
  );
  breaker.apply(view({ state: 'closed', generation: 19 }), false);
  assert.equal(breaker.local.state, 'open');
  assert.equal(breaker.acquire().admitted, false);
  assert.deepEqual(claims, [], 'not due yet: no claim');
});
