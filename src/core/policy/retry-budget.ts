/**
 * A retry budget in the style of Finagle's `RetryBudget`: over a sliding window, retries may be
 * at most `ratio` × first attempts plus a small floor, so retries can never multiply traffic
 * during an outage (LiteLLM's retries × fallbacks, docs/core.md, "RetryBudget").
 */
import { systemClock } from '../clock.js';
import type { Clock } from '../clock.js';
import { requireInteger, requirePositive } from './validate.js';

/** Options of a {@link RetryBudget}. */
export interface RetryBudgetOptions {
  /** Retries allowed per first attempt over the window (0.2 = 20 %). @default 0.2 */
  readonly ratio?: number;
  /** Retries per second always allowed, even with no traffic (a floor for low volume). @default 10 */
  readonly minPerSecond?: number;
  /** The sliding window, ms. @default 10_000 */
  readonly windowMs?: number;
  /** Buckets the window is divided into; more is smoother, fewer is cheaper. @default 10 */
  readonly buckets?: number;
  /** @default systemClock */
  readonly clock?: Clock;
}

// Absorbs float error in `ratio × requests` (0.1 × 30 is 3.0000000000000004, 0.7 × 3 is 2.0999999999999996).
const EPSILON = 1e-9;

/** One slice of the window; the slices form a ring, so rolling needs no index arithmetic. */
interface Bucket {
  requests: number;
  retries: number;
  next: Bucket;
}

function ring(size: number): Bucket {
  const head = { requests: 0, retries: 0 } as Bucket;
  let tail = head;
  for (let i = 1; i < size; i++) {
    const bucket = { requests: 0, retries: 0 } as Bucket;
    tail.next = bucket;
    tail = bucket;
  }
  tail.next = head;
  return head;
}

/**
 * Counts first attempts and retries in time buckets; every operation is O(1) (a bounded number
 * of bucket resets) and no timers run. Share one budget across all the calls it should cap.
 *
 * Like Finagle, a retry spends from the window: it counts until it slides out, and the floor
 * (`minPerSecond × windowMs`) is a reserve spent the same way, not a rate that refills.
 */
export class RetryBudget {
  readonly #ratio: number;
  readonly #reserve: number;
  readonly #bucketMs: number;
  readonly #clock: Clock;
  readonly #startMs: number;
  readonly #size: number;
  #current: Bucket;
  #bucket = 0;
  #totalRequests = 0;
  #totalRetries = 0;

  /** @throws RangeError on a negative or non-finite option, or `buckets` not an integer >= 1. */
  constructor(options: RetryBudgetOptions = {}) {
    this.#ratio = requirePositive('ratio', options.ratio ?? 0.2, true);
    const minPerSecond = requirePositive('minPerSecond', options.minPerSecond ?? 10, true);
    const windowMs = requirePositive('windowMs', options.windowMs ?? 10_000);
    const buckets = requireInteger('buckets', options.buckets ?? 10, 1);
    this.#reserve = (minPerSecond * windowMs) / 1000;
    this.#bucketMs = windowMs / buckets;
    this.#size = buckets;
    this.#current = ring(buckets);
    this.#clock = options.clock ?? systemClock;
    this.#startMs = this.#clock.now();
  }

  /** Records a first attempt, which earns `ratio` of a retry. */
  recordRequest(): void {
    this.#roll().requests++;
    this.#totalRequests++;
  }

  /** Withdraws one retry if the budget allows it. @returns false when the budget is spent. */
  tryRetry(): boolean {
    const bucket = this.#roll();
    if (this.#totalRetries + 1 > this.#allowance() + EPSILON) return false;
    bucket.retries++;
    this.#totalRetries++;
    return true;
  }

  /** Whole retries that {@link tryRetry} would grant now. */
  get available(): number {
    this.#roll();
    return Math.max(0, Math.floor(this.#allowance() - this.#totalRetries + EPSILON));
  }

  #allowance(): number {
    return this.#ratio * this.#totalRequests + this.#reserve;
  }

  /** Moves to the current bucket, clearing those that slid out of the window, and returns it. */
  #roll(): Bucket {
    const bucket = Math.floor((this.#clock.now() - this.#startMs) / this.#bucketMs);
    // At most `size` buckets are cleared, however long the budget sat idle: O(1) per call.
    const stale = Math.min(this.#size, bucket - this.#bucket);
    for (let k = 0; k < stale; k++) {
      const next = this.#current.next;
      this.#totalRequests -= next.requests;
      this.#totalRetries -= next.retries;
      next.requests = 0;
      next.retries = 0;
      this.#current = next;
    }
    if (bucket > this.#bucket) this.#bucket = bucket;
    return this.#current;
  }
}
