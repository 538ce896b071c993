// `adopt`: a breaker taking over a state decided elsewhere (another replica of a fleet).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../fake-clock.js';
import { SUCCESS, failure } from '../outcome.js';
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

test('adopting operator states: forced-open rejects, disabled admits, metrics-only keeps its window', () => {
  const { breaker } = setup();
  breaker.adopt({ state: 'forced-open', reason: 'forced', openUntilMs: 0, consecutiveOpens: 0 });
  assert.ok(!breaker.acquire().admitted);
  breaker.adopt({ state: 'disabled', reason: 'disabled', openUntilMs: 0, consecutiveOpens: 0 });
  const p = breaker.acquire();
  assert.ok(p.admitted);
  breaker.record(p, SUCCESS);
  breaker.adopt({
    state: 'metrics-only',
    reason: 'metrics_only',
    openUntilMs: 0,
    consecutiveOpens: 0,
  });
  assert.equal(breaker.state, 'metrics-only');
  assert.ok(breaker.acquire().admitted);
});
