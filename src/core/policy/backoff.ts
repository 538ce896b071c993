/**
 * Delays between attempts. A {@link Backoff} is a pure function of the attempt number and the
 * previous delay: the retry loop holds that state per execution, so one backoff can serve any
 * number of concurrent executions without sharing mutable state.
 */
import { requirePositive } from './validate.js';

/** What a backoff needs to compute the next delay. */
export interface BackoffInput {
  /** The attempt that just failed, from 1: the delay returned precedes attempt `attempt + 1`. */
  readonly attempt: number;
  /**
   * The previous wait, ms (what this backoff returned, or more when an error's `retryAfterMs`
   * raised it); undefined before the first retry.
   */
  readonly previousDelayMs: number | undefined;
}

/** Returns the delay before the next attempt, in ms (>= 0). Must not keep state between calls. */
export type Backoff = (input: BackoffInput) => number;

/** How exponential delays are randomised. `none` is only for tests and single clients. */
export type Jitter = 'full' | 'equal' | 'none';

/**
 * The same delay every time.
 *
 * @param delayMs delay before each retry, ms (>= 0).
 * @throws RangeError when `delayMs` is negative or not finite.
 */
export function constantBackoff(delayMs: number): Backoff {
  requirePositive('delayMs', delayMs, true);
  return () => delayMs;
}

/** Options of {@link exponentialBackoff}. */
export interface ExponentialBackoffOptions {
  /** Delay before the first retry (before jitter), ms. @default 100 */
  readonly initialMs?: number;
  /** Growth per attempt (>= 1). @default 2 */
  readonly factor?: number;
  /** Cap on the delay before jitter, ms. @default 10_000 */
  readonly maxMs?: number;
  /**
   * `full`: uniform in [0, d); `equal`: uniform in [d/2, d); `none`: exactly d, where
   * d = min(maxMs, initialMs × factor^(attempt − 1)). @default 'full'
   */
  readonly jitter?: Jitter;
  /** Uniform random in [0, 1). @default Math.random */
  readonly random?: () => number;
}

/**
 * Exponential backoff, capped, with full or equal jitter (AWS Architecture Blog, "Exponential
 * Backoff And Jitter", 2015): jitter spreads the retries of many clients failing together.
 *
 * @throws RangeError when `initialMs` or `maxMs` is not > 0 and finite, or `factor` < 1.
 */
export function exponentialBackoff(options: ExponentialBackoffOptions = {}): Backoff {
  const initialMs = requirePositive('initialMs', options.initialMs ?? 100);
  const factor = requirePositive('factor', options.factor ?? 2);
  const maxMs = requirePositive('maxMs', options.maxMs ?? 10_000);
  if (factor < 1) throw new RangeError(`factor must be >= 1, got ${factor}`);
  const jitter = options.jitter ?? 'full';
  const random = options.random ?? Math.random;
  return ({ attempt }) => {
    // factor^n overflows to Infinity for large n; initialMs > 0 keeps the product Infinity, not NaN.
    const capped = Math.min(maxMs, initialMs * factor ** Math.max(0, attempt - 1));
    switch (jitter) {
      case 'full':
        return random() * capped;
      case 'equal':
        return capped / 2 + (random() * capped) / 2;
      case 'none':
        return capped;
    }
  };
}

/** Options of {@link decorrelatedJitterBackoff}. */
export interface DecorrelatedJitterOptions {
  /** Smallest delay, ms. @default 100 */
  readonly baseMs?: number;
  /** Largest delay, ms (>= baseMs). @default 10_000 */
  readonly maxMs?: number;
  /** Uniform random in [0, 1). @default Math.random */
  readonly random?: () => number;
}

/**
 * Decorrelated jitter (AWS): `min(cap, random_between(base, previous × 3))`, starting from
 * `previous = base`. Every delay lies in [baseMs, maxMs].
 *
 * @throws RangeError when `baseMs` or `maxMs` is not > 0 and finite, or `maxMs < baseMs`.
 */
export function decorrelatedJitterBackoff(options: DecorrelatedJitterOptions = {}): Backoff {
  const baseMs = requirePositive('baseMs', options.baseMs ?? 100);
  const maxMs = requirePositive('maxMs', options.maxMs ?? 10_000);
  if (maxMs < baseMs) throw new RangeError(`maxMs (${maxMs}) must be >= baseMs (${baseMs})`);
  const random = options.random ?? Math.random;
  return ({ previousDelayMs }) => {
    // Clamping the input keeps the range finite and non-empty whatever the caller passes.
    const previousMs = Math.min(maxMs, Math.max(baseMs, previousDelayMs ?? baseMs));
    return Math.min(maxMs, baseMs + random() * (previousMs * 3 - baseMs));
  };
}
