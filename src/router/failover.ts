import {
  AllCandidatesFailedError,
  CancelledError,
  DeadlineExceededError,
  UpstreamRejectedError,
} from '../core/index.js';
import type { Clock, Outcome } from '../core/index.js';
import type { UpstreamResult } from '../upstream/index.js';
import { admit, settleGrants } from './admission.js';
import type { Admitted, Skipped } from './admission.js';
import type {
  AdmissionGranted,
  Attempt,
  Candidate,
  Deployment,
  ModelRoute,
  RouterPermit,
} from './types.js';

/** The request's one deadline, covering every attempt, wait and fallback. */
export interface RouterDeadline {
  /** Absolute, on the router's clock. */
  readonly atMs: number;
  /** The total budget in ms (for error messages). */
  readonly budgetMs: number;
  remainingMs(): number;
  /** Aborts when the deadline passes or the caller cancels. */
  readonly signal: AbortSignal;
}

/** How many retries a request may still make, and when. */
export interface RetryControl {
  /** Extra upstream calls allowed beyond one per candidate. */
  readonly attempts: number;
  /** Draws one retry from the shared retry budget; false when retries are spent. */
  tryRetry(): boolean;
  /** Backoff before retry number `n` (1-based), in ms. */
  backoffMs(n: number): number;
}

/** What one upstream call returned, with a success carrying whatever the route produces. */
export type CallResult<T> =
  | { readonly type: 'success'; readonly value: T; readonly durationMs: number }
  | Exclude<UpstreamResult, { type: 'success' }>;

/** Everything one failover run needs. */
export interface FailoverRequest<T> {
  readonly model: ModelRoute;
  readonly plan: readonly Candidate[];
  /** Used instead of the rest of the plan when a candidate says the request is too long. */
  readonly contextPlan: readonly Candidate[];
  readonly clock: Clock;
  readonly callerSignal: AbortSignal | undefined;
  readonly deadline: RouterDeadline;
  readonly estimatedTokens: number;
  readonly retry: RetryControl;
  readonly call: (deployment: Deployment, signal: AbortSignal) => Promise<CallResult<T>>;
  readonly onAttempt?: (attempt: Attempt) => void;
}

/**
 * The winning call. Its breaker permit is still held and its grants unsettled: the caller
 * records the outcome (at once for JSON, at the end of the stream for SSE) with {@link settle}.
 */
export interface FailoverSuccess<T> {
  readonly value: T;
  readonly candidate: Candidate;
  readonly permit: RouterPermit;
  readonly grants: readonly AdmissionGranted[];
  readonly attempts: readonly Attempt[];
  /** How many upstream calls were made (skips excluded). */
  readonly calls: number;
}

/** Records the final outcome of a winning call: the breaker, the limits. */
export function settle(
  success: FailoverSuccess<unknown>,
  outcome: Outcome,
  actualTokens: number | undefined,
): void {
  success.candidate.deployment.breaker.record(success.permit, outcome);
  settleGrants(success.grants, actualTokens);
}

/** Failures a retry cannot cure: a wrong key stays wrong; a caller's cancellation is final. */
const NOT_RETRYABLE = new Set(['auth', 'cancelled', 'caller_error', 'context_length']);

/**
 * Runs one request along its plan: each candidate once in order (failing over to a healthy one
 * is preferred to retrying a failing one), then, only when every candidate has been tried,
 * up to `retry.attempts` retries on whichever candidate admits first, each drawn from the retry
 * budget and none past the deadline. A request therefore makes at most
 * `plan.length + contextPlan.length + retry.attempts` upstream calls.
 *
 * @throws CancelledError the caller aborted
 * @throws DeadlineExceededError the deadline passed
 * @throws UpstreamRejectedError the upstream refused the caller's own request (never failed over)
 * @throws AllCandidatesFailedError every candidate was skipped or failed
 */
