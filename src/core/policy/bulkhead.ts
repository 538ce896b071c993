/**
 * A bulkhead: at most `maxConcurrent` executions at once and a bounded FIFO queue behind them.
 * A freed slot passes straight to the oldest waiter, so a newcomer can never barge past the
 * queue, and a waiter that aborts or times out leaves the queue at once (O(1), linked list).
 */
import { systemClock } from '../clock.js';
import type { CancelTimer, Clock } from '../clock.js';
import { BulkheadFullError, withoutStack } from '../errors.js';
import { abortError } from './abort.js';
import type { ExecuteOptions, Policy, PolicyContext } from './policy.js';
import { requireInteger, requirePositive } from './validate.js';

/** Gives a slot back. Idempotent: a second call does nothing. */
export type Release = () => void;

/** Options of {@link bulkhead}. */
export interface BulkheadOptions {
  /** Executions running at once (an integer >= 1). */
  readonly maxConcurrent: number;
  /** Callers allowed to wait for a slot (an integer >= 0). @default 0 */
  readonly maxQueue?: number;
  /** The longest a caller waits in the queue, ms. @default no limit but the caller's deadline */
  readonly queueTimeoutMs?: number;
  /** @default systemClock */
  readonly clock?: Clock;
}

/** Options of {@link Bulkhead.acquire}. */
export interface AcquireOptions {
  /** Aborting it removes the waiter from the queue at once. */
  readonly signal?: AbortSignal;
  /** Absolute deadline (`clock.now()` ms): the bulkhead never queues a caller past it. */
  readonly deadlineMs?: number;
}

interface Waiter {
  readonly resolve: (release: Release) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
  cancelTimer: CancelTimer | undefined;
  prev: Waiter | undefined;
  next: Waiter | undefined;
}

/** A concurrency limit with a bounded FIFO queue. Built by {@link bulkhead}. */
export class Bulkhead implements Policy {
  /** Executions allowed at once. */
  readonly maxConcurrent: number;
  /** Waiters allowed in the queue. */
  readonly maxQueue: number;
  readonly #queueTimeoutMs: number;
  readonly #clock: Clock;
  #active = 0;
  #queued = 0;
  #head: Waiter | undefined;
  #tail: Waiter | undefined;

  /** @throws RangeError on a limit that is not a whole number, or a negative queue timeout. */
  constructor(options: BulkheadOptions) {
    this.maxConcurrent = requireInteger('maxConcurrent', options.maxConcurrent, 1);
    this.maxQueue = requireInteger('maxQueue', options.maxQueue ?? 0, 0);
    this.#queueTimeoutMs =
      options.queueTimeoutMs === undefined
        ? Infinity
        : requirePositive('queueTimeoutMs', options.queueTimeoutMs, true);
    this.#clock = options.clock ?? systemClock;
  }

  /** Slots in use (granted and not yet released). */
  get active(): number {
    return this.#active;
  }

  /** Callers waiting for a slot. */
  get queued(): number {
    return this.#queued;
  }

  /** Takes a slot if one is free now. No allocation but the release; no promise. */
  tryAcquire(): Release | undefined {
    if (this.#active >= this.maxConcurrent) return undefined;
    this.#active++;
    return this.#release();
  }

  /**
   * Takes a slot, waiting in the FIFO queue when none is free.
   *
   * @throws BulkheadFullError when the queue is full, the wait reaches `queueTimeoutMs`, or it
   * would reach `deadlineMs`.
   * @throws the abort reason (or `CancelledError`) when `signal` aborts first.
   */
  acquire(options: AcquireOptions = {}): Promise<Release> {
    const { signal } = options;
    if (signal?.aborted === true) return Promise.reject(abortError(signal));
    const release = this.tryAcquire();
    if (release !== undefined) return Promise.resolve(release);
    if (this.#queued >= this.maxQueue) return Promise.reject(full('bulkhead is full'));
    const deadlineWaitMs = (options.deadlineMs ?? Infinity) - this.#clock.now();
    const waitMs = Math.min(this.#queueTimeoutMs, deadlineWaitMs);
    const timeoutMessage =
      waitMs === deadlineWaitMs
        ? 'waiting for the bulkhead would pass the deadline'
        : `bulkhead queue wait timed out after ${waitMs} ms`;
    if (waitMs <= 0) return Promise.reject(full(timeoutMessage));
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        signal,
        onAbort: () => {
          this.#leave(waiter);
          reject(abortError(signal as AbortSignal));
        },
        cancelTimer: undefined,
        prev: this.#tail,
        next: undefined,
      };
      this.#enqueue(waiter);
      if (waitMs !== Infinity) {
        waiter.cancelTimer = this.#clock.setTimer(waitMs, () => {
          this.#leave(waiter);
          reject(full(timeoutMessage));
        });
      }
      signal?.addEventListener('abort', waiter.onAbort);
    });
  }

  /**
   * Runs `fn` in a slot, released when `fn` settles.
   *
   * @throws BulkheadFullError or the abort reason, as {@link acquire}; else what `fn` throws.
   */
  async execute<T>(
    fn: (signal: AbortSignal, context: PolicyContext) => Promise<T>,
    options: ExecuteOptions = {},
  ): Promise<T> {
    const signal = options.signal ?? new AbortController().signal;
    const release = this.tryAcquire() ?? (await this.acquire(options));
    // A slot handed over just as the caller aborted: give it back rather than start the work.
    if (signal.aborted) {
      release();
      throw abortError(signal);
    }
    try {
      return await fn(signal, { signal, deadlineMs: options.deadlineMs });
    } finally {
      release();
    }
  }

  #release(): Release {
    let released = false;
    return () => {
      // Only the first call frees the slot: a double release must never free two.
      if (released) return;
      released = true;
      this.#handOff();
    };
  }

  /** A slot was freed: give it to the oldest waiter (the count stays), or free it. */
  #handOff(): void {
    const waiter = this.#head;
    if (waiter === undefined) {
      this.#active--;
      return;
    }
    this.#leave(waiter);
    waiter.resolve(this.#release());
  }

  #enqueue(waiter: Waiter): void {
    if (this.#tail === undefined) this.#head = waiter;
    else this.#tail.next = waiter;
    this.#tail = waiter;
    this.#queued++;
  }

  /** Unlinks a waiter and drops its timer and abort listener. */
  #leave(waiter: Waiter): void {
    if (waiter.prev === undefined) this.#head = waiter.next;
    else waiter.prev.next = waiter.next;
    if (waiter.next === undefined) this.#tail = waiter.prev;
    else waiter.next.prev = waiter.prev;
    this.#queued--;
    waiter.cancelTimer?.();
    waiter.signal?.removeEventListener('abort', waiter.onAbort);
  }
}

function full(message: string): BulkheadFullError {
  return withoutStack(() => new BulkheadFullError(message));
}

/**
 * A bulkhead policy: `bulkhead({ maxConcurrent: 8, maxQueue: 32, queueTimeoutMs: 2_000, clock })`.
 *
 * @throws RangeError on a limit that is not a whole number, or a negative queue timeout.
 */
export function bulkhead(options: BulkheadOptions): Bulkhead {
  return new Bulkhead(options);
}
