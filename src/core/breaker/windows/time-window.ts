import { FLAG_FAILURE, FLAG_SLOW } from '../state.js';
import type { SlidingWindow, TimeWindowConfig, WindowData } from '../state.js';

/** Numbers per older bucket: bucket index (time / bucketMs), calls, failures, slow calls. */
const STRIDE = 4;

/** Shared by every window with no older bucket; never written (a write replaces it first). */
const EMPTY: number[] = [];

/**
 * `headIndex` before the first call. A small integer rather than -Infinity: a field that ever
 * holds a non-integer is boxed (16 B more per window).
 */
const NO_HEAD = -(2 ** 30);

/** A window's span and bucket count, with the bucket width worked out once. */
interface Shape {
  readonly sizeMs: number;
  readonly buckets: number;
  /** `sizeMs / buckets`: one division per config, not two per call. */
  readonly bucketMs: number;
}

/** One {@link Shape} per (shared, frozen) config: windows built from one config share it. */
const shapes = new WeakMap<TimeWindowConfig, Shape>();

function shapeOf(sizeMs: number, buckets: number): Shape {
  return { sizeMs, buckets, bucketMs: sizeMs / buckets };
}

function sharedShape(config: TimeWindowConfig): Shape {
  let shape = shapes.get(config);
  if (shape === undefined) {
    shape = shapeOf(config.sizeMs, config.buckets);
    shapes.set(config, shape);
  }
  return shape;
}

/**
 * A sliding window over the last `sizeMs`, in `buckets` buckets of `sizeMs / buckets` ms.
 *
 * Sized for many idle breakers: only the older buckets that hold calls are kept, oldest first, as
 * quads `[index, calls, failures, slow]` in one plain array of small integers (`index` is
 * `time / bucketMs`); the newest bucket is implicit, the running counters less the older buckets.
 * A breaker with calls in one bucket holds no array at all (~70 B for the window, where three
 * typed arrays cost ~1 KB, each a backing store outside the heap). Moving time forward files the
 * newest bucket among the older ones and drops from the front those that aged out, subtracting
 * them from the running counters: at most `buckets` per jump, amortised O(1) per call, no timers,
 * no sorting.
 */
export class TimeWindow implements SlidingWindow {
  calls = 0;
  failures = 0;
  slowCalls = 0;
  readonly #config: Shape;
  /** Older non-empty buckets, oldest first, {@link STRIDE} numbers each. */
  #older: number[] = EMPTY;
  /** Index (time / bucketMs) of the newest bucket; {@link NO_HEAD} before the first call. */
  #headIndex = NO_HEAD;

  /**
   * @param sizeMs span of the window, or the window's (shared, frozen) config.
   * @param buckets number of buckets (integer >= 1) when `sizeMs` is a number.
   */
  constructor(sizeMs: number | TimeWindowConfig, buckets = 1) {
    this.#config = typeof sizeMs === 'number' ? shapeOf(sizeMs, buckets) : sharedShape(sizeMs);
  }

  advance(nowMs: number): void {
    const index = Math.floor(nowMs / this.#config.bucketMs);
    // Time never runs backwards on a monotonic clock; if it did, the call joins the newest bucket.
    if (index <= this.#headIndex) return;
    const [c, f, sl] = this.#head();
    if (c !== 0 || f !== 0 || sl !== 0) {
      const h = this.#headIndex;
      if (this.#older === EMPTY) this.#older = [h, c, f, sl];
      else this.#older.push(h, c, f, sl);
    }
    this.#headIndex = index;
    const q = this.#older;
    const oldest = index - this.#config.buckets + 1;
    let drop = 0;
    while (drop < q.length && (q[drop] as number) < oldest) {
      this.calls -= q[drop + 1] as number;
      this.failures -= q[drop + 2] as number;
      this.slowCalls -= q[drop + 3] as number;
      drop += STRIDE;
    }
    if (drop === 0) return;
    if (drop === q.length) {
      this.#older = EMPTY;
      // Every bucket is out (the head was just emptied): exact zeros, whatever an import added.
      this.calls = 0;
      this.failures = 0;
      this.slowCalls = 0;
    } else q.splice(0, drop);
  }

  add(flags: number, nowMs: number): void {
    this.advance(nowMs);
    const failed = flags & FLAG_FAILURE;
    const slow = (flags & FLAG_SLOW) >> 1;
    this.calls++;
    this.failures += failed;
    this.slowCalls += slow;
  }

  reset(): void {
    this.#older = EMPTY;
    this.#headIndex = NO_HEAD;
    this.calls = 0;
    this.failures = 0;
    this.slowCalls = 0;
  }

  exportData(nowMs: number): WindowData {
    this.advance(nowMs);
    const bucketMs = this.#config.bucketMs;
    const buckets: number[][] = [];
    // The age of a bucket's middle survives float rounding on the way back in.
    const push = (index: number, calls: number, failures: number, slow: number): void => {
      if (calls !== 0) buckets.push([nowMs - (index + 0.5) * bucketMs, calls, failures, slow]);
    };
    const q = this.#older;
    for (let i = 0; i < q.length; i += STRIDE) {
      push(q[i] as number, q[i + 1] as number, q[i + 2] as number, q[i + 3] as number);
    }
    push(this.#headIndex, ...this.#head());
    return { type: 'time', buckets };
  }

  importData(data: WindowData, nowMs: number, ageOffsetMs: number): void {
    if (data.type !== 'time') return;
    this.advance(nowMs);
    const head = this.#headIndex;
    const oldest = head - this.#config.buckets + 1;
    const bucketMs = this.#config.bucketMs;
    for (const [ageMs = 0, calls = 0, failures = 0, slow = 0] of data.buckets) {
      const index = Math.floor((nowMs - ageMs - ageOffsetMs) / bucketMs);
      if (index < oldest || index > head) continue;
      // The newest bucket is the counters less the older ones: adding to the counters fills it.
      if (index !== head) {
        const at = this.#olderAt(index);
        const q = this.#older;
        q[at + 1] = (q[at + 1] as number) + calls;
        q[at + 2] = (q[at + 2] as number) + failures;
        q[at + 3] = (q[at + 3] as number) + slow;
      }
      this.calls += calls;
      this.failures += failures;
      this.slowCalls += slow;
    }
  }

  /**
   * The newest bucket's calls, failures and slow calls: the counters less the older buckets.
   * Runs once per bucket period (and per export), not per call.
   */
  #head(): [number, number, number] {
    let c = this.calls;
    let f = this.failures;
    let sl = this.slowCalls;
    const q = this.#older;
    for (let i = 0; i < q.length; i += STRIDE) {
      c -= q[i + 1] as number;
      f -= q[i + 2] as number;
      sl -= q[i + 3] as number;
    }
    return [c, f, sl];
  }

  /** Offset of the older bucket `index`, inserted empty in order if missing (imports only). */
  #olderAt(index: number): number {
    if (this.#older === EMPTY) this.#older = [];
    const q = this.#older;
    let at = 0;
    while (at < q.length && (q[at] as number) < index) at += STRIDE;
    if (at === q.length || q[at] !== index) q.splice(at, 0, index, 0, 0, 0);
    return at;
  }
}
