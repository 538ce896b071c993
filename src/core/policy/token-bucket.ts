/**
 * A token bucket refilled lazily from elapsed time: no timers, O(1) per call. Waiting callers
 * reserve their tokens up front (the balance may go negative), so later callers queue behind
 * them in arrival order instead of racing for each refill, and an abandoned wait refunds.
 */
import { systemClock } from '../clock.js';
import type { Clock } from '../clock.js';
import { RateLimitedError, withoutStack } from '../errors.js';
import { abortError } from './abort.js';
import { requirePositive } from './validate.js';

/** Options of a {@link TokenBucket}. Give exactly one of the refill rates. */
export interface TokenBucketOptions {
  /** Tokens the bucket holds when full: the largest burst. It starts full. */
  readonly capacity: number;
  /** Tokens added per second. */
  readonly refillPerSecond?: number;
  /** Tokens added per minute (`rpm`, `tpm`). */
  readonly refillPerMinute?: number;
  /** @default systemClock */
  readonly clock?: Clock;
}

/** Options of a waiting take. */
export interface WaitOptions {
  /** Aborting it ends the wait at once and refunds the reservation. */
  readonly signal?: AbortSignal;
  /** Absolute deadline (`clock.now()` ms): the caller waits only if the wait ends before it. */
  readonly deadlineMs?: number;
}

// Absorbs float drift from adding fractional refills (60 per minute is 0.001 per ms).
const EPSILON = 1e-9;

/** A rate limit with bursts. Share one per limited resource. */
export class TokenBucket {
  /** The most tokens the bucket holds. */
  readonly capacity: number;
  /** Refill rate, tokens per ms. */
  readonly refillPerMs: number;
  readonly #clock: Clock;
  #tokens: number;
  #updatedMs: number;

  /** @throws RangeError when `capacity` or the rate is not > 0, or not exactly one rate is given. */
  constructor(options: TokenBucketOptions) {
    this.capacity = requirePositive('capacity', options.capacity);
    const { refillPerSecond, refillPerMinute } = options;
    if ((refillPerSecond === undefined) === (refillPerMinute === undefined)) {
      throw new RangeError('give exactly one of refillPerSecond and refillPerMinute');
    }
    this.refillPerMs =
      refillPerSecond === undefined
        ? requirePositive('refillPerMinute', refillPerMinute as number) / 60_000
        : requirePositive('refillPerSecond', refillPerSecond) / 1000;
    this.#clock = options.clock ?? systemClock;
    this.#tokens = this.capacity;
    this.#updatedMs = this.#clock.now();
  }

  /** Tokens available now (0 while waiting callers hold reservations). */
  get available(): number {
    this.#refill();
    return Math.max(0, this.#tokens);
  }

  /** Takes `n` tokens if they are all there now. @returns false (taking none) otherwise. */
  tryTake(n = 1): boolean {
    if (this.msUntil(n) > 0) return false;
    this.#tokens -= n;
    return true;
  }

  /**
   * Milliseconds until `n` tokens are available (0: now), counting reservations ahead.
   * @returns Infinity when `n` exceeds the capacity: it never will be.
   * @throws RangeError when `n` is negative or not finite.
   */
  msUntil(n = 1): number {
    requirePositive('n', n, true);
    if (n > this.capacity) return Infinity;
    this.#refill();
    const missing = n - this.#tokens;
    return missing <= EPSILON ? 0 : missing / this.refillPerMs;
  }

  /**
   * Takes `n` tokens, waiting for the refill when that wait ends before `deadlineMs`.
   *
   * @throws RateLimitedError (with `retryAfterMs`) when the wait would reach the deadline, or
   * `n` exceeds the capacity (`retryAfterMs` Infinity).
   * @throws the abort reason (or `CancelledError`) when `signal` aborts; the tokens are refunded.
   */
  async take(n = 1, options: WaitOptions = {}): Promise<void> {
    const { signal } = options;
    if (signal?.aborted === true) throw abortError(signal);
    const waitMs = this.msUntil(n);
    if (waitMs > 0) checkWait(waitMs, options.deadlineMs, this.#clock);
    // Reserve now, even when we must wait: callers after us see the debt and queue behind.
    this.#tokens -= n;
    if (waitMs === 0) return;
    try {
      await this.#clock.sleep(waitMs, signal);
    } catch {
      this.refund(n);
      throw abortError(signal as AbortSignal);
    }
  }

  /** Takes `n` tokens unconditionally, leaving the bucket in debt if it holds fewer. */
  charge(n: number): void {
    requirePositive('n', n, true);
    this.#refill();
    this.#tokens -= n;
  }

  /** Gives `n` tokens back (e.g. fewer tokens used than estimated), up to the capacity. */
  refund(n: number): void {
    requirePositive('n', n, true);
    this.#refill();
    this.#tokens = Math.min(this.capacity, this.#tokens + n);
  }

  #refill(): void {
    const now = this.#clock.now();
    const elapsedMs = now - this.#updatedMs;
    if (elapsedMs <= 0) return;
    this.#tokens = Math.min(this.capacity, this.#tokens + elapsedMs * this.refillPerMs);
    this.#updatedMs = now;
  }
}

/**
 * Refuses a wait of `waitMs` that would not end before `deadlineMs` (or never ends).
 * @throws RateLimitedError with `retryAfterMs` rounded up to whole ms.
 */
export function checkWait(waitMs: number, deadlineMs: number | undefined, clock: Clock): void {
  if (waitMs === Infinity) {
    throw withoutStack(
      () => new RateLimitedError('request exceeds the rate limit burst', Infinity),
    );
  }
  if (deadlineMs !== undefined && clock.now() + waitMs >= deadlineMs) {
    const retryAfterMs = Math.ceil(waitMs);
    throw withoutStack(
      () => new RateLimitedError(`rate limit reached; retry in ${retryAfterMs} ms`, retryAfterMs),
    );
  }
}
