/**
 * An LLM deployment's rate limit: requests per minute and tokens per minute, as two
 * {@link TokenBucket}s taken from together or not at all. A call never holds a request slot
 * while failing on tokens (or the reverse); estimates are corrected with {@link RateLimiter.settle}.
 */
import { systemClock } from '../clock.js';
import type { Clock } from '../clock.js';
import { abortError } from './abort.js';
import { TokenBucket, checkWait } from './token-bucket.js';
import type { WaitOptions } from './token-bucket.js';

/** Options of a {@link RateLimiter}. A limit left out is not enforced. */
export interface RateLimiterOptions {
  /** Requests per minute. @default unlimited */
  readonly rpm?: number;
  /** Tokens (prompt + completion) per minute. @default unlimited */
  readonly tpm?: number;
  /** Requests that may start at once: the request bucket's capacity. @default rpm */
  readonly burst?: number;
  /** Tokens that may be spent at once: the token bucket's capacity. @default tpm */
  readonly tokenBurst?: number;
  /** @default systemClock */
  readonly clock?: Clock;
}

/** Requests and tokens per minute, acquired atomically. */
export class RateLimiter {
  readonly #requests: TokenBucket | undefined;
  readonly #tokens: TokenBucket | undefined;
  readonly #clock: Clock;

  /** @throws RangeError when a limit or burst is not > 0. */
  constructor(options: RateLimiterOptions = {}) {
    const clock = options.clock ?? systemClock;
    const { rpm, tpm } = options;
    this.#clock = clock;
    this.#requests =
      rpm === undefined
        ? undefined
        : new TokenBucket({ capacity: options.burst ?? rpm, refillPerMinute: rpm, clock });
    this.#tokens =
      tpm === undefined
        ? undefined
        : new TokenBucket({ capacity: options.tokenBurst ?? tpm, refillPerMinute: tpm, clock });
  }

  /** Requests that could start now (Infinity without an rpm limit). */
  get availableRequests(): number {
    return this.#requests?.available ?? Infinity;
  }

  /** Tokens that could be spent now (Infinity without a tpm limit). */
  get availableTokens(): number {
    return this.#tokens?.available ?? Infinity;
  }

  /**
   * Takes one request and `estimatedTokens` if both are available now, else takes nothing.
   * @returns whether the call may start.
   */
  tryAcquire(estimatedTokens = 0): boolean {
    if (this.msUntil(estimatedTokens) > 0) return false;
    this.#take(estimatedTokens);
    return true;
  }

  /** Milliseconds until one request and `tokens` are both available; Infinity if never. */
  msUntil(tokens = 0): number {
    return Math.max(this.#requests?.msUntil(1) ?? 0, this.#tokens?.msUntil(tokens) ?? 0);
  }

  /**
   * Takes one request and `tokens`, waiting when the wait for both ends before `deadlineMs`.
   *
   * @throws RateLimitedError (with `retryAfterMs`) when the wait would reach the deadline, or
   * `tokens` exceeds the token burst (`retryAfterMs` Infinity). Nothing is taken.
   * @throws the abort reason (or `CancelledError`) when `signal` aborts; everything is refunded.
   */
  async acquire(tokens = 0, options: WaitOptions = {}): Promise<void> {
    const { signal } = options;
    if (signal?.aborted === true) throw abortError(signal);
    const waitMs = this.msUntil(tokens);
    if (waitMs > 0) checkWait(waitMs, options.deadlineMs, this.#clock);
    // Reserve both now: later callers see the debt and queue behind this one.
    this.#take(tokens);
    if (waitMs === 0) return;
    try {
      await this.#clock.sleep(waitMs, signal);
    } catch {
      this.refund(tokens);
      throw abortError(signal as AbortSignal);
    }
  }

  /** Gives back one request and `tokens` taken for a call that never ran. */
  refund(tokens = 0): void {
    this.#requests?.refund(1);
    this.#tokens?.refund(tokens);
  }

  /**
   * Corrects the token count once the real usage is known: refunds what was over-estimated,
   * charges what was under-estimated (possibly leaving the bucket in debt, delaying later calls).
   */
  settle(estimatedTokens: number, actualTokens: number): void {
    const extra = actualTokens - estimatedTokens;
    if (extra > 0) this.#tokens?.charge(extra);
    else if (extra < 0) this.#tokens?.refund(-extra);
  }

  #take(tokens: number): void {
    this.#requests?.charge(1);
    this.#tokens?.charge(tokens);
  }
}
