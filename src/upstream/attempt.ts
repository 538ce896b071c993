/**
 * The lifetime of one upstream attempt: one AbortController handed to undici, the total timer,
 * and the listener on the caller's signal. Whoever aborts first is remembered as the `cause`, so
 * the error undici throws afterwards (always some AbortError) is never what classifies the end.
 */
import type { EventEmitter } from 'node:events';
import type { CancelTimer, Clock } from '../core/index.js';

/** Who ended an attempt early. */
export type AbortCause =
  /** The caller's signal aborted. */
  | 'caller'
  /** The attempt's `totalMs` passed. */
  | 'total'
  /** The router's cap on this attempt passed (its share of the deadline, or `attemptTimeoutMs`). */
  | 'attempt'
  /** No response head within `firstByteMs`. */
  | 'first_byte'
  /** The stream went quiet for `idleMs`. */
  | 'idle'
  /** The consumer called the stream's `abort()` or `return()`. */
  | 'consumer'
  /** The stream saw broken framing and gave up on it. */
  | 'malformed';

/** A timeout usable as a timer: positive and finite (0, negative or Infinity disable it). */
export function isTimerMs(ms: number): boolean {
  return ms > 0 && Number.isFinite(ms);
}

/**
 * The signal handed to undici. undici accepts an EventEmitter-like signal (`once` and
 * `removeListener` for 'abort', `aborted`, `reason`; `api-request.js`, `util.addAbortListener`).
 * One plain object per attempt instead of an AbortController: the controller, its EventTarget and
 * the listener bookkeeping were ~7% of the client's CPU per request in a profile, more than all
 * of breakerbox's own code on that path.
 */
class UndiciSignal {
  aborted = false;
  /** undici builds its own `RequestAbortedError` when there is no reason. */
  readonly reason = undefined;
  #listener: (() => void) | undefined;

  on(_event: 'abort', listener: () => void): this {
    // undici registers exactly one listener per request, with once().
    this.#listener = listener;
    return this;
  }

  once(event: 'abort', listener: () => void): this {
    return this.on(event, listener);
  }

  removeListener(_event: 'abort', listener: () => void): this {
    if (this.#listener === listener) this.#listener = undefined;
    return this;
  }

  fire(): void {
    this.aborted = true;
    const listener = this.#listener;
    this.#listener = undefined;
    listener?.();
  }
}

/** The timers of one attempt, ms; a value that is not {@link isTimerMs} sets no timer. */
export interface AttemptTimers {
  /** The whole attempt. */
  readonly totalMs: number;
  /** The router's cap; the tighter of this and `totalMs` runs, named by its own cause. */
  readonly attemptMs?: number | undefined;
  /** From the start to the response head (connect included); see {@link Attempt.headersArrived}. */
  readonly firstByteMs?: number | undefined;
  /** Silence while a JSON body is read; see {@link Attempt.watchBody}. */
  readonly idleMs?: number | undefined;
}

/**
 * Internal: owned by the client for a non-streaming call, then by the stream it hands out.
 *
 * Every timer here is the clock's (Node's own `setTimeout`, to the millisecond): undici's
 * `connect.timeout`, `headersTimeout` and `bodyTimeout` run on a 500 ms tick and fire up to a
 * second late, so the client turns them off and enforces each timeout here.
 */
export class Attempt {
  readonly #signal = new UndiciSignal();
  readonly #caller: AbortSignal | undefined;
  readonly #clock: Clock;
  #cause: AbortCause | undefined;
  #cancelTimer: CancelTimer | undefined;
  #cancelPhase: CancelTimer | undefined;
  #idleMs = 0;
  #lastActivityMs = 0;
  #released = false;
  /** Called once, synchronously, when the attempt is aborted (after undici was told). */
  onAbort: ((cause: AbortCause) => void) | undefined;

  /**
   * @param clock schedules the timers.
   * @param timers the attempt's budgets.
   * @param caller the caller's signal; must not be aborted already (the client checks first).
   */
  constructor(clock: Clock, timers: AttemptTimers, caller: AbortSignal | undefined) {
    this.#clock = clock;
    this.#caller = caller;
    caller?.addEventListener('abort', this.#onCallerAbort);
    const { totalMs, attemptMs = 0, firstByteMs = 0 } = timers;
    this.#idleMs = timers.idleMs ?? 0;
    const capped = isTimerMs(attemptMs) && (!isTimerMs(totalMs) || attemptMs < totalMs);
    // A closure per timer actually set (most attempts set one or none), not one per kind.
    if (capped) {
      this.#cancelTimer = clock.setTimer(attemptMs, () => {
        this.#timerFired('attempt');
      });
    } else if (isTimerMs(totalMs)) {
      this.#cancelTimer = clock.setTimer(totalMs, () => {
        this.#timerFired('total');
      });
    }
    if (isTimerMs(firstByteMs)) {
      this.#cancelPhase = clock.setTimer(firstByteMs, () => {
        this.#cancelPhase = undefined;
        this.abort('first_byte');
      });
    }
  }

  /** The response head arrived: the first-byte timer stops. */
  headersArrived(): void {
    this.#cancelPhase?.();
    this.#cancelPhase = undefined;
  }

  /**
   * Starts the idle timer for a body read chunk by chunk; call {@link touch} on each chunk.
   * One timer per idle period, re-armed for what is left of it, not one per chunk.
   */
  watchBody(): void {
    this.headersArrived();
    if (!isTimerMs(this.#idleMs) || this.#released) return;
    this.#lastActivityMs = this.#clock.now();
    this.#onIdle ??= () => {
      this.#idleCheck();
    };
    this.#cancelPhase = this.#clock.setTimer(this.#idleMs, this.#onIdle);
  }

  /** A body chunk arrived. */
  touch(): void {
    this.#lastActivityMs = this.#clock.now();
  }

  /** The signal undici watches (typed as undici's `EventEmitter` signal option). */
  get signal(): EventEmitter {
    return this.#signal as unknown as EventEmitter;
  }

  /** True once {@link abort} ran. */
  get aborted(): boolean {
    return this.#signal.aborted;
  }

  /** Who aborted the attempt, if anyone did. */
  get cause(): AbortCause | undefined {
    return this.#cause;
  }

  /** Aborts the request (destroying its socket) unless it was aborted already. */
  abort(cause: AbortCause): void {
    if (this.#cause !== undefined) return;
    this.#cause = cause;
    this.release();
    this.#signal.fire();
    this.onAbort?.(cause);
  }

  /**
   * Frees the timer and the caller listener. Idempotent; every exit path calls it. After it,
   * only an explicit {@link abort} can end the request.
   */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#cancelPhase?.();
    this.#cancelPhase = undefined;
    this.#caller?.removeEventListener('abort', this.#onCallerAbort);
  }

  readonly #onCallerAbort = (): void => {
    this.abort('caller');
  };

  #timerFired(cause: 'total' | 'attempt'): void {
    this.#cancelTimer = undefined;
    this.abort(cause);
  }

  /** The idle timer, made when a body is watched (most attempts never set one). */
  #onIdle: (() => void) | undefined;

  #idleCheck(): void {
    this.#cancelPhase = undefined;
    if (this.#released) return;
    const quietMs = this.#clock.now() - this.#lastActivityMs;
    if (quietMs >= this.#idleMs) {
      this.abort('idle');
      return;
    }
    this.#cancelPhase = this.#clock.setTimer(this.#idleMs - quietMs, this.#onIdle as () => void);
  }
}
