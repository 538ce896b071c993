/**
 * What every contender of the core benchmark shares: the wrapped functions, the fallback value,
 * and the configurations, chosen so the three libraries trip on the same thing as far as their
 * semantics allow (each difference is spelled out in {@link CONFIG_NOTES}).
 */
import type { CircuitBreakerConfig } from '../../src/core/index.js';

/** The wrapped call on the success path: resolves at once. */
export const ok = (): Promise<number> => Promise.resolve(1);

/**
 * Thrown by every failing call. Allocated once, so the failure rows measure the breakers and not
 * V8 capturing a stack for the call's own error (each library still builds its own errors).
 */
export const UPSTREAM_ERROR = new Error('upstream failed');

/** The wrapped call on the failure path: rejects at once with {@link UPSTREAM_ERROR}. */
export const failing = (): Promise<never> => Promise.reject(UPSTREAM_ERROR);

/** What every fallback resolves to. */
export const FALLBACK_VALUE = 0;

/** A threshold no run reaches (failure path, "not tripping"). */
export const NEVER = Number.MAX_SAFE_INTEGER;

/** Calls put in the window before the "after 100k" failure rows. */
export const PREFILL_CALLS = 100_000;

/** Open periods long enough that no open breaker moves to half-open during the run. */
export const HOUR_MS = 3_600_000;

/** Consecutive trip: open at the 5th failure in a row. */
export const BB_CONSECUTIVE: CircuitBreakerConfig = {
  trip: { consecutive: 5 },
  openMs: 30_000,
};

/** Rate trip over a 10 s time window of 10 buckets: open at >= 50 % failures once 5 calls are in. */
export const BB_RATE_10S: CircuitBreakerConfig = {
  trip: {
    rate: { window: { type: 'time', sizeMs: 10_000, buckets: 10 }, minCalls: 5, failureRate: 0.5 },
  },
  openMs: 30_000,
};

/** Never trips on consecutive failures (failure path). */
export const BB_CONSECUTIVE_NEVER: CircuitBreakerConfig = {
  trip: { consecutive: NEVER },
};

/** A 100,000-call count window that never trips (minCalls out of reach). */
export const BB_COUNT_100K_NEVER: CircuitBreakerConfig = {
  trip: {
    rate: { window: { type: 'count', size: 100_000 }, minCalls: NEVER, failureRate: 0.5 },
  },
};

/**
 * A 60 s time window (60 buckets) that never trips: 60 s so the prefilled calls are all still in
 * the window while the rounds run.
 */
export const BB_TIME_60S_NEVER: CircuitBreakerConfig = {
  trip: {
    rate: {
      window: { type: 'time', sizeMs: 60_000, buckets: 60 },
      minCalls: NEVER,
      failureRate: 0.5,
    },
  },
};

/** Open from the first failure, for an hour: the "tripped open" fast-fail rows. */
export const BB_TRIP_AT_ONCE: CircuitBreakerConfig = {
  trip: { consecutive: 1 },
  openMs: HOUR_MS,
  maxOpenMs: HOUR_MS,
};

/** How each contender is configured, for the report. */
export const CONFIG_NOTES: readonly string[] = [
  '**consecutive** — breakerbox `{ trip: { consecutive: 5 }, openMs: 30_000 }`; cockatiel ' +
    '`circuitBreaker(handleAll, { halfOpenAfter: 30_000, breaker: new ConsecutiveBreaker(5) })`. ' +
    'Both open at the 5th failure in a row. opossum has no consecutive trip.',
  '**rate** — breakerbox `{ trip: { rate: { window: { type: "time", sizeMs: 10_000, buckets: 10 }, ' +
    'minCalls: 5, failureRate: 0.5 } } }`; opossum `{ errorThresholdPercentage: 50, volumeThreshold: 5, ' +
    'rollingCountTimeout: 10_000, rollingCountBuckets: 10, resetTimeout: 30_000, timeout: false }`; ' +
    'cockatiel `new SamplingBreaker({ threshold: 0.5, duration: 10_000, minimumRps: 0.5 })` ' +
    '(0.5 rps × 10 s = 5 calls). breakerbox trips at ≥ 50 %, opossum and cockatiel at > 50 %.',
  '**opossum timeout** — opossum arms a `setTimeout` per call unless `timeout: false`; neither ' +
    'breakerbox nor cockatiel times the call, so the opossum rows use `timeout: false` and one extra ' +
    'row shows its default (10 s timer per call).',
  '**failure path, not tripping** — the same shapes with thresholds out of reach ' +
    '(`Number.MAX_SAFE_INTEGER` consecutive failures / minimum calls / `volumeThreshold`, cockatiel ' +
    '`minimumRps` likewise) and 60 s windows (breakerbox count window of 100,000 calls, breakerbox ' +
    'time window 60 s / 60 buckets, opossum 60 s / 60 buckets, cockatiel 60 s), so the prefilled ' +
    'calls stay in the window while the rounds run. The wrapped function rejects with one ' +
    'preallocated `Error`.',
  '**open, fast-fail** — breakerbox `forceOpen()` (and a breaker tripped open by one failure, ' +
    '`openMs` 1 h) with `execute(fn, { fallback })`, or `acquire()` checked first and the fallback ' +
    'value used when refused (synchronous, no promise); opossum `open()` with `.fallback(fn)` ' +
    '(`resetTimeout` 1 h); cockatiel `wrap(fallback(handleAll, fn), breaker)` on an `isolate()`d ' +
    'breaker and on one tripped open (`ConsecutiveBreaker(1)`, `halfOpenAfter` 1 h).',
];
