/**
 * Time, injected. Everything in `core/` reads time and schedules work only through a `Clock`,
 * so every transition can be driven in tests by a {@link FakeClock} in microseconds.
 */

/** Cancels a timer scheduled with {@link Clock.setTimer}. Calling it twice is harmless. */
export type CancelTimer = () => void;

/** A source of time and timers. */
export interface Clock {
  /** Monotonic milliseconds (arbitrary origin). Use for durations and deadlines. */
  now(): number;
  /** Wall-clock milliseconds since the Unix epoch. Use only for timestamps shown to people. */
  epochMs(): number;
  /**
   * Resolves after `ms` milliseconds. Rejects with the signal's reason when `signal` aborts
   * first, and frees its timer at once.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Calls `fn` once after `ms` milliseconds unless cancelled. Timers never keep a process alive. */
  setTimer(ms: number, fn: () => void): CancelTimer;
}

/** An aborted signal always has a reason: Node supplies an `AbortError` when `abort()` got none. */
function abortReason(signal: AbortSignal): Error {
  return signal.reason as Error;
}

/** Node's timers overflow past 2^31-1 ms (about 24.8 days) and fire at once; longer waits chain. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * `globalThis.performance` is a lazy getter in Node; a breaker with a time window reads the clock
 * on every recorded call, so the object is looked up once (its `now` still per call, so a test
 * can mock it).
 */
const perf = globalThis.performance;

/** The real clock: `performance.now()` for monotonic time, unref'd Node timers. */
export const systemClock: Clock = {
  now: () => perf.now(),
  epochMs: () => Date.now(),
  setTimer(ms, fn) {
    let t: ReturnType<typeof setTimeout>;
    if (ms === Infinity) return () => undefined;
    const dueMs = performance.now() + Math.max(0, ms);
    // Node schedules from the event loop's cached time, which lags real time while the loop is
    // busy, so a timer can fire a few ms early: it is re-armed for what is really left.
    const arm = (left: number): void => {
      t = setTimeout(
        () => {
          const rest = dueMs - performance.now();
          if (rest > 0.5) arm(rest);
          else fn();
        },
        Math.min(Math.ceil(Math.max(0, left)), MAX_TIMER_MS),
      );
      t.unref();
    };
    arm(ms);
    return () => {
      clearTimeout(t);
    };
  },
  sleep(ms, signal) {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        clearTimeout(t);
        reject(abortReason(signal as AbortSignal));
      };
      const t = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      // A sleep someone awaits must not be unref'd, or the process could exit under the await.
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};
