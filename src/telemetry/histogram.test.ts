import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LatencyHistogram } from './index.js';

/** Nearest-rank quantile of the samples: the definition LatencyHistogram documents. */
function exactQuantile(sorted: readonly number[], q: number): number {
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1] as number;
}

/** Log-uniform latency between 0.1 ms and 10 min, the range the histogram promises. */
const latencyMs = fc
  .double({ min: Math.log(0.1), max: Math.log(600_000), noNaN: true })
  .map((x) => Math.exp(x));

test('quantiles are within 1.6 % of the exact nearest-rank quantile (property)', () => {
  fc.assert(
    fc.property(
      fc.array(latencyMs, { minLength: 1, maxLength: 500 }),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 8 }),
      (samples, qs) => {
        const h = new LatencyHistogram();
        for (const s of samples) h.record(s);
        const sorted = [...samples].sort((a, b) => a - b);
        const got = h.quantiles(qs);
        qs.forEach((q, i) => {
          const exact = exactQuantile(sorted, q);
          const relErr = Math.abs((got[i] as number) - exact) / exact;
          assert.ok(relErr <= 1 / 64 + 1e-9, `q=${q} exact=${exact} got=${got[i]} err=${relErr}`);
          assert.equal(h.quantile(q), got[i]);
        });
      },
    ),
    { numRuns: 150 },
  );
});

test('p50/p95/p99 of a large skewed sample', () => {
  const h = new LatencyHistogram();
  const samples: number[] = [];
  let seed = 7;
  for (let i = 0; i < 20_000; i++) {
    seed = (seed * 48_271) % 2_147_483_647;
    // Pareto-ish tail: most calls 50-500 ms, a few up to minutes.
    const ms = 50 / Math.pow(seed / 2_147_483_647, 0.8);
    samples.push(ms);
    h.record(ms);
  }
  samples.sort((a, b) => a - b);
  for (const q of [0.5, 0.95, 0.99]) {
    const exact = exactQuantile(samples, q);
    assert.ok(Math.abs(h.quantile(q) - exact) / exact <= 1 / 64, `q=${q}`);
  }
});

test('count, sum, mean, min, max are exact; extremes are exact quantiles', () => {
  const h = new LatencyHistogram();
  assert.ok(Number.isNaN(h.mean) && Number.isNaN(h.quantile(0.5)) && Number.isNaN(h.min));
  for (const ms of [0.25, 3.3, 1_234.5, 99]) h.record(ms);
  assert.equal(h.count, 4);
  assert.equal(h.sum, 0.25 + 3.3 + 1_234.5 + 99);
  assert.equal(h.mean, h.sum / 4);
  assert.equal(h.quantile(0), 0.25);
  assert.equal(h.quantile(1), 1_234.5);
  assert.equal(h.min, 0.25);
  assert.equal(h.max, 1_234.5);
});

test('out-of-range samples: NaN and Infinity ignored, negatives as 0, huge ones clamped', () => {
  const h = new LatencyHistogram();
  h.record(Number.NaN);
  h.record(Number.POSITIVE_INFINITY);
  assert.equal(h.count, 0);
  h.record(-5);
  assert.equal(h.quantile(1), 0);
  for (let i = 0; i < 3; i++) h.record(3_600_000);
  assert.equal(h.count, 4);
  assert.equal(h.max, 3_600_000);
  assert.equal(h.sum, 3 * 3_600_000);
  // The top bucket spans ~35.2 to ~35.8 min: inner ranks report its midpoint, the last is exact.
  assert.ok(Math.abs(h.quantile(0.5) - 2_130_706) < 1);
  assert.equal(h.quantile(1), 3_600_000);
});

test('merge equals recording everything into one histogram', () => {
  fc.assert(
    fc.property(fc.array(latencyMs), fc.array(latencyMs), (a, b) => {
      const ha = new LatencyHistogram();
      const hb = new LatencyHistogram();
      const all = new LatencyHistogram();
      for (const s of a) {
        ha.record(s);
        all.record(s);
      }
      for (const s of b) {
        hb.record(s);
        all.record(s);
      }
      ha.merge(hb);
      const merged = ha.toJSON();
      const expected = all.toJSON();
      assert.deepEqual(merged.buckets, expected.buckets);
      assert.equal(merged.count, expected.count);
      assert.equal(merged.minMs, expected.minMs);
      assert.equal(merged.maxMs, expected.maxMs);
      assert.ok(Math.abs(merged.sumMs - expected.sumMs) <= 1e-6 * Math.max(1, expected.sumMs));
    }),
    { numRuns: 50 },
  );
});

test('toJSON is compact and fromJSON restores the same quantiles', () => {
  const h = new LatencyHistogram();
  assert.deepEqual(h.toJSON(), { v: 1, count: 0, sumMs: 0, minMs: null, maxMs: null, buckets: [] });
  for (const ms of [1, 1, 2, 500, 40_000]) h.record(ms);
  const json = h.toJSON();
  assert.equal(json.buckets.length, 2 * 4, 'four non-empty buckets');
  const back = LatencyHistogram.fromJSON(JSON.parse(JSON.stringify(json)) as typeof json);
  assert.deepEqual(back.quantiles([0, 0.5, 0.9, 1]), h.quantiles([0, 0.5, 0.9, 1]));
  assert.deepEqual(back.toJSON(), json);
  assert.throws(() => LatencyHistogram.fromJSON({ ...json, count: 6 }), RangeError);
  assert.throws(() => LatencyHistogram.fromJSON({ ...json, buckets: [9_999, 1] }), RangeError);
});

test('summary gives count, mean, p50/p95/p99 and max; nulls when empty', () => {
  const h = new LatencyHistogram();
  assert.deepEqual(h.summary(), {
    count: 0,
    meanMs: null,
    p50Ms: null,
    p95Ms: null,
    p99Ms: null,
    maxMs: null,
  });
  for (let ms = 1; ms <= 100; ms++) h.record(ms);
  const s = h.summary();
  assert.deepEqual([s.count, s.meanMs, s.maxMs], [100, 50.5, 100]);
  assert.deepEqual([s.p50Ms, s.p95Ms, s.p99Ms], h.quantiles([0.5, 0.95, 0.99]));
  assert.ok(Math.abs(s.p95Ms! - 95) <= 95 / 64);
});

test('reset forgets everything', () => {
  const h = new LatencyHistogram();
  h.record(10);
  h.reset();
  assert.equal(h.count, 0);
  assert.deepEqual(h.toJSON().buckets, []);
  h.record(20);
  assert.equal(h.quantile(0.5), 20);
});
