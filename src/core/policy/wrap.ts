/**
 * Composition: `wrap(a, b, c).execute(fn)` runs `a(b(c(fn)))`, the outermost first. Each layer
 * hands the next the signal and deadline it runs under (a timeout's tighter signal, a retry's
 * shared one), so one cancellation and one deadline flow from the caller to `fn`.
 */
import type { FallbackPolicy } from './fallback.js';
import type { ExecuteOptions, Policy, PolicyContext } from './policy.js';

/** Policies run as one, the first given outermost. Built by {@link wrap}. */
export class PolicyStack<F = never> implements Policy<F> {
  /** The layers, outermost first. */
  readonly policies: readonly Policy<F>[];

  constructor(policies: readonly Policy<F>[]) {
    this.policies = policies;
  }

  /**
   * Runs `fn` through every layer, outermost first.
   * @throws whatever the layers and `fn` throw.
   */
  execute<T>(
    fn: (signal: AbortSignal, context: PolicyContext) => Promise<T>,
    options: ExecuteOptions = {},
  ): Promise<T | F> {
    const run = (index: number, at: ExecuteOptions): Promise<T | F> => {
      const policy = this.policies[index];
      if (policy === undefined) {
        const signal = at.signal ?? new AbortController().signal;
        return fn(signal, { signal, deadlineMs: at.deadlineMs });
      }
      return policy.execute(
        (signal, context) => run(index + 1, { signal, deadlineMs: context.deadlineMs }),
        at,
      );
    };
    return run(0, options);
  }
}

/**
 * What a policy may return instead of `fn`'s result: `F` for a `fallback()` or a stack holding
 * one, `never` for a policy that passes results through. (TypeScript cannot read `F` off a
 * generic `execute`, hence the match on the classes.)
 */
export type AltReturnOf<P> =
  P extends FallbackPolicy<infer F> ? F : P extends PolicyStack<infer F> ? F : never;

/**
 * Composes policies, the first outermost: `wrap(fallback(cached), retry(), breaker, timeout(10_000))`.
 * Accepts any object with a matching `execute` (the circuit breaker included). The result type
 * adds the values of the `fallback()`s in the stack. With no policies, `execute` calls `fn`.
 */
export function wrap<const P extends readonly Policy<unknown>[]>(
  ...policies: P
): PolicyStack<AltReturnOf<P[number]>> {
  // Sound: each layer returns its inner result or one of its own alternates, all in the union.
  return new PolicyStack<AltReturnOf<P[number]>>(policies);
}
