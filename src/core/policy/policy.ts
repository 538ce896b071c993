/**
 * The shape every resilience policy shares, so they compose: `wrap(retry, breaker, bulkhead)`.
 * One cancellation signal and one absolute deadline flow through the whole stack.
 */

/** What each layer of a policy stack hands to the next. */
export interface PolicyContext {
  /** Aborts when the caller cancels, the deadline passes, or an enclosing policy gives up. */
  readonly signal: AbortSignal;
  /** Absolute deadline on the policy's clock (`clock.now()` ms), or undefined for none. */
  readonly deadlineMs: number | undefined;
}

/** Options a caller passes to {@link Policy.execute}. */
export interface ExecuteOptions {
  /** The caller's cancellation. */
  readonly signal?: AbortSignal;
  /** Absolute deadline on the policy's clock (`clock.now()` ms). */
  readonly deadlineMs?: number;
}

/**
 * A resilience policy: runs `fn` under its rule and returns or throws what `fn` does.
 *
 * `F` is what the policy may return instead of `fn`'s result (a fallback's value); it is
 * `never` for every policy that only passes results through, so `Policy` is `Policy<never>`.
 */
export interface Policy<F = never> {
  execute<T>(
    fn: (signal: AbortSignal, context: PolicyContext) => Promise<T>,
    options?: ExecuteOptions,
  ): Promise<T | F>;
}
