import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** Where an exchange reports its response heads and its end. */
export interface ExchangeObserver {
  /** A response head was sent (`isStream`: it is `text/event-stream`). */
  onHead(model: string | undefined, status: number, isStream: boolean): void;
  /** The response finished or the connection went away. */
  onClose(exchange: Exchange): void;
}

interface Waiter {
  timer: NodeJS.Timeout | undefined;
  resolve: (isOpen: boolean) => void;
}

/**
 * One request/response pair and every timer and wait it owns. When the response closes (it
 * finished, the client went away, or the simulator is closing), every pending wait resolves
 * `false` at once and its timer is cleared, so no work outlives the request.
 */
export class Exchange {
  /** The response. */
  readonly res: ServerResponse;
  /** The `x-request-id` sent on every response head. */
  readonly requestId: string;
  /** The model named by the request, once known; heads are counted under it. */
  model: string | undefined;
  /** Error bodies in old vLLM's flat shape (the model's `flatErrorBody` fault). */
  isFlatErrors = false;
  readonly #observer: ExchangeObserver;
  readonly #waiters = new Set<Waiter>();
  #isClosed = false;

  constructor(res: ServerResponse, requestId: string, observer: ExchangeObserver) {
    this.res = res;
    this.requestId = requestId;
    this.#observer = observer;
    res.once('close', () => {
      this.#isClosed = true;
      for (const waiter of this.#waiters) {
        clearTimeout(waiter.timer);
        waiter.resolve(false);
      }
      this.#waiters.clear();
      observer.onClose(this);
    });
  }

  /** True once the response finished or its connection closed: stop all work. */
  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** Sends the response head with `x-request-id`, and counts it. */
  head(status: number, headers: OutgoingHttpHeaders): void {
    headers['x-request-id'] = this.requestId;
    this.res.writeHead(status, headers);
    this.#observer.onHead(this.model, status, headers['content-type'] === SSE_CONTENT_TYPE);
  }

  /** Waits `ms`; resolves `true` if the exchange is still open afterwards. */
  sleep(ms: number): Promise<boolean> {
    if (this.#isClosed) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return this.#wait((waiter) => {
      waiter.timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        waiter.resolve(true);
      }, ms);
    });
  }

  /**
   * Writes `chunk`, then, if the socket buffer is full, waits for 'drain' (backpressure).
   * Resolves `true` if the exchange is still open.
   */
  write(chunk: string): Promise<boolean> | boolean {
    if (this.#isClosed) return false;
    if (this.res.write(chunk)) return true;
    return this.#wait((waiter) => {
      this.res.once('drain', () => {
        this.#waiters.delete(waiter);
        waiter.resolve(!this.#isClosed);
      });
    });
  }

  /** Never answers: resolves only when the exchange closes (client gone or simulator closing). */
  hang(): Promise<boolean> {
    if (this.#isClosed) return Promise.resolve(false);
    return this.#wait(() => undefined);
  }

  /** Destroys the response and its socket (used by `close()` on hung and stalled exchanges). */
  destroy(): void {
    this.res.destroy();
  }

  #wait(arm: (waiter: Waiter) => void): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = { timer: undefined, resolve };
      this.#waiters.add(waiter);
      arm(waiter);
    });
  }
}

/** The content type of every SSE response. */
export const SSE_CONTENT_TYPE = 'text/event-stream; charset=utf-8';
