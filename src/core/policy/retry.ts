/**
 * Retries with backoff that honour `Retry-After`, stop before the deadline instead of sleeping
 * past it, spend from a shared {@link RetryBudget}, and wake at once when the caller aborts
 * (the sleep takes the signal: Portkey's uncancellable Retry-After sleep is the bug avoided).
 */
import { systemClock } from '../clock.js';
import type { Clock } from '../clock.js';
import { RetryBudgetExceededError, isBreakerboxError, withoutStack } from '../errors.js';
import { Emitter } from '../events.js';
import type { Disposable } from '../events.js';
import { abortError, throwIfAborted } from './abort.js';
import type { Backoff } from './backoff.js';
import { exponentialBackoff } from './backoff.js';
import type { ExecuteOptions, Policy, PolicyContext } from './policy.js';
import type { RetryBudget } from './retry-budget.js';
import { requireInteger } from './validate.js';

/** Decides whether a failed attempt is worth another. `attempt` is the one that failed, from 1. */
export type ShouldRetry = (error: unknown, attempt: number) => boolean;

/** Options of {@link retry}. */
export interface RetryOptions {
  /** Attempts in all, the first included (an integer >= 1; Infinity is refused). @default 3 */
  readonly maxAttempts?: number;
  /**
   * Delay before each retry.
   * @default exponentialBackoff({ initialMs: 100, factor: 2, maxMs: 10_000, jitter: 'full' })
   */
  readonly backoff?: Backoff;
  /** @default isRetryable */
  readonly shouldRetry?: ShouldRetry;
  /** A shared budget: each execution deposits once, each retry withdraws. @default none */
  readonly budget?: RetryBudget;
  /** @default systemClock */
  readonly clock?: Clock;
}

/** Emitted before each retry's wait. Plain data. */
export interface RetryEvent {
  /** The attempt that failed, from 1; the next one is `attempt + 1`. */
  readonly attempt: number;
  /** The wait before the next attempt, ms (the backoff, raised to the error's `retryAfterMs`). */
  readonly delayMs: number;
  readonly error: unknown;
}

/** Where a failed attempt leaves an execution. */
interface AttemptState {
  readonly attempt: number;
  readonly previousDelayMs: number | undefined;
  readonly context: PolicyContext;
}

/**
 * The default {@link ShouldRetry}: an `UpstreamError` (but not `auth`: a wrong key stays wrong)
 * or a `TimeoutError`. Never a cancellation, a passed deadline, a rejection by another policy,
 * a caller error (`invalid_request`, ...), nor anything that is not a breakerbox error.
 */
export function isRetryable(error: unknown): boolean {
  if (!isBreakerboxError(error)) return false;
  if (error.code === 'timeout') return true;
  return error.code === 'upstream_error' && (error as { kind?: unknown }).kind !== 'auth';
}

/** The `retryAfterMs` an error carries (an `UpstreamError` from a 429, a `RejectedError`), or 0. */
function retryAfterOf(error: unknown): number {
  const value = (error as { retryAfterMs?: unknown } | null | undefined)?.retryAfterMs;
  return typeof value === 'number' && value > 0 ? value : 0;
}

/** A retry {@link Policy}. Built by {@link retry}; holds no state between executions. */
export class RetryPolicy implements Policy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  readonly #backoff: Backoff;
  readonly #shouldRetry: ShouldRetry;
  readonly #budget: RetryBudget | undefined;
  readonly #clock: Clock;
  readonly #onRetry = new Emitter<RetryEvent>();

  /** @throws RangeError when `maxAttempts` is not an integer >= 1. */
  constructor(options: RetryOptions = {}) {
    this.maxAttempts = requireInteger('maxAttempts', options.maxAttempts ?? 3, 1);
    this.#backoff = options.backoff ?? exponentialBackoff();
    this.#shouldRetry = options.shouldRetry ?? isRetryable;
    this.#budget = options.budget;
    this.#clock = options.clock ?? systemClock;
  }

  /** Listens to retries; dispose the result to stop. Events are built only while listened to. */
  onRetry(listener: (event: RetryEvent) => void): Disposable {
    return this.#onRetry.on(listener);
  }

  /**
   * Runs `fn` until it succeeds, fails for good, or no attempt can fit before the deadline.
   * Every attempt gets the same signal and deadline.
   *
   * @throws the last attempt's error when it is not retryable, the attempts are used up, or the
   * next wait would reach `options.deadlineMs` (it never sleeps past the deadline).
   * @throws RetryBudgetExceededError when the budget refuses a retry (`cause`: the last error).
   * @throws the abort reason (or `CancelledError`) as soon as the signal aborts, mid-wait included.
   */
  async execute<T>(
    fn: (signal: AbortSignal, context: PolicyContext) => Promise<T>,
    options: ExecuteOptions = {},
  ): Promise<T> {
    const signal = options.signal ?? new AbortController().signal;
    const context: PolicyContext = { signal, deadlineMs: options.deadlineMs };
    throwIfAborted(signal);
    this.#budget?.recordRequest();
    let previousDelayMs: number | undefined;
    for (let attempt = 1; attempt < this.maxAttempts; attempt++) {
      let delayMs: number;
      try {
        return await fn(signal, context);
      } catch (error) {
        delayMs = this.#delayAfter(error, { attempt, previousDelayMs, context });
        if (this.#onRetry.size > 0) this.#onRetry.emit({ attempt, delayMs, error });
      }
      try {
        await this.#clock.sleep(delayMs, signal);
      } catch {
        throw abortError(signal);
      }
      // The sleep resolved, but an abort may have landed before this continuation ran.
      throwIfAborted(signal);
      previousDelayMs = delayMs;
    }
    try {
      return await fn(signal, context);
    } catch (error) {
      throwIfAborted(signal);
      throw error;
    }
  }

  /** The wait before the next attempt; throws when there must be no next attempt. */
  #delayAfter(error: unknown, state: AttemptState): number {
    const { signal, deadlineMs } = state.context;
    // An attempt that failed because we were aborted says nothing about the upstream.
    throwIfAborted(signal);
    if (!this.#shouldRetry(error, state.attempt)) throw error;
    const backoffMs = this.#backoff({
      attempt: state.attempt,
      previousDelayMs: state.previousDelayMs,
    });
    const delayMs = Math.max(backoffMs, retryAfterOf(error));
    // Stop rather than wake up at (or after) the deadline with no time left to try.
    if (deadlineMs !== undefined && this.#clock.now() + delayMs >= deadlineMs) throw error;
    // Withdraw last: a retry refused for any other reason must not spend the budget.
    if (this.#budget !== undefined && !this.#budget.tryRetry()) {
      throw withoutStack(() => new RetryBudgetExceededError(undefined, 0, { cause: error }));
    }
    return delayMs;
  }
}

/**
 * A retry policy: `retry({ maxAttempts: 3, budget, clock })`.
 *
 * @throws RangeError when `maxAttempts` is not an integer >= 1 (Infinity included).
 */
export function retry(options: RetryOptions = {}): RetryPolicy {
  return new RetryPolicy(options);
}
