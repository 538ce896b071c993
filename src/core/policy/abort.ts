/**
 * Cancellation helpers shared by the policies: which error a policy rejects with when its
 * signal aborts, what counts as the caller cancelling, and linking several signals into one
 * with listeners that are removed again (no per-request growth on long-lived signals).
 */
import { CancelledError, isBreakerboxError, withoutStack } from '../errors.js';
import type { Disposable } from '../events.js';

/**
 * The error to reject with once `signal` has aborted: the reason itself when it is an `Error`
 * other than a bare `AbortError` (a `DeadlineExceededError`, a `TimeoutError`, the caller's own
 * error), otherwise a {@link CancelledError} with the reason as its `cause`.
 */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name !== 'AbortError') return reason;
  return withoutStack(() => new CancelledError(undefined, { cause: reason }));
}

/** Throws {@link abortError} of `signal` if it has aborted. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw abortError(signal);
}

/**
 * True when `error` means the caller gave up. When `signal` has aborted, its reason decides:
 * anything but a timeout or a passed deadline is the caller's cancellation, whatever shape the
 * work's error took. Otherwise: a {@link CancelledError} or a DOM `AbortError` (what `fetch`
 * and undici throw on abort). Cancellations are never retried, counted, or replaced by a fallback.
 */
export function isCancellation(error: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted === true) {
    const reason: unknown = signal.reason;
    return !(
      isBreakerboxError(reason) &&
      (reason.code === 'timeout' || reason.code === 'deadline_exceeded')
    );
  }
  if (isBreakerboxError(error) && error.code === 'cancelled') return true;
  return error instanceof Error && error.name === 'AbortError';
}

/** A signal that aborts when any of its sources aborts. Dispose it to unhook from the sources. */
export interface CombinedSignal extends Disposable {
  readonly signal: AbortSignal;
}

const NOOP = (): void => undefined;

/**
 * Links `signals` (undefined entries are skipped) into one signal that aborts with the reason of
 * the first source to abort. Unlike `AbortSignal.any`, the links are plain listeners removed by
 * `dispose()` or on the first abort, so a long-lived source (a server's shutdown signal) never
 * accumulates one listener per request. With a single source, that source is returned as is.
 */
export function combineSignals(signals: readonly (AbortSignal | undefined)[]): CombinedSignal {
  const sources = signals.filter((s): s is AbortSignal => s !== undefined);
  const [only] = sources;
  if (only !== undefined && sources.length === 1) return { signal: only, dispose: NOOP };
  const controller = new AbortController();
  const aborted = sources.find((s) => s.aborted);
  if (aborted !== undefined) {
    controller.abort(aborted.reason);
    return { signal: controller.signal, dispose: NOOP };
  }
  const dispose = (): void => {
    for (const s of sources) s.removeEventListener('abort', onAbort);
  };
  const onAbort = (event: Event): void => {
    dispose();
    controller.abort((event.target as AbortSignal).reason);
  };
  for (const s of sources) s.addEventListener('abort', onAbort);
  return { signal: controller.signal, dispose };
}