export async function runFailover<T>(req: FailoverRequest<T>): Promise<FailoverSuccess<T>> {
  const run = new FailoverRun(req);
  return run.execute();
}

class FailoverRun<T> {
  readonly #req: FailoverRequest<T>;
  readonly #attempts: Attempt[] = [];
  #calls = 0;
  #queue: readonly Candidate[];
  #usedContextPlan = false;

  constructor(req: FailoverRequest<T>) {
    this.#req = req;
    this.#queue = req.plan;
  }

  async execute(): Promise<FailoverSuccess<T>> {
    for (let i = 0; i < this.#queue.length; i++) {
      const candidate = this.#queue[i] as Candidate;
      const won = await this.#tryCandidate(candidate);
      if (won) return won;
      if (this.#switchedToContextPlan()) i = -1;
    }
    const retried = await this.#retryPhase();
    if (retried) return retried;
    throw new AllCandidatesFailedError(this.#req.model.name, this.#attempts, this.#earliestMs());
  }

  /** After a context-length refusal the rest of the plan is replaced by the context chain. */
  #switchedToContextPlan(): boolean {
    if (this.#pendingContextSwitch) {
      this.#pendingContextSwitch = false;
      this.#queue = this.#req.contextPlan;
      return true;
    }
    return false;
  }
  #pendingContextSwitch = false;

  async #tryCandidate(candidate: Candidate): Promise<FailoverSuccess<T> | undefined> {
    this.#checkAlive();
    const d = candidate.deployment;
    const admission = admit(d, this.#req.estimatedTokens);
    if (!admission.admitted) {
      this.#skip(candidate, admission);
      return undefined;
    }
    return this.#call(candidate, admission);
  }

  async #call(candidate: Candidate, admission: Admitted): Promise<FailoverSuccess<T> | undefined> {
    const d = candidate.deployment;
    this.#calls++;
    let result: CallResult<T>;
    try {
      result = await this.#req.call(d, this.#req.deadline.signal);
    } catch (error) {
      // A route's call function must return results; a throw is a bug, but it must not leak
      // the permit or the slot.
      d.breaker.record(admission.permit, { type: 'failure', kind: 'error' });
      settleGrants(admission.grants, undefined);
      throw error;
    }
    switch (result.type) {
      case 'success':
        return {
          value: result.value,
          candidate,
          permit: admission.permit,
          grants: admission.grants,
          attempts: this.#attempts,
          calls: this.#calls,
        };
      case 'failure':
        d.breaker.record(admission.permit, result.outcome);
        settleGrants(admission.grants, undefined);
        this.#record(candidate, 'failed', result.outcome.kind, result.status, result.durationMs);
        return undefined;
      case 'caller_error':
        d.breaker.record(admission.permit, result.outcome);
        settleGrants(admission.grants, undefined);
        this.#record(candidate, 'failed', result.outcome.reason, result.status, result.durationMs);
        if (
          result.outcome.reason === 'context_length' &&
          !this.#usedContextPlan &&
          this.#req.contextPlan.length > 0
        ) {
          this.#usedContextPlan = true;
          this.#pendingContextSwitch = true;
          return undefined;
        }
        throw new UpstreamRejectedError({
          status: result.status,
          body: result.body,
          deploymentId: d.id,
        });
      case 'cancelled':
        d.breaker.record(admission.permit, { type: 'neutral', reason: 'cancelled' });
        settleGrants(admission.grants, undefined);
        this.#checkAlive();
        // The attempt reported a cancellation nobody asked for: treat it as a failed call.
        this.#record(candidate, 'failed', 'cancelled', undefined, result.durationMs);
        return undefined;
    }
  }

