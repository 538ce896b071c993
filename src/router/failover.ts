import {
  AllCandidatesFailedError,
  CancelledError,
  DeadlineExceededError,
  UpstreamRejectedError,
} from '../core/index.js';
import type { Clock, FailureKind, Outcome } from '../core/index.js';
import type { UpstreamResult } from '../upstream/index.js';
import { admit, settleGrants } from './admission.js';
import type { Admitted, Skipped } from './admission.js';
import { attemptCapMs, retryCapMs } from './attempt-time.js';
import type { Attempt, Candidate, Deployment, ModelRoute } from './types.js';

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
  | {
      readonly type: 'success';
      readonly value: T;
      /** The attempt's own time, from its start (for a stream: to its first content chunk). */
      readonly durationMs: number;
    }
  | Exclude<UpstreamResult, { type: 'success' }>;

/** What the router hands one call. */
export interface AttemptContext {
  /** Aborts when the deadline passes or the caller cancels; either is neutral for the deployment. */
  readonly signal: AbortSignal;
  /**
   * This attempt's own cap, ms, when it is tighter than the deadline: its `attemptTimeoutMs`, or
   * half of the remaining deadline while another candidate stands behind it. When it passes the
   * call must end as a failure of kind `attempt_timeout` (for a stream: if no content came yet).
   * Undefined: the deadline alone bounds the attempt.
   */
  readonly attemptMs: number | undefined;
  /** `signal` is sure to abort within this many ms (the deadline's remaining time at the call). */
  readonly signalWithinMs?: number;
  /** 0 on the first pass over the plan; `n` for retry number `n`. */
  readonly retry?: number;
  /** Trace context headers (`traceparent`) to send upstream; set by tracing, when on. */
  readonly traceHeaders?: Readonly<Record<string, string>>;
}

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
  readonly call: (deployment: Deployment, attempt: AttemptContext) => Promise<CallResult<T>>;
  readonly onAttempt?: (attempt: Attempt) => void;
}

/**
 * The winning call. Its breaker permit and limit grants are still held: the router settles them
 * when the caller says how the call ended ({@link settle}; at once for JSON, at the end of the
 * stream for SSE). The router is their one owner on every path.
 */
export interface FailoverSuccess<T> {
  readonly value: T;
  readonly candidate: Candidate;
  readonly attempts: readonly Attempt[];
  /** How many upstream calls were made (skips excluded). */
  readonly calls: number;
  /** The winning attempt's own time, ms (never the earlier attempts'). */
  readonly attemptMs: number;
  /**
   * Records how the winning call ended: the breaker (a success is timed from the attempt's own
   * start, or by `outcome.durationMs`), the limits (`actualTokens` corrects token estimates) and
   * the deployment's latency estimate. Idempotent: only the first call counts.
   */
  settle(outcome: Outcome, actualTokens: number | undefined): void;
}

/** Failure kinds a retry cannot cure: a wrong key or a missing model stays so. */
const NOT_RETRYABLE: ReadonlySet<FailureKind> = new Set<FailureKind>(['auth', 'not_found']);

/** Smoothing of the success latency estimate `least-latency` orders by. */
const EWMA_ALPHA = 0.2;

