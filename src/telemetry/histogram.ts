/**
 * A fixed-memory latency histogram with log-linear buckets (the HdrHistogram layout).
 *
 * Samples are rounded to whole microseconds. Below 64 µs every microsecond has its own bucket;
 * above, each power of two is split into 32 equal buckets, so a bucket is at most 1/32 of its
 * lower bound wide and the value reported for it (its midpoint) is within 1/64 (≈ 1.6 %) of any
 * sample in it. The top bucket ends at 2^31 µs (≈ 35.8 min); larger samples are clamped into it
 * (their exact value still counts toward `sum`, `min` and `max`). 864 counters in a
 * `Float64Array` (exact up to 2^53 per bucket): 6.9 KB per histogram, whatever the traffic.
 */

/** Sub-buckets per power of two, as a power of two: 2^5 = 32 (≈ 1.6 % worst relative error). */
const SUB_BITS = 5;
const SUB_COUNT = 1 << SUB_BITS;
/** Largest recordable value in µs; larger samples are clamped to it. */
const MAX_US = 2 ** 31 - 1;
/** Index of the bucket holding MAX_US, plus one. */
const BUCKET_COUNT = bucketIndex(MAX_US) + 1;

/** The compact JSON form of a {@link LatencyHistogram}, from {@link LatencyHistogram.toJSON}. */
export interface LatencyHistogramJson {
  /** Layout version; {@link LatencyHistogram.fromJSON} rejects any other. */
  readonly v: 1;
  readonly count: number;
  readonly sumMs: number;
  /** `null` when empty. */
  readonly minMs: number | null;
  readonly maxMs: number | null;
  /** Non-empty buckets as flat pairs: `[index, count, index, count, …]`, indexes ascending. */
  readonly buckets: readonly number[];
}

/** Mean, percentiles and maximum of a histogram; all but `count` are `null` when it is 0. */
export interface LatencySummary {
  readonly count: number;
  readonly meanMs: number | null;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
}

/** Index of the bucket holding `us` (a non-negative integer < 2^31). */
function bucketIndex(us: number): number {
  if (us < 2 * SUB_COUNT) return us;
  // The highest set bit picks the power of two; the next SUB_BITS bits pick the sub-bucket.
  const shift = 31 - Math.clz32(us) - SUB_BITS;
  return shift * SUB_COUNT + (us >>> shift);
}

/** The value reported for bucket `index`, in µs: its midpoint. */
function bucketMidpointUs(index: number): number {
  if (index < 2 * SUB_COUNT) return index;
  const shift = Math.floor(index / SUB_COUNT) - 1;
  const widthUs = 2 ** shift;
  const lowUs = (index - shift * SUB_COUNT) * widthUs;
  return lowUs + (widthUs - 1) / 2;
}

/**
 * Latency histogram with O(1) {@link record}, fixed memory and ≈ 1.6 % relative error on
 * quantiles between 0.064 ms and 35 min (absolute error ≤ 0.5 µs below that).
 *
 * @example
 * const h = new LatencyHistogram();
 * h.record(12.5);
 * h.quantile(0.99); // ms
 */
export class LatencyHistogram {
  readonly #counts = new Float64Array(BUCKET_COUNT);
  #count = 0;
  #sumMs = 0;
  #minMs = Number.POSITIVE_INFINITY;
  #maxMs = Number.NEGATIVE_INFINITY;

  /** Number of samples recorded. */
  get count(): number {
    return this.#count;
  }

  /** Sum of all samples, in ms. */
  get sum(): number {
    return this.#sumMs;
  }

  /** Mean sample, in ms; `NaN` when empty. */
  get mean(): number {
    return this.#count === 0 ? Number.NaN : this.#sumMs / this.#count;
  }

  /** Smallest sample, in ms, exactly; `NaN` when empty. */
  get min(): number {
    return this.#count === 0 ? Number.NaN : this.#minMs;
  }

  /** Largest sample, in ms, exactly; `NaN` when empty. */
  get max(): number {
    return this.#count === 0 ? Number.NaN : this.#maxMs;
  }

