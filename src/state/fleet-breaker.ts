/**
 * One deployment's breaker in a fleet: the local {@link CircuitBreaker} decides every call (a
 * closed breaker never waits for Redis), and the fleet's view in Redis decides the transitions
 * that matter to every replica — who opens, who probes, who closes.
 */
import type {
  AcquireResult,
  AdoptedState,
  CircuitBreaker,
  FailureKind,
  Outcome,
  Permit,
} from '../core/index.js';

/** The breaker's fleet state as a script or a pub/sub message gives it. */
export interface FleetView {
  readonly state: string;
  readonly generation: number;
  /** Epoch ms (Redis time): end of the open period, or of the half-open probe lease. */
  readonly untilMs: number;
  readonly opens: number;
  readonly reason: string;
  /** Replica holding the probe lease ('' when none). */
  readonly holder: string;
  /** Redis time when the view was read or published. */
  readonly nowMs: number;
}

/** What a {@link FleetBreaker} needs from the store that owns it. */
export interface FleetLink {
  readonly replicaId: string;
  /** True while Redis answers: otherwise every breaker runs on its own. */
  shared(): boolean;
  /** Monotonic ms on the engine's clock. */
  nowMs(): number;
  /** Asks the fleet for the probe lease (at most one request in flight per breaker). */
  claim(breaker: FleetBreaker): void;
  /** Runs `fn` with this store's transition listener muted (an adopted state is not news). */
  adopting(fn: () => void): void;
}

/** Failures where the provider never answered: they may be this replica's own network. */
const UNANSWERED: ReadonlySet<FailureKind> = new Set<FailureKind>(['network', 'connect_timeout']);

/** A refusal while the probe lease is being asked for (about one Redis round trip). */
const CLAIMING: AcquireResult = Object.freeze({
  admitted: false as const,
  retryAfterMs: 1,
  state: 'open' as const,
});

/** Structurally the router's breaker: what a deployment calls instead of its local breaker. */
export class FleetBreaker {
  readonly name: string;
  readonly local: CircuitBreaker;
  readonly #link: FleetLink;
  /** The newest fleet generation this breaker has taken over. */
  generation = 0;
  /** A claim for the probe lease is in flight. */
  claiming = false;
  /** Failures since the last transition that the provider answered (a status, a cut stream...). */
  answered = 0;
  /** Why the local breaker last opened, and whether the provider answered any of those failures. */
  tripReason = 'consecutive_failures';
  tripAnswered = true;
  /**
   * Outcomes not yet sent to the fleet's counts: successes, answered failures, and answered
   * failures since the last success. Unanswered failures stay local (they may be this replica's
   * own network).
   */
  unsentSuccesses = 0;
  unsentFailures = 0;
  unsentTrailing = 0;
  /** The pending close came from probes sent while Redis was unreachable (no lease held). */
  closedAlone = false;
  /** A local transition Redis has not acknowledged yet (sent again by the next sync). */
  pending: 'trip' | 'close' | 'operate' | null = null;

  constructor(name: string, local: CircuitBreaker, link: FleetLink) {
    this.name = name;
    this.local = local;
    this.#link = link;
  }

  acquire(): AcquireResult {
    const local = this.local;
    // Every state but a due `open` decides locally; a due open asks the fleet who probes.
    if (local.state !== 'open' || !this.#link.shared() || local.msUntilAdmission() > 0) {
      return local.acquire();
    }
    this.#link.claim(this);
    return CLAIMING;
  }

  record(permit: Permit, outcome: Outcome): void {
    // A call admitted before the last transition counts for nothing, here as in the local breaker
    // (it would otherwise count in the fleet's next closed period).
    if (permit.generation !== this.local.generation) {
      // Stale: the local breaker ignores it.
    } else if (outcome.type === 'success') {
      this.unsentSuccesses++;
      this.unsentTrailing = 0;
    } else if (outcome.type === 'failure' && !UNANSWERED.has(outcome.kind)) {
      this.answered++;
      this.unsentFailures++;
      this.unsentTrailing++;
    }
    this.local.record(permit, outcome);
  }

  /** A transition (local or adopted) starts a new period: what was counted before is dropped. */
  newPeriod(): void {
    this.answered = 0;
    this.unsentSuccesses = 0;
    this.unsentFailures = 0;
    this.unsentTrailing = 0;
  }

  /** True when outcomes are waiting to be sent. */
  get hasUnsent(): boolean {
    return this.unsentSuccesses + this.unsentFailures > 0;
  }

  msUntilAdmission(): number {
    return this.local.msUntilAdmission();
  }

  /**
   * Takes over the fleet's view when it is newer than what this breaker has. `force` accepts a
   * view that is not newer (the answer to this replica's own command is the state right now).
   */
  apply(view: FleetView, force: boolean): void {
    const newer = view.generation > this.generation;
    if (!force && !newer) return;
    if (newer) this.generation = view.generation;
    // A reset elsewhere in the fleet while this breaker is closed: reset it too (adopting closed
    // over closed would keep its failure counts, and the permits of the period before). Not the
    // echo of this replica's own reset, which is waiting for its answer.
    if (
      newer &&
      view.state === 'closed' &&
      view.reason === 'reset' &&
      this.local.state === 'closed' &&
      this.pending !== 'operate'
    ) {
      this.#link.adopting(() => {
        this.local.reset();
      });
      this.newPeriod();
      return;
    }
    const target = this.#target(view);
    if (target === null) return;
    this.#link.adopting(() => {
      if (this.local.adopt(target)) this.newPeriod();
    });
  }

  #target(view: FleetView): AdoptedState | null {
    const now = this.#link.nowMs();
    const reason = (view.reason === '' ? 'reset' : view.reason) as AdoptedState['reason'];
    const until = now + Math.max(0, view.untilMs - view.nowMs);
    switch (view.state) {
      case 'closed':
        return { state: 'closed', reason, openUntilMs: 0, consecutiveOpens: 0 };
      case 'open':
        return { state: 'open', reason, openUntilMs: until, consecutiveOpens: view.opens };
      case 'half-open':
        // The holder probes; everyone else waits for its verdict (or for its lease to lapse),
        // asking again every `openMs` at most. Never up to the lease's end at once: an adopted
        // open deadline only ever grows, so a later, shorter open period (the holder's probe
        // failed, then the holder died) would otherwise go unseen until the lease lapsed.
        return view.holder === this.#link.replicaId
          ? { state: 'half-open', reason, openUntilMs: 0, consecutiveOpens: view.opens }
          : {
              state: 'open',
              reason,
              openUntilMs: Math.min(until, now + this.local.config.openMs),
              consecutiveOpens: view.opens,
            };
      case 'forced-open':
      case 'disabled':
      case 'metrics-only':
        return { state: view.state, reason, openUntilMs: 0, consecutiveOpens: 0 };
      default:
        return null;
    }
  }
}