/**
 * Runs one request along its plan: each candidate once in order (failing over to a healthy one
 * is preferred to retrying a failing one), then up to `retry.attempts` retries.
 *
 * - A skip never waits. A candidate whose breaker is open, or whose rate or concurrency limit is
 *   spent, is passed over at once and listed with when it admits again. When nothing was called
 *   the run ends now with `AllCandidatesFailedError` and the earliest admission time.
 * - Retries happen only after a real failed call whose failure a retry could cure, wait only for
 *   backoff, go to whichever candidate admits *now*, draw from the retry budget, and never
 *   sleep past the deadline: a wait that would not fit ends the run at once.
 * - An attempt with another admissible candidate behind it gets at most half of the remaining
 *   deadline (or its `attemptTimeoutMs`), so a hung primary cannot take the fallback's time.
 *
 * A request therefore makes at most `plan.length + contextPlan.length + retry.attempts` calls.
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
  #pendingContextSwitch = false;
  #retry = 0;

  constructor(req: FailoverRequest<T>) {
    this.#req = req;
    this.#queue = req.plan;
  }

  async execute(): Promise<FailoverSuccess<T>> {
    for (let i = 0; i < this.#queue.length; i++) {
      const candidate = this.#queue[i] as Candidate;
      this.#checkAlive();
      let admission = admit(candidate.deployment, this.#req.estimatedTokens);
      if (admission instanceof Promise) admission = await admission;
      if (!admission.admitted) {
        this.#skip(candidate, admission);
        continue;
      }
      const won = await this.#call(candidate, admission, i);
      if (won) return won;
      if (this.#switchedToContextPlan()) i = -1;
    }
    // Retries only after a real call failed in a way a retry could cure.
    const curable = this.#attempts.some((a) => a.retryable === true);
    const retried = curable ? await this.#retryPhase() : undefined;
    if (retried) return retried;
    throw new AllCandidatesFailedError(this.#req.model.name, this.#attempts, this.#earliestMs());
  }

  /** After a context-length refusal the rest of the plan is replaced by the context chain. */
  #switchedToContextPlan(): boolean {
    if (!this.#pendingContextSwitch) return false;
    this.#pendingContextSwitch = false;
    this.#queue = this.#req.contextPlan;
    return true;
  }

  /**
   * Makes one call on an admitted candidate; owns its permit and grants until the call has
   * failed (settled here) or won (settled by the winner's `settle`).
   * @param index the candidate's place in the queue; past the end for a retry
   */
  async #call(
    candidate: Candidate,
    admission: Admitted,
    index: number,
  ): Promise<FailoverSuccess<T> | undefined> {
    const d = candidate.deployment;
    const { clock, deadline } = this.#req;
    this.#calls++;
    const startedMs = clock.now();
    const remainingMs = deadline.remainingMs();
    const attemptMs =
      index < this.#queue.length
        ? attemptCapMs(this.#queue, index, remainingMs)
        : retryCapMs(d, remainingMs);
    let result: CallResult<T>;
    try {
      result = await this.#req.call(d, {
        signal: deadline.signal,
        attemptMs,
        signalWithinMs: remainingMs,
        retry: this.#retry,
      });
    } catch (error) {
      // A route's call function must return results; a throw is a bug, but it must not leak
      // the permit or the slot.
      d.breaker.record(admission.permit, { type: 'failure', kind: 'error' });
      settleGrants(admission.grants, undefined);
      throw error;
    }
    switch (result.type) {
      case 'success':
        return this.#won(candidate, admission, result.value, result.durationMs, startedMs);
      case 'failure':
        d.breaker.record(admission.permit, { ...result.outcome, durationMs: result.durationMs });
        settleGrants(admission.grants, undefined);
        this.#record(candidate, 'failed', result.outcome.kind, {
          scope: 'deployment',
          retryable: !NOT_RETRYABLE.has(result.outcome.kind),
          status: result.status,
          durationMs: result.durationMs,
          detail: result.error.detail,
        });
        return undefined;
      case 'caller_error':
        d.breaker.record(admission.permit, result.outcome);
        settleGrants(admission.grants, undefined);
        this.#record(candidate, 'failed', result.outcome.reason, {
          scope: 'request',
          retryable: false,
          status: result.status,
          durationMs: result.durationMs,
        });
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
        this.#record(candidate, 'failed', 'cancelled', {
          scope: 'request',
          retryable: false,
          durationMs: result.durationMs,
        });
        return undefined;
    }
  }

  #won(
    candidate: Candidate,
    admission: Admitted,
    value: T,
    attemptMs: number,
    startedMs: number,
  ): FailoverSuccess<T> {
    const d = candidate.deployment;
    const clock = this.#req.clock;
    let settled = false;
    return {
      value,
      candidate,
      attempts: this.#attempts,
      calls: this.#calls,
      attemptMs,
      settle(outcome, actualTokens) {
        if (settled) return;
        settled = true;
        if (outcome.type === 'success') {
          const ms = outcome.durationMs ?? clock.now() - startedMs;
          d.breaker.record(admission.permit, { type: 'success', durationMs: ms });
          d.latencyEwmaMs =
            d.latencyEwmaMs === undefined
              ? ms
              : d.latencyEwmaMs * (1 - EWMA_ALPHA) + ms * EWMA_ALPHA;
        } else {
          d.breaker.record(admission.permit, outcome);
        }
        settleGrants(admission.grants, actualTokens);
      },
    };
  }

  /**
   * Retry `n` waits its backoff (ending the run now if that would pass the deadline), then goes
   * to the first candidate worth another try that admits at that moment. Nothing admits: the run
   * ends at once; it never waits for a breaker or a limit.
   */
  async #retryPhase(): Promise<FailoverSuccess<T> | undefined> {
    const { retry } = this.#req;
    for (let n = 1; n <= retry.attempts; n++) {
      this.#retry = n;
      const pool = this.#retryPool();
      if (pool.length === 0) return undefined;
      if (!(await this.#backoff(retry.backoffMs(n)))) return undefined;
      const next = await this.#admitNow(pool);
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
      const won = await this.#call(next.candidate, next.admission, this.#queue.length);
      if (won) return won;
    }
    return undefined;
  }

  /**
   * The candidates worth another try, in plan order: those whose last failure a retry could cure
   * (not `auth`, not `not_found`) and those skipped (taken only if they admit by then).
   */
  #retryPool(): Candidate[] {
    return this.#queue.filter((c) => {
      const last = this.#lastAttempt(c.deployment.id);
      return last !== undefined && (last.result === 'skipped' || last.retryable === true);
    });
  }

  /** The first of `pool` that admits a call now; those that do not are listed as skipped. */
  async #admitNow(
    pool: readonly Candidate[],
  ): Promise<{ candidate: Candidate; admission: Admitted } | undefined> {
    this.#checkAlive();
    for (const candidate of pool) {
      let admission = admit(candidate.deployment, this.#req.estimatedTokens);
      if (admission instanceof Promise) admission = await admission;
      if (admission.admitted) return { candidate, admission };
      this.#skip(candidate, admission);
    }
    return undefined;
  }

  /**
   * Sleeps a retry's backoff unless that would pass the deadline: then returns false at once, so
   * the request ends now with every attempt listed rather than sleeping into a timeout.
   * @throws CancelledError the caller aborted during the sleep
   */
  async #backoff(ms: number): Promise<boolean> {
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
    this.#record(candidate, 'skipped', skipped.reason, { retryAfterMs: skipped.retryAfterMs });
  }

  #record(
    candidate: Candidate,
    result: Attempt['result'],
    reason: string,
    extra: {
      scope?: Attempt['scope'];
      retryable?: boolean;
      status?: number | undefined;
      durationMs?: number | undefined;
      retryAfterMs?: number | undefined;
      detail?: string | undefined;
    } = {},
  ): void {
    const { scope, retryable, status, durationMs, retryAfterMs, detail } = extra;
    const attempt: Attempt = {
      deployment: candidate.deployment.id,
      model: candidate.deployment.model,
      result,
      reason,
      ...(scope !== undefined && { scope }),
      ...(retryable !== undefined && { retryable }),
      ...(status !== undefined && { status }),
      ...(durationMs !== undefined && { durationMs }),
      ...(retryAfterMs !== undefined && { retryAfterMs }),
      ...(detail !== undefined && { detail }),
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

  /**
   * The earliest time any candidate can be admitted again, ms from now: its breaker's wait, or,
   * when it was last skipped by a limit, that limit's.
   */
  #earliestMs(): number | undefined {
    let earliest: number | undefined;
    for (const c of this.#queue) {
      const last = this.#lastAttempt(c.deployment.id);
      const limitMs = last?.result === 'skipped' ? (last.retryAfterMs ?? 0) : 0;
      const ms = Math.max(c.deployment.breaker.msUntilAdmission(), limitMs);
      if (earliest === undefined || ms < earliest) earliest = ms;
    }
    return earliest;
  }
}
