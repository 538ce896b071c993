import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { constantBackoff, decorrelatedJitterBackoff, exponentialBackoff } from './backoff.js';

const first = { attempt: 1, previousDelayMs: undefined };

test('constantBackoff returns the same delay for every attempt', () => {
  const backoff = constantBackoff(250);
  assert.equal(backoff(first), 250);
  assert.equal(backoff({ attempt: 7, previousDelayMs: 250 }), 250);
  assert.equal(constantBackoff(0)(first), 0);
  assert.throws(() => constantBackoff(-1), RangeError);
  assert.throws(() => constantBackoff(Infinity), RangeError);
});

test('exponentialBackoff without jitter doubles from initialMs up to maxMs', () => {
  const backoff = exponentialBackoff({ initialMs: 100, maxMs: 1_000, jitter: 'none' });
  const delays = [1, 2, 3, 4, 5, 6].map((attempt) =>
    backoff({ attempt, previousDelayMs: undefined }),
  );
  assert.deepEqual(delays, [100, 200, 400, 800, 1_000, 1_000]);
  // factor^attempt overflows to Infinity; the cap still applies, never NaN.
  assert.equal(backoff({ attempt: 5_000, previousDelayMs: undefined }), 1_000);
});

test('exponentialBackoff defaults: 100 ms, x2, 10 s cap, full jitter', () => {
  const backoff = exponentialBackoff({ random: () => 0.5 });
  assert.equal(backoff(first), 50);
  assert.equal(backoff({ attempt: 3, previousDelayMs: 50 }), 200);
  assert.equal(backoff({ attempt: 30, previousDelayMs: 50 }), 5_000);
  const real = exponentialBackoff()({ attempt: 2, previousDelayMs: undefined });
  assert.ok(real >= 0 && real < 200);
});

test('exponentialBackoff full jitter spans [0, d) and equal jitter [d/2, d)', () => {
  const at = (jitter: 'full' | 'equal', r: number): number =>
    exponentialBackoff({ initialMs: 1_000, factor: 3, jitter, random: () => r })({
      attempt: 2,
      previousDelayMs: undefined,
    });
  assert.equal(at('full', 0), 0);
  assert.equal(at('full', 0.999), 2_997);
  assert.equal(at('equal', 0), 1_500);
  assert.equal(at('equal', 0.5), 2_250);
});

test('exponentialBackoff rejects invalid options', () => {
  assert.throws(() => exponentialBackoff({ initialMs: 0 }), /initialMs/);
  assert.throws(() => exponentialBackoff({ factor: 0.5 }), /factor must be >= 1/);
  assert.throws(() => exponentialBackoff({ maxMs: Infinity }), /maxMs/);
});

test('decorrelatedJitterBackoff follows min(cap, random_between(base, previous * 3))', () => {
  const backoff = decorrelatedJitterBackoff({ baseMs: 100, maxMs: 5_000, random: () => 0.5 });
  // previous defaults to base: between(100, 300) at 0.5 = 200.
  assert.equal(backoff(first), 200);
  // between(100, 600) at 0.5 = 350.
  assert.equal(backoff({ attempt: 2, previousDelayMs: 200 }), 350);
  // between(100, 15_000) at 0.5 = 7_550, capped.
  assert.equal(backoff({ attempt: 3, previousDelayMs: 5_000 }), 5_000);
});

test('decorrelatedJitterBackoff delays always lie in [baseMs, maxMs] (property)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 100_000 }),
      fc.integer({ min: 0, max: 1_000_000 }),
      fc.option(fc.double({ min: -1e308, max: 1e308, noNaN: true }), { nil: undefined }),
      fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      (baseMs, extraMs, previousDelayMs, r) => {
        const maxMs = baseMs + extraMs;
        const backoff = decorrelatedJitterBackoff({ baseMs, maxMs, random: () => r });
        const delay = backoff({ attempt: 1, previousDelayMs });
        return delay >= baseMs && delay <= maxMs;
      },
    ),
  );
});

test('decorrelatedJitterBackoff defaults and validation', () => {
  const delay = decorrelatedJitterBackoff()(first);
  assert.ok(delay >= 100 && delay <= 300);
  assert.throws(() => decorrelatedJitterBackoff({ baseMs: 500, maxMs: 100 }), /maxMs \(100\)/);
  assert.throws(() => decorrelatedJitterBackoff({ baseMs: 0 }), RangeError);
});