  async #retryPhase(): Promise<FailoverSuccess<T> | undefined> {
    const { retry } = this.#req;
    const pool = this.#retryPool();
    for (let n = 1; n <= retry.attempts && pool.length > 0; n++) {
      if (!(await this.#wait(retry.backoffMs(n)))) return undefined;
      const next = await this.#admitSoonest(pool);
      if (!next) return undefined;
      if (!retry.tryRetry()) {
        // Give the permit back untouched: this call is not going to happen.
        next.candidate.deployment.breaker.record(next.admission.permit, {
          type: 'neutral',
          reason: 'cancelled',
        });
        for (const g of next.admission.grants) g.refund();
        this.#record(next.candidate, 'skipped', 'retry_budget_exceeded');
        return undefined;
      }
      const won = await this.#call(next.candidate, next.admission);
      if (won) return won;
    }
    return undefined;
  }

  /**
   * The candidates worth another try, in plan order: those skipped (they may admit after a
   * wait) and those whose failure a retry could cure (not `auth`).
   */
  #retryPool(): Candidate[] {
    return this.#queue.filter((c) => {
      const last = this.#lastAttempt(c.deployment.id);
      return last !== undefined && (last.result === 'skipped' || !NOT_RETRYABLE.has(last.reason));
    });
  }

  /**
   * Tries the pool in order; when none admits, waits for the soonest one (if that fits in the
   * deadline) and tries again. Never sleeps past the deadline.
   */
  async #admitSoonest(
    pool: readonly Candidate[],
  ): Promise<{ candidate: Candidate; admission: Admitted } | undefined> {
    for (let round = 0; round < 3; round++) {
      let soonestMs = Infinity;
      for (const candidate of pool) {
        const admission = admit(candidate.deployment, this.#req.estimatedTokens);
        if (admission.admitted) return { candidate, admission };
        soonestMs = Math.min(soonestMs, admission.retryAfterMs);
      }
      if (!(await this.#wait(Math.max(1, soonestMs)))) return undefined;
    }
    return undefined;
  }

  /**
   * Sleeps `ms` unless that would pass the deadline: then returns false at once, so the request
   * ends now with every attempt listed rather than sleeping into a timeout.
   * @throws CancelledError the caller aborted during the sleep
   */
  async #wait(ms: number): Promise<boolean> {
    if (ms <= 0) return true;
    if (ms >= this.#req.deadline.remainingMs()) return false;
    try {
      await this.#req.clock.sleep(ms, this.#req.deadline.signal);
    } catch {
      this.#checkAlive();
    }
    return true;
  }

  #checkAlive(): void {
    if (this.#req.callerSignal?.aborted) throw new CancelledError();
    if (this.#req.deadline.signal.aborted || this.#req.deadline.remainingMs() <= 0) {
      throw new DeadlineExceededError(this.#req.deadline.budgetMs);
    }
  }

  #skip(candidate: Candidate, skipped: Skipped): void {
    this.#record(candidate, 'skipped', skipped.reason, undefined, undefined, skipped.retryAfterMs);
  }

  #record(
    candidate: Candidate,
    result: Attempt['result'],
    reason: string,
    status?: number,
    durationMs?: number,
    retryAfterMs?: number,
  ): void {
    const attempt: Attempt = {
      deployment: candidate.deployment.id,
      model: candidate.deployment.model,
      result,
      reason,
      ...(status !== undefined && { status }),
      ...(durationMs !== undefined && { durationMs }),
      ...(retryAfterMs !== undefined && { retryAfterMs }),
    };
    this.#attempts.push(attempt);
    this.#req.onAttempt?.(attempt);
  }

  #lastAttempt(deploymentId: string): Attempt | undefined {
    for (let i = this.#attempts.length - 1; i >= 0; i--) {
      const a = this.#attempts[i] as Attempt;
      if (a.deployment === deploymentId) return a;
    }
    return undefined;
  }

  /** The earliest time any candidate can be admitted, from what the breakers told us. */
  #earliestMs(): number | undefined {
    let earliest: number | undefined;
    for (const c of this.#queue) {
      const ms = c.deployment.breaker.msUntilAdmission();
      if (earliest === undefined || ms < earliest) earliest = ms;
    }
    return earliest;
  }
}
