import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FakeClock } from '../fake-clock.js';
import { CANCELLED, SUCCESS, failure } from '../outcome.js';
import type { Outcome } from '../outcome.js';
import { CircuitBreaker } from './circuit-breaker.js';
import type { Permit } from './state.js';

/** A deliberately plain re-statement of the rules, to check the real breaker against. */
class Model {
  state: 'closed' | 'open' | 'half-open' = 'closed';
  generation = 0;
  consecutive = 0;
  opens = 0;
  openUntilMs = 0;
  raFloorMs = -Infinity;
  probes = new Map<number, number>(); // id -> expiresAtMs
  successes = 0;
  seq = 0;

  constructor(
    readonly p: { threshold: number; probes: number; successes: number; jitter: number },
  ) {}

  #enter(state: Model['state']): void {
    this.state = state;
    this.generation++;
    this.probes.clear();
    this.successes = 0;
  }

  #open(nowMs: number): void {
    this.#enter('open');
    this.opens++;
    this.consecutive = 0;
    const base = Math.min(100 * 2 ** (this.opens - 1), 400);
    this.openUntilMs = Math.max(nowMs + base * (1 + 0.1 * this.p.jitter), this.raFloorMs);
  }

  acquire(nowMs: number): { probeId: number; generation: number } | { retryAfterMs: number } {
    if (this.state === 'open' && nowMs >= this.openUntilMs) {
      this.#enter('half-open');
      this.seq = 0;
    }
    if (this.state === 'half-open') {
      for (const [id, exp] of this.probes) if (exp <= nowMs) this.probes.delete(id);
      if (this.probes.size < this.p.probes) {
        this.probes.set(++this.seq, nowMs + 1_000);
        return { probeId: this.seq, generation: this.generation };
      }
      return { retryAfterMs: Math.min(...this.probes.values()) - nowMs };
    }
    if (this.state === 'open') return { retryAfterMs: this.openUntilMs - nowMs };
    return { probeId: 0, generation: this.generation };
  }

  record(permit: Permit, outcome: Outcome, nowMs: number): void {
    const ra = outcome.type === 'failure' ? outcome.retryAfterMs : undefined;
    if (ra !== undefined) this.raFloorMs = Math.max(this.raFloorMs, nowMs + ra);
    if (permit.generation !== this.generation) {
      if (ra !== undefined && this.state === 'open') {
        this.openUntilMs = Math.max(this.openUntilMs, this.raFloorMs);
      }
      return;
    }
    if (this.state === 'half-open') {
      if (!this.probes.delete(permit.probeId) || outcome.type === 'neutral') return;
      if (outcome.type === 'failure') {
        this.#open(nowMs);
        return;
      }
      if (++this.successes >= this.p.successes) {
        this.#enter('closed');
        this.opens = 0;
        this.consecutive = 0;
      }
      return;
    }
    if (outcome.type === 'neutral') return;
    if (outcome.type === 'success') {
      this.consecutive = 0;
      return;
    }
    this.consecutive++;
    if (ra !== undefined || this.consecutive >= this.p.threshold) this.#open(nowMs);
  }
}

type Command =
  | { readonly t: 'acquire' }
  | {
      readonly t: 'record';
      readonly i: number;
      readonly o: 'ok' | 'fail' | 'ra' | 'neutral';
      readonly ra: number;
    }
  | { readonly t: 'advance'; readonly ms: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ t: 'acquire' as const }) },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('record' as const),
      i: fc.nat(20),
      o: fc.constantFrom('ok' as const, 'fail' as const, 'ra' as const, 'neutral' as const),
      // Short ones (inside an open period) as often as long ones (past it).
      ra: fc.oneof(fc.nat(60), fc.nat(1_500)),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('advance' as const), ms: fc.nat(400) }) },
);

function outcomeOf(c: Extract<Command, { t: 'record' }>): Outcome {
  if (c.o === 'ok') return SUCCESS;
  if (c.o === 'neutral') return CANCELLED;
  if (c.o === 'fail') return failure('server_error');
  return failure('rate_limited', { retryAfterMs: c.ra });
}

test('the breaker matches the reference model and keeps its invariants', () => {
  fc.assert(
    fc.property(
      fc.record({
        threshold: fc.integer({ min: 1, max: 4 }),
        probes: fc.integer({ min: 1, max: 3 }),
        successes: fc.integer({ min: 1, max: 3 }),
        jitter: fc.double({ min: 0, max: 0.999, noNaN: true }),
      }),
      fc.array(command, { maxLength: 80 }),
      (p, commands) => {
        const clock = new FakeClock();
        const breaker = new CircuitBreaker(
          {
            trip: { consecutive: p.threshold },
            openMs: 100,
            maxOpenMs: 400,
            halfOpen: { probes: p.probes, successes: p.successes, permitTimeoutMs: 1_000 },
          },
          { clock, random: () => p.jitter },
        );
        const model = new Model(p);
        const out: Permit[] = [];
        let maxRaDeadlineMs = -Infinity;
        for (const c of commands) {
          const now = clock.now();
          if (c.t === 'advance') {
            clock.advance(c.ms);
          } else if (c.t === 'acquire') {
            const expected = model.acquire(now);
            const got = breaker.acquire();
            if (got.admitted) {
              // No call is admitted while open before the deadline: the model must agree.
              assert.ok('probeId' in expected, `admitted, model says ${JSON.stringify(expected)}`);
              assert.equal(got.probeId, expected.probeId);
              assert.equal(got.generation, expected.generation);
              out.push(got);
            } else {
              assert.ok('retryAfterMs' in expected, 'rejected, model admits');
              assert.ok(Math.abs(got.retryAfterMs - expected.retryAfterMs) < 1e-6);
            }
          } else if (out.length > 0) {
            const [permit] = out.splice(c.i % out.length, 1) as [Permit];
            const outcome = outcomeOf(c);
            if (c.o === 'ra') maxRaDeadlineMs = Math.max(maxRaDeadlineMs, now + c.ra);
            model.record(permit, outcome, now);
            breaker.record(permit, outcome);
          }
          const s = breaker.snapshot();
          assert.equal(breaker.state, model.state);
          assert.equal(s.consecutiveFailures, model.consecutive);
          assert.ok(model.consecutive < p.threshold, 'a closed breaker trips at its threshold');
          if (s.state === 'half-open') {
            assert.ok((s.halfOpen?.probesOut ?? 0) <= p.probes, 'too many probes out');
          }
          if (s.state === 'open') {
            // Through epoch ms (~1.7e12) a deadline keeps ~0.2 µs of precision: compare to 1 µs.
            const openUntilMs = (s.openUntilEpochMs ?? 0) - clock.epochMs() + clock.now();
            assert.ok(openUntilMs >= maxRaDeadlineMs - 1e-3, 'open shorter than a Retry-After');
            assert.ok(Math.abs(openUntilMs - model.openUntilMs) < 1e-3);
          }
        }
      },
    ),
    { numRuns: 300 },
  );
});
