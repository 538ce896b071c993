/**
 * One deadline per request, covering every attempt and fallback. A {@link Deadline} owns an
 * `AbortSignal` that aborts when its time passes or its parent aborts; attempt-scoped children
 * abort earlier with a `TimeoutError` that names them, so an error always says which deadline
 * fired.
 */
import { systemClock } from '../clock.js';
import type { CancelTimer, Clock } from '../clock.js';
import { DeadlineExceededError, TimeoutError, withoutStack } from '../errors.js';
import type { Disposable } from '../events.js';

/** Options of a root {@link Deadline}. */
export interface DeadlineOptions {
  /** Time allowed from now, ms. `Infinity`: no time limit (only the parent can abort it). */
  readonly budgetMs: number;
  /** The parent's cancellation: when it aborts, the deadline aborts with the same reason. */
  readonly signal?: AbortSignal;
  /** @default systemClock */
  readonly clock?: Clock;
}

const NO_TIMER: CancelTimer = () => undefined;

/**
 * A point in time on a clock, with a signal that aborts when it passes. Always `dispose()` it
 * when the work is done: that clears its timer and unhooks it from its parent signal. A deadline
 * that fires or whose parent aborts cleans up after itself too.
 *
 * A `Deadline` has `signal` and `deadlineMs`, so it can be passed as a policy's
 * `ExecuteOptions`: `policy.execute(fn, deadline)`.
 *
 * @example
 * const deadline = new Deadline({ budgetMs: 30_000, signal: request.signal, clock });
 * try { return await policy.execute(call, deadline); } finally { deadline.dispose(); }
 */
export class Deadline implements Disposable {
  readonly #clock: Clock;
  readonly #controller = new AbortController();
  readonly #parent: AbortSignal | undefined;
  #atMs: number;
  #cancelTimer: CancelTimer = NO_TIMER;

  /** @throws RangeError when `budgetMs` is NaN. */
  constructor(options: DeadlineOptions) {
    if (Number.isNaN(options.budgetMs)) throw new RangeError('budgetMs must be a number, got NaN');
    this.#clock = options.clock ?? systemClock;
    this.#parent = options.signal;
    this.#atMs = Infinity;
    if (this.#parent?.aborted === true) {
      this.#controller.abort(this.#parent.reason);
      return;
    }
    this.#parent?.addEventListener('abort', this.#onParentAbort);
    const budgetMs = options.budgetMs;
    this.#arm(budgetMs, () => new DeadlineExceededError(budgetMs));
  }

  /** Absolute time of the deadline on the clock (`clock.now()` ms); Infinity for none. */
  get atMs(): number {
    return this.#atMs;
  }

  /** The same as {@link atMs}, so a deadline is also an `ExecuteOptions`. */
  get deadlineMs(): number {
    return this.#atMs;
  }

  /** Aborts when the time passes (`DeadlineExceededError`, or `TimeoutError` for a child) or the parent aborts (its reason). */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Milliseconds left (>= 0); Infinity when there is no time limit. */
  remainingMs(): number {
    return Math.max(0, this.#atMs - this.#clock.now());
  }

  /** True once the time has passed (whether or not the timer has fired yet). */
  get expired(): boolean {
    return this.#clock.now() >= this.#atMs;
  }

  /**
   * An attempt-scoped sub-deadline of `min(ms, remainingMs())`. When its own `ms` runs out first
   * it aborts with `TimeoutError(name, ms)`; when this deadline runs out first (or its parent
   * aborts) it aborts with this deadline's reason. Dispose it when the attempt ends.
   *
   * @param ms the child's own budget, ms.
   * @param name names the timer in the `TimeoutError` (`first_byte`, `attempt`, ...).
   */
  child(ms: number, name: string): Deadline {
    const child = new Deadline({ budgetMs: Infinity, signal: this.signal, clock: this.#clock });
    // Arm the child's own timer only when it is strictly earlier than ours; otherwise our timer
    // fires first and the child follows through its parent listener, so the error is ours.
    if (ms < this.remainingMs()) child.#arm(ms, () => new TimeoutError(name, ms));
    else child.#atMs = this.#atMs;
    return child;
  }

  /** Clears the timer and unhooks from the parent. Idempotent; never aborts the signal. */
  dispose(): void {
    this.#cancelTimer();
    this.#cancelTimer = NO_TIMER;
    this.#parent?.removeEventListener('abort', this.#onParentAbort);
  }

  #arm(budgetMs: number, reason: () => Error): void {
    if (this.#controller.signal.aborted) return;
    this.#atMs = this.#clock.now() + budgetMs;
    if (budgetMs <= 0) {
      this.#expire(reason);
    } else if (budgetMs !== Infinity) {
      this.#cancelTimer = this.#clock.setTimer(budgetMs, () => {
        this.#expire(reason);
      });
    }
  }

  #expire(reason: () => Error): void {
    this.dispose();
    this.#controller.abort(withoutStack(reason));
  }

  readonly #onParentAbort = (event: Event): void => {
    this.dispose();
    this.#controller.abort((event.target as AbortSignal).reason);
  };
}
