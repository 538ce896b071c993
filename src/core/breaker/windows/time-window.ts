import { FLAG_FAILURE, FLAG_SLOW } from '../state.js';
import type { SlidingWindow, WindowData } from '../state.js';

/**
 * A sliding window over the last `sizeMs`, kept as a ring of `buckets` buckets of
 * `sizeMs / buckets` ms. Moving time forward clears the buckets that aged out and subtracts them
 * from the running counters: at most `buckets` steps per jump, amortised O(1) per call, no timers,
 * no sorting, fixed memory (three typed arrays of `buckets` entries).
 */
export class TimeWindow implements SlidingWindow {
  calls = 0;
  failures = 0;
  slowCalls = 0;
  readonly #bucketMs: number;
  readonly #calls: Float64Array;
  readonly #failures: Float64Array;
  readonly #slow: Float64Array;
  /** Index (time / bucketMs) of the newest bucket; -Infinity before the first call. */
  #headIndex = -Infinity;

  /** @param sizeMs span of the window. @param buckets number of buckets (integer >= 1). */
  constructor(sizeMs: number, buckets: number) {
    this.#bucketMs = sizeMs / buckets;
    this.#calls = new Float64Array(buckets);
    this.#failures = new Float64Array(buckets);
    this.#slow = new Float64Array(buckets);
  }

  #slot(index: number): number {
    const n = this.#calls.length;
    return ((index % n) + n) % n;
  }

  advance(nowMs: number): void {
    const index = Math.floor(nowMs / this.#bucketMs);
    const head = this.#headIndex;
    // Time never runs backwards on a monotonic clock; if it did, the call joins the newest bucket.
    if (index <= head) return;
    const n = this.#calls.length;
    if (index - head >= n) {
      this.#clear();
    } else {
      for (let i = head + 1; i <= index; i++) {
        const s = this.#slot(i);
        this.calls -= this.#calls[s] as number;
        this.failures -= this.#failures[s] as number;
        this.slowCalls -= this.#slow[s] as number;
        this.#calls[s] = 0;
        this.#failures[s] = 0;
        this.#slow[s] = 0;
      }
    }
    this.#headIndex = index;
  }

  add(flags: number, nowMs: number): void {
    this.advance(nowMs);
    const s = this.#slot(this.#headIndex);
    const failed = flags & FLAG_FAILURE;
    const slow = (flags & FLAG_SLOW) >> 1;
    this.#calls[s] = (this.#calls[s] as number) + 1;
    this.#failures[s] = (this.#failures[s] as number) + failed;
    this.#slow[s] = (this.#slow[s] as number) + slow;
    this.calls++;
    this.failures += failed;
    this.slowCalls += slow;
  }

  #clear(): void {
    this.#calls.fill(0);
    this.#failures.fill(0);
    this.#slow.fill(0);
    this.calls = 0;
    this.failures = 0;
    this.slowCalls = 0;
  }

  reset(): void {
    this.#clear();
    this.#headIndex = -Infinity;
  }

  exportData(nowMs: number): WindowData {
    this.advance(nowMs);
    const buckets: number[][] = [];
    const n = this.#calls.length;
    for (let age = n - 1; age >= 0; age--) {
      const index = this.#headIndex - age;
      const s = this.#slot(index);
      const calls = this.#calls[s] as number;
      if (calls === 0) continue;
      // The age of the bucket's middle survives float rounding on the way back in.
      const ageMs = nowMs - (index + 0.5) * this.#bucketMs;
      buckets.push([ageMs, calls, this.#failures[s] as number, this.#slow[s] as number]);
    }
    return { type: 'time', buckets };
  }

  importData(data: WindowData, nowMs: number, ageOffsetMs: number): void {
    if (data.type !== 'time') return;
    this.advance(nowMs);
    const oldest = this.#headIndex - this.#calls.length + 1;
    for (const [ageMs = 0, calls = 0, failures = 0, slow = 0] of data.buckets) {
      const index = Math.floor((nowMs - ageMs - ageOffsetMs) / this.#bucketMs);
      if (index < oldest || index > this.#headIndex) continue;
      const s = this.#slot(index);
      this.#calls[s] = (this.#calls[s] as number) + calls;
      this.#failures[s] = (this.#failures[s] as number) + failures;
      this.#slow[s] = (this.#slow[s] as number) + slow;
      this.calls += calls;
      this.failures += failures;
      this.slowCalls += slow;
    }
  }
}
