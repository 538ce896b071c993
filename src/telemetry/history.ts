/**
 * A bounded history of time buckets: the last `buckets` intervals of `bucketMs` each, kept in a
 * ring that is allocated once. Time comes from the injected clock (monotonic `now()`); a bucket
 * covers `[k × bucketMs, (k + 1) × bucketMs)` for an integer `k`. Moving into a later bucket
 * closes the current one (`onClose`, once) and clears every slot the ring skips over, so a quiet
 * minute reads as empty buckets, never as stale ones. Memory: `buckets` slots, whatever the time
 * or traffic.
 */
import { systemClock } from '../core/index.js';
import type { Clock } from '../core/index.js';

/** Options of {@link BucketRing}. */
export interface BucketRingOptions<B> {
  /** @default systemClock */
  readonly clock?: Clock;
  /** Width of one bucket, ms. @default 10000 */
  readonly bucketMs?: number;
  /** Buckets kept, the current one included. @default 90 (15 min of 10 s buckets) */
  readonly buckets?: number;
  /** Creates an empty bucket (called `buckets` times, up front). */
  readonly create: () => B;
  /** Empties a bucket for reuse. */
  readonly clear: (bucket: B) => void;
  /** Called once with a bucket when time moves past it, before any slot is cleared. */
  readonly onClose?: (bucket: B) => void;
}

/** One bucket of {@link BucketRing.list}. */
export interface BucketSlot<B> {
  /** Start of the bucket, ms since the Unix epoch (derived from the clock's two readings). */
  readonly startEpochMs: number;
  /** True for the bucket that covers now (still filling). */
  readonly current: boolean;
  readonly bucket: B;
}

/** The last `buckets` time buckets. */
export class BucketRing<B> {
  readonly #clock: Clock;
  readonly bucketMs: number;
  readonly size: number;
  readonly #slots: B[];
  readonly #clear: (bucket: B) => void;
  readonly #onClose: ((bucket: B) => void) | undefined;
  /** Index (`floor(now / bucketMs)`) of the newest bucket. */
  #index: number;

  constructor(options: BucketRingOptions<B>) {
    this.#clock = options.clock ?? systemClock;
    this.bucketMs = options.bucketMs ?? 10_000;
    this.size = options.buckets ?? 90;
    if (!(this.bucketMs > 0) || !Number.isFinite(this.bucketMs)) {
      throw new RangeError(`bucketMs must be a positive number of ms, got ${this.bucketMs}`);
    }
    if (!Number.isInteger(this.size) || this.size < 1) {
      throw new RangeError(`buckets must be a positive integer, got ${this.size}`);
    }
    this.#slots = Array.from({ length: this.size }, () => options.create());
    this.#clear = options.clear;
    this.#onClose = options.onClose;
    this.#index = this.#indexAt(this.#clock.now());
  }

  /** The bucket that covers now, rolling the ring forward first. O(1), O(size) after a gap. */
  current(): B {
    this.#advance();
    return this.#slots[this.#slot(this.#index)] as B;
  }

  /** Every bucket, oldest first, the current one last (always `size` entries). */
  list(): BucketSlot<B>[] {
    this.#advance();
    const nowMs = this.#clock.now();
    const epochMs = this.#clock.epochMs();
    const out: BucketSlot<B>[] = [];
    for (let k = this.#index - this.size + 1; k <= this.#index; k++) {
      out.push({
        startEpochMs: epochMs - (nowMs - k * this.bucketMs),
        current: k === this.#index,
        bucket: this.#slots[this.#slot(k)] as B,
      });
    }
    return out;
  }

  /** Start of the oldest bucket kept, ms since the Unix epoch. */
  startEpochMs(): number {
    this.#advance();
    const oldest = (this.#index - this.size + 1) * this.bucketMs;
    return this.#clock.epochMs() - (this.#clock.now() - oldest);
  }

  #indexAt(nowMs: number): number {
    return Math.floor(nowMs / this.bucketMs);
  }

  #slot(k: number): number {
    return ((k % this.size) + this.size) % this.size;
  }

  #advance(): void {
    const index = this.#indexAt(this.#clock.now());
    if (index <= this.#index) return;
    this.#onClose?.(this.#slots[this.#slot(this.#index)] as B);
    // Bounded: past a gap of `size` buckets every slot has been cleared once.
    const from = Math.max(this.#index + 1, index - this.size + 1);
    for (let k = from; k <= index; k++) this.#clear(this.#slots[this.#slot(k)] as B);
    this.#index = index;
  }
}
