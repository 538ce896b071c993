/**
 * A timeout that aborts the work it gives up on: `fn` gets a signal that aborts when the time
 * passes, and the policy rejects at that moment even if `fn` ignores the signal. Never a bare
 * `Promise.race` that leaves the loser running unaware.
 */
import { systemClock } from '../clock.js';
import type { Clock } from '../clock.js';
import { TimeoutError, withoutStack } from '../errors.js';
import { abortError } from './abort.js';
import type { ExecuteOptions, Policy, PolicyContext } from './policy.js';
import { requirePositive } from './validate.js';

/** Options of {@link timeout}. */
export interface TimeoutOptions {
  /** Names the timer in the `TimeoutError` (`attempt`, `first_byte`, ...). @default 'operation' */
  readonly name?: string;
  /** @default systemClock */
  readonly clock?: Clock;
}

/** A {@link Policy} that gives `fn` at most `timeoutMs`. Built by {@link timeout}. */
export class TimeoutPolicy implements Policy {
  /** The time allowed to each execution, ms. */
  readonly timeoutMs: number;
  /** The timer's name, as reported in `TimeoutError.timer`. */
  readonly name: string;
  readonly #clock: Clock;

  /** @throws RangeError when `timeoutMs` is not a finite number > 0. */
  constructor(timeoutMs: number, options: TimeoutOptions = {}) {
    this.timeoutMs = requirePositive('timeoutMs', timeoutMs);
    this.name = options.name ?? 'operation';
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * Runs `fn` with a signal that aborts after `timeoutMs` or when the caller's signal aborts.
   * The context's `deadlineMs` is the earlier of the caller's deadline and this timeout, so
   * inner policies never plan waits past it.
   *
   * @throws TimeoutError (`timeout`) when the time passes first; the signal given to `fn` is
   * aborted with that same error.
   * @throws the caller's abort reason, or `CancelledError`, when the caller aborts first.
   */
  async execute<T>(
    fn: (signal: AbortSignal, context: PolicyContext) => Promise<T>,
    options: ExecuteOptions = {},
  ): Promise<T> {
    const outer = options.signal;
    if (outer?.aborted === true) throw abortError(outer);
    const controller = new AbortController();
    const signal = controller.signal;
    const ms = this.timeoutMs;
    const deadlineMs = Math.min(options.deadlineMs ?? Infinity, this.#clock.now() + ms);
    // Assigned synchronously by the executor below.
    let giveUp!: (error: Error, reason: unknown) => void;
    const givenUp = new Promise<never>((_resolve, reject) => {
      giveUp = (error, reason) => {
        // Reject first, then abort: the rejection wins the race below even when the work
        // rejects synchronously on abort, and the work is still told to stop in this same turn.
        reject(error);
        controller.abort(reason);
      };
    });
    const onOuterAbort = (event: Event): void => {
      const source = event.target as AbortSignal;
      giveUp(abortError(source), source.reason);
    };
    const cancelTimer = this.#clock.setTimer(ms, () => {
      const error = withoutStack(() => new TimeoutError(this.name, ms));
      giveUp(error, error);
    });
    outer?.addEventListener('abort', onOuterAbort);
    try {
      // Not a bare race: the loser is aborted through `signal`, and the race's handlers keep a
      // late rejection of the abandoned work from going unhandled.
      return await Promise.race([fn(signal, { signal, deadlineMs }), givenUp]);
    } finally {
      cancelTimer();
      outer?.removeEventListener('abort', onOuterAbort);
    }
  }
}

/**
 * A timeout policy: `timeout(30_000, { name: 'attempt', clock })`.
 *
 * @param timeoutMs the time allowed to each execution, ms (finite, > 0).
 * @throws RangeError when `timeoutMs` is not a finite number > 0.
 */
export function timeout(timeoutMs: number, options: TimeoutOptions = {}): TimeoutPolicy {
  return new TimeoutPolicy(timeoutMs, options);
}