  /**
   * Records one sample. Negative values count as 0; `NaN` and `±Infinity` are ignored (a
   * duration computed from a missing timestamp must not poison the sum). O(1), no allocation.
   */
  record(durationMs: number): void {
    if (!Number.isFinite(durationMs)) return;
    const ms = durationMs < 0 ? 0 : durationMs;
    const us = Math.min(MAX_US, Math.round(ms * 1000));
    // Plain indexing: the index is in range by construction (us is clamped to MAX_US).
    (this.#counts[bucketIndex(us)] as number)++;
    this.#count++;
    this.#sumMs += ms;
    if (ms < this.#minMs) this.#minMs = ms;
    if (ms > this.#maxMs) this.#maxMs = ms;
  }

  /**
   * The `q`-quantile in ms, by nearest rank: the value at rank ⌈q·count⌉ of the sorted samples
   * (rank 1 for q = 0), reported as its bucket's midpoint clamped to [min, max]; the first and
   * last ranks are the exact `min` and `max`. `NaN` when empty. O(buckets).
   *
   * @param q in [0, 1]; values outside are clamped.
   */
  quantile(q: number): number {
    return this.quantiles([q])[0] as number;
  }

  /**
   * Several quantiles in one pass over the buckets, in the order given (see {@link quantile}).
   */
  quantiles(qs: readonly number[]): number[] {
    const out = new Array<number>(qs.length).fill(Number.NaN);
    if (this.#count === 0) return out;
    const order = qs.map((_, i) => i).sort((a, b) => (qs[a] as number) - (qs[b] as number));
    let next = 0;
    let seen = 0;
    for (let i = 0; i < BUCKET_COUNT && next < order.length; i++) {
      seen += this.#counts[i] as number;
      while (next < order.length) {
        const slot = order[next] as number;
        const rank = this.#rank(qs[slot] as number);
        if (seen < rank) break;
        out[slot] = this.#valueAt(rank, i);
        next++;
      }
    }
    return out;
  }

  /** Count, mean, p50, p95, p99 and max in one pass. O(buckets). */
  summary(): LatencySummary {
    if (this.#count === 0) {
      return { count: 0, meanMs: null, p50Ms: null, p95Ms: null, p99Ms: null, maxMs: null };
    }
    const [p50Ms = null, p95Ms = null, p99Ms = null] = this.quantiles([0.5, 0.95, 0.99]);
    return { count: this.#count, meanMs: this.mean, p50Ms, p95Ms, p99Ms, maxMs: this.#maxMs };
  }

  /** Adds every sample of `other` to this histogram. O(buckets). */
  merge(other: LatencyHistogram): void {
    if (other.#count === 0) return;
    for (let i = 0; i < BUCKET_COUNT; i++) {
      (this.#counts[i] as number) += other.#counts[i] as number;
    }
    this.#count += other.#count;
    this.#sumMs += other.#sumMs;
    if (other.#minMs < this.#minMs) this.#minMs = other.#minMs;
    if (other.#maxMs > this.#maxMs) this.#maxMs = other.#maxMs;
  }

  /** Forgets every sample. */
  reset(): void {
    this.#counts.fill(0);
    this.#count = 0;
    this.#sumMs = 0;
    this.#minMs = Number.POSITIVE_INFINITY;
    this.#maxMs = Number.NEGATIVE_INFINITY;
  }

  /** Compact JSON: only non-empty buckets, so an idle histogram is a few bytes. */
  toJSON(): LatencyHistogramJson {
    const buckets: number[] = [];
    for (let i = 0; i < BUCKET_COUNT; i++) {
      const c = this.#counts[i] as number;
      if (c > 0) buckets.push(i, c);
    }
    const empty = this.#count === 0;
    return {
      v: 1,
      count: this.#count,
      sumMs: this.#sumMs,
      minMs: empty ? null : this.#minMs,
      maxMs: empty ? null : this.#maxMs,
      buckets,
    };
  }

  /**
   * Rebuilds a histogram from {@link toJSON} output, e.g. to merge the histograms of several
   * gateway replicas.
   *
   * @throws RangeError when `json` is not a version-1 histogram.
   */
  static fromJSON(
    json: Omit<LatencyHistogramJson, 'v'> & { readonly v: number },
  ): LatencyHistogram {
    const h = new LatencyHistogram();
    if (json.v !== 1 || json.buckets.length % 2 !== 0) {
      throw new RangeError('not a version 1 latency histogram');
    }
    let count = 0;
    for (let i = 0; i < json.buckets.length; i += 2) {
      const index = json.buckets[i] as number;
      const c = json.buckets[i + 1] as number;
      if (!Number.isInteger(index) || index < 0 || index >= BUCKET_COUNT || !(c >= 0)) {
        throw new RangeError(`bad bucket ${index}`);
      }
      (h.#counts[index] as number) += c;
      count += c;
    }
    if (count !== json.count) throw new RangeError('bucket counts do not add up to count');
    h.#count = count;
    h.#sumMs = json.sumMs;
    h.#minMs = json.minMs ?? Number.POSITIVE_INFINITY;
    h.#maxMs = json.maxMs ?? Number.NEGATIVE_INFINITY;
    return h;
  }

  #rank(q: number): number {
    const clamped = q > 1 ? 1 : q > 0 ? q : 0;
    return Math.max(1, Math.ceil(clamped * this.#count));
  }

  /** The sample of rank `rank`, found in bucket `index`: exact at the ends, else the midpoint. */
  #valueAt(rank: number, index: number): number {
    if (rank === 1) return this.#minMs;
    if (rank === this.#count) return this.#maxMs;
    const ms = bucketMidpointUs(index) / 1000;
    return ms < this.#minMs ? this.#minMs : ms > this.#maxMs ? this.#maxMs : ms;
  }
}
