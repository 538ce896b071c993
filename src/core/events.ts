/** Something that can be undone: a subscription, a timer. */
export interface Disposable {
  dispose(): void;
}

/** Called with a listener's error; a broken listener never fails a call. */
export type ListenerErrorHandler = (error: unknown) => void;

/**
 * A tiny synchronous event emitter for plain-data events. Listener errors are caught and passed
 * to `onListenerError`, so telemetry can never break the request path. Callers check
 * {@link Emitter.size} to skip building an event nobody listens to.
 */
export class Emitter<T> {
  #listeners: ((event: T) => void)[] = [];
  readonly #onListenerError: ListenerErrorHandler;

  constructor(onListenerError: ListenerErrorHandler = () => undefined) {
    this.#onListenerError = onListenerError;
  }

  /** Number of listeners. */
  get size(): number {
    return this.#listeners.length;
  }

  /** Adds a listener; dispose the result to remove it. */
  on(listener: (event: T) => void): Disposable {
    // Copy-on-write: an emit in progress keeps iterating the array it started with.
    this.#listeners = [...this.#listeners, listener];
    return {
      dispose: () => {
        this.#listeners = this.#listeners.filter((l) => l !== listener);
      },
    };
  }

  /** Delivers `event` to every listener in order. Never throws. */
  emit(event: T): void {
    const listeners = this.#listeners;
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        try {
          this.#onListenerError(error);
        } catch {
          // The error handler itself failed: nothing safe is left to tell.
        }
      }
    }
  }
}
