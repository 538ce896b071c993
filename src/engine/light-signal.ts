/**
 * Cancellation signals of breakerbox's own request path, without an `AbortController`. In Node 20
 * an AbortController, its `AbortSignal` (an EventTarget) and each listener cost a dozen objects
 * and ~2 µs per request; a request opens one for its deadline and one per stream attempt, and
 * breakerbox only ever listens to them. A {@link LightSignal} does what breakerbox's code (the
 * router, the upstream client, the clock's `sleep`) and undici read of a signal: `aborted`,
 * `reason`, `throwIfAborted()`, `onabort` and 'abort' listeners (`once` honoured; the event
 * carries `target`).
 *
 * Not a real `AbortSignal`: never hand one to `AbortSignal.any`, `fetch` or a DOM API. Where a
 * caller may see the signal, give it a real one.
 */

/** What an 'abort' listener gets: the event's type and target, as an EventTarget's listeners do. */
export interface AbortEventLike {
  readonly type: 'abort';
  readonly target: LightSignal;
  readonly currentTarget: LightSignal;
}

type AbortListener = (this: unknown, event: AbortEventLike) => void;

interface Registered {
  readonly fn: AbortListener;
  readonly once: boolean;
}

/** An abortable signal; see the file's comment. */
export class LightSignal {
  aborted = false;
  reason: unknown = undefined;
  onabort: AbortListener | null = null;
  #listeners: Registered[] | undefined;

  /** Where a listener's error goes: thrown again on the next tick (tests replace it). */
  static onListenerError = (error: unknown): void => {
    process.nextTick(() => {
      throw error;
    });
  };

  addEventListener(type: string, fn: AbortListener, options?: { once?: boolean } | boolean): void {
    if (type !== 'abort' || this.aborted) return;
    const listeners = (this.#listeners ??= []);
    for (const l of listeners) if (l.fn === fn) return;
    listeners.push({ fn, once: typeof options === 'object' && options.once === true });
  }

  removeEventListener(type: string, fn: AbortListener): void {
    const listeners = this.#listeners;
    if (type !== 'abort' || listeners === undefined) return;
    for (let i = 0; i < listeners.length; i++) {
      if ((listeners[i] as Registered).fn === fn) {
        listeners.splice(i, 1);
        return;
      }
    }
  }

  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }

  /**
   * Aborts once with `reason` (an `AbortError` `DOMException` when none is given, as
   * `AbortController#abort()` does) and tells every listener, in the order they were added.
   */
  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason =
      reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
    const listeners = this.#listeners;
    this.#listeners = undefined;
    const event: AbortEventLike = { type: 'abort', target: this, currentTarget: this };
    if (this.onabort !== null) call(this.onabort, this, event);
    if (listeners !== undefined) for (const l of listeners) call(l.fn, this, event);
  }

  /** This signal where an `AbortSignal` is typed (breakerbox's own code and undici only). */
  get asSignal(): AbortSignal {
    return this as unknown as AbortSignal;
  }
}

/**
 * Calls one listener. One that throws does not stop the others: its error is thrown again on the
 * next tick (an uncaught exception), as an EventTarget's listener errors are.
 */
function call(fn: AbortListener, signal: LightSignal, event: AbortEventLike): void {
  try {
    fn.call(signal, event);
  } catch (error) {
    LightSignal.onListenerError(error);
  }
}

/**
 * Makes `target` abort (with the same reason) when `source` aborts, until the returned function
 * unhooks it. An already aborted `source` aborts `target` at once.
 */
export function linkAbort(source: AbortSignal, target: LightSignal): () => void {
  if (source.aborted) {
    target.abort(source.reason);
    return NOOP;
  }
  const onAbort = (): void => {
    target.abort(source.reason);
  };
  source.addEventListener('abort', onAbort, { once: true });
  return () => {
    source.removeEventListener('abort', onAbort);
  };
}

const NOOP = (): void => undefined;
