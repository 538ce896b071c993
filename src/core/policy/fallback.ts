/**
 * A fallback: when `fn` fails (and `when` agrees), answer with a value chosen by the operator
 * instead. A caller's cancellation is never replaced: the caller has gone and must hear so.
 */
import { isCancellation } from './abort.js';
import type { ExecuteOptions, Policy, PolicyContext } from './policy.js';

/** Computes the fallback from the error that triggered it. */
export type FallbackFn<F> = (error: unknown, context: PolicyContext) => F | Promise<F>;

/** Options of {@link fallback}. */
export interface FallbackOptions {
  /**
   * Which errors the fallback answers.
   * @default every error except a caller cancellation
   */
  readonly when?: (error: unknown) => boolean;
}

/** A {@link Policy} that answers with a fallback when `fn` fails. Built by {@link fallback}. */
export class FallbackPolicy<F> implements Policy<F> {
  readonly #fallback: FallbackFn<F>;
  readonly #when: ((error: unknown) => boolean) | undefined;

  constructor(fallback: FallbackFn<F>, options: FallbackOptions = {}) {
    this.#fallback = fallback;
    this.#when = options.when;
  }

  /**
   * Runs `fn`; on an error that `when` accepts, returns the fallback instead.
   * @throws `fn`'s error when `when` refuses it or it is a caller cancellation; the fallback
   * function's own error when it throws.
   */
  async execute<T>(
    fn: (signal: AbortSignal, context: PolicyContext) => Promise<T>,
    options: ExecuteOptions = {},
  ): Promise<T | F> {
    const signal = options.signal ?? new AbortController().signal;
    const context: PolicyContext = { signal, deadlineMs: options.deadlineMs };
    try {
      return await fn(signal, context);
    } catch (error) {
      // A cancellation is never replaced, even by a `when` that accepts everything.
      if (isCancellation(error, signal)) throw error;
      if (this.#when !== undefined && !this.#when(error)) throw error;
      return await this.#fallback(error, context);
    }
  }
}

/**
 * A fallback policy: `fallback(cachedAnswer)` or `fallback((error) => staticAnswer(error))`.
 * A function is always called to compute the value; to fall back to a function itself, return
 * it from one: `fallback(() => fn)`.
 */
export function fallback<F>(
  valueOrFn: F | FallbackFn<F>,
  options: FallbackOptions = {},
): FallbackPolicy<F> {
  const fn: FallbackFn<F> =
    typeof valueOrFn === 'function' ? (valueOrFn as FallbackFn<F>) : () => valueOrFn;
  return new FallbackPolicy(fn, options);
}
