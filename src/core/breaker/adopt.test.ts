// `adopt`: a breaker taking over a state decided elsewhere (another replica of a fleet).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../fake-clock.js';
import { SUCCESS, failure } from '../outcome.js';
import type { Outcome } from '../outcome.js';
import { CircuitBreaker } from './circuit-breaker.js';
import type { TransitionEvent } from './state.js';

function setup(): { clock: FakeClock; breaker: CircuitBreaker; events: TransitionEvent[] } {
  const clock = new FakeClock();
  const breaker = new CircuitBreaker(
    {
      trip: { consecutive: 2 },
      openMs: 1000,
      jitterRatio: 0,
      halfOpen: { probes: 1, successes: 1 },
    },
    { clock, name: 'p/m' },
  );
  const events: TransitionEvent[] = [];
  breaker.onTransition((e) => events.push(e));
  return { clock, breaker, events };
}

test('adopting open: rejects until the given deadline, then probes, with the reason given', () => {
  const { clock, breaker, events } = setup();
  const permit = breaker.acquire();
  assert.ok(permit.admitted);
  assert.equal(
    breaker.adopt({ state: 'open', reason: 'failure_rate', openUntilMs: 500, consecutiveOpens: 2 }),
    true,
  );
  assert.deepEqual(
    events.map((e) => [e.from, e.to, e.reason]),
    [['closed', 'open', 'failure_rate']],
  );
  // A permit from before the adoption changes nothing.
  breaker.record(permit, failure('server_error'));
  assert.equal(breaker.snapshot().totals.stale, 1);
  const refused = breaker.acquire();
  assert.ok(!refused.admitted);
  assert.equal(refused.retryAfterMs, 500);
  clock.advance(500);
  const probe = breaker.acquire();
  assert.ok(probe.admitted && probe.isProbe);
  // The fleet's count of opens drives the next backoff: 1000 × 2^(3−1) after a failed probe.
  breaker.record(probe, failure('server_error'));
  assert.equal(breaker.msUntilAdmission(), 4000);
});

test('adopting open when already open only ever extends the deadline, silently', () => {
  const { clock, breaker, events } = setup();
  breaker.adopt({
    state: 'open',
    reason: 'consecutive_failures',
    openUntilMs: 800,
    consecutiveOpens: 1,
  });
  assert.equal(
    breaker.adopt({
      state: 'open',
      reason: 'consecutive_failures',
      openUntilMs: 300,
      consecutiveOpens: 1,
    }),
    false,
  );
  assert.equal(breaker.msUntilAdmission(), 800);
  assert.equal(
    breaker.adopt({
      state: 'open',
      reason: 'consecutive_failures',
      openUntilMs: 1200,
      consecutiveOpens: 3,
    }),
    false,
  );
  assert.equal(breaker.msUntilAdmission(), 1200);
  assert.equal(breaker.snapshot().consecutiveOpens, 3);
  assert.equal(events.length, 1);
  clock.advance(1200);
  assert.ok(breaker.acquire().admitted);
});

test('adopting half-open hands out the configured probes; adopting closed clears the backoff', () => {
  const { breaker, events } = setup();
  breaker.adopt({
    state: 'open',
    reason: 'consecutive_failures',
    openUntilMs: 1000,
    consecutiveOpens: 4,
  });
  breaker.adopt({
    state: 'half-open',
    reason: 'open_elapsed',
    openUntilMs: 0,
    consecutiveOpens: 4,
  });
  const probe = breaker.acquire();
  assert.ok(probe.admitted && probe.isProbe);
  assert.ok(!breaker.acquire().admitted, 'one probe at a time');
  assert.equal(
    breaker.adopt({
      state: 'half-open',
      reason: 'open_elapsed',
      openUntilMs: 0,
      consecutiveOpens: 4,
    }),
    false,
  );
  breaker.adopt({
    state: 'closed',
    reason: 'probe_succeeded',
    openUntilMs: 0,
    consecutiveOpens: 0,
  });
  assert.equal(breaker.state, 'closed');
  assert.equal(breaker.snapshot().consecutiveOpens, 0);
  assert.deepEqual(
    events.map((e) => e.to),
    ['open', 'half-open', 'closed'],
  );
  // Trips again from scratch: two failures.
  for (let i = 0; i < 2; i++) {
    const p = breaker.acquire();
    assert.ok(p.admitted);
    breaker.record(p, failure('server_error'));
  }
  assert.equal(breaker.state, 'open');
  assert.equal(breaker.msUntilAdmission(), 1000, 'first open period again');
});

test('adopting operator states: forced-open rejects, disabled admits', () => {
  const { breaker } = setup();
  breaker.adopt({ state: 'forced-open', reason: 'forced', openUntilMs: 0, consecutiveOpens: 0 });
  assert.equal(breaker.state, 'forced-open');
  assert.ok(!breaker.acquire().admitted);
  breaker.adopt({ state: 'disabled', reason: 'disabled', openUntilMs: 0, consecutiveOpens: 0 });
  const p = breaker.acquire();
  assert.ok(p.admitted);
  breaker.record(p, SUCCESS);
});

test('adopting metrics-only keeps the rate window; adopting any other state empties it', () => {
  const clock = new FakeClock();
  const breaker = new CircuitBreaker(
    {
      trip: { rate: { window: { type: 'count', size: 10 }, minCalls: 100, failureRate: 0.5 } },
      openMs: 1000,
      jitterRatio: 0,
    },
    { clock, name: 'p/m' },
  );
  const calls = (): number | undefined => breaker.snapshot().window?.calls;
  const call = (outcome: Outcome): void => {
    const permit = breaker.acquire();
    assert.ok(permit.admitted);
    breaker.record(permit, outcome);
  };
  for (const outcome of [SUCCESS, failure('server_error'), SUCCESS]) call(outcome);
  assert.equal(calls(), 3);
  const adopt = (state: 'metrics-only' | 'closed' | 'disabled'): void => {
    const reason = state === 'metrics-only' ? 'metrics_only' : state === 'closed' ? 'reset' : state;
    breaker.adopt({ state, reason, openUntilMs: 0, consecutiveOpens: 0 });
  };
  adopt('metrics-only');
  assert.equal(breaker.state, 'metrics-only');
  assert.equal(calls(), 3, 'metrics-only kept the window');
  call(failure('server_error'));
  assert.equal(calls(), 4, 'and records into it');
  adopt('closed');
  assert.equal(breaker.state, 'closed');
  assert.equal(calls(), 0, 'adopting closed emptied the window');
  adopt('metrics-only');
  call(SUCCESS);
  assert.equal(calls(), 1);
  adopt('disabled');
  assert.equal(breaker.state, 'disabled');
  assert.equal(calls(), 0, 'adopting disabled emptied the window');
});
