/**
 * What every stream handed to a caller shares, whatever its wire format: it is iterated once, the
 * events buffered before the first content come first, a consumer that stops early (or `cancel()`)
 * closes the upstream, and the stream's end (finished, failed, cancelled) is reported exactly
 * once. Subclasses say only how an upstream event is relayed and what usage it carried.
 */
import { CancelledError, UpstreamError, isBreakerboxError } from '../core/index.js';
import type { Outcome } from '../core/index.js';
import type { SseEvent } from '../upstream/index.js';
import type { RequestEvent } from './accounting.js';
import type { BreakerboxMeta } from './meta.js';
import type { OpenedStream } from './stream-call.js';

/**
 * An iterator whose items may also be taken without a promise round: `nextReady()` returns the
 * next item when it is already at hand (buffered, or read from the upstream and not yet handed
 * out), else undefined, and then `next()` waits for it, or reports the end or a failure.
 */
export interface ReadyIterator<T> extends AsyncIterator<T> {
  nextReady?(): IteratorResult<T> | undefined;
}

/** How the stream ended, reported once to whoever settles the request. */
export interface StreamEnd {
  readonly outcome: Outcome;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** Of `promptTokens`, those the provider served from its prompt cache (0: none reported). */
  readonly cachedPromptTokens: number;
  readonly error: unknown;
}

/** Tokens a stream reported, as far as it has gone. */
export interface StreamUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly cachedPromptTokens: number;
}

export abstract class RelayedStream<T> implements AsyncIterable<T> {
  /**
   * What breakerbox did for this request (deployment, fallback, attempts), as known when the
   * stream opened: cost 0 and `durationMs` to the first content. The final figures are in
   * {@link report}.
   */
  readonly meta: BreakerboxMeta;
  /**
   * Resolves once, when the stream has ended in any way (finished, failed, cancelled), with the
   * request's report: the final meta (real cost, `durationMs` to the end), tokens, outcome.
   */
  readonly report: Promise<RequestEvent>;
  protected readonly opened: OpenedStream;
  readonly #onEnd: (end: StreamEnd) => RequestEvent;
  #resolveReport!: (report: RequestEvent) => void;
  #ended = false;
  #started = false;

  constructor(opened: OpenedStream, meta: BreakerboxMeta, onEnd: (end: StreamEnd) => RequestEvent) {
    this.meta = meta;
    this.opened = opened;
    this.#onEnd = onEnd;
    this.report = new Promise((resolve) => {
      this.#resolveReport = resolve;
    });
  }

  /** One upstream event as the caller gets it; undefined hides it. */
  protected abstract relay(event: SseEvent): T | undefined;

  /** The tokens seen so far. */
  protected abstract usage(): StreamUsage;

  /** Ends the stream from outside (the caller went away): closes the upstream. */
  cancel(): void {
    if (this.#ended) return;
    this.opened.abort();
    this.#end({ type: 'neutral', reason: 'cancelled' }, new CancelledError());
  }

  /**
   * The stream's one iterator: buffered events first, then the upstream's. A plain iterator, not
   * an async generator: a generator costs a request queue and two extra awaits per item, and a
   * stream relays dozens of items per request.
   */
  [Symbol.asyncIterator](): ReadyIterator<T> {
    if (this.#started) {
      const error = new TypeError(`a ${this.constructor.name} can be iterated only once`);
      return {
        next: () => Promise.reject(error),
        return: () => Promise.resolve({ done: true, value: undefined }),
      };
    }
    this.#started = true;
    return new StreamIterator(this, this.opened, {
      relay: (event) => this.relay(event),
      succeeded: () => {
        this.#end({ type: 'success', durationMs: this.opened.firstContentMs }, undefined);
      },
      failed: (error) => {
        this.#fail(error);
      },
    });
  }

  #fail(error: unknown): void {
    if (error instanceof UpstreamError) {
      this.#end({ type: 'failure', kind: error.kind }, error);
    } else if (isBreakerboxError(error) || this.opened.signal.aborted) {
      this.#end({ type: 'neutral', reason: 'cancelled' }, error);
    } else {
      this.#end({ type: 'failure', kind: 'stream_error' }, error);
    }
  }

  #end(outcome: Outcome, error: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.opened.releaseDeadline();
    this.#resolveReport(this.#onEnd({ outcome, ...this.usage(), error }));
  }
}

/** What a {@link StreamIterator} asks of its stream. */
interface StreamHooks<T> {
  /** One upstream event as the caller gets it; undefined hides it. May throw (a failure). */
  readonly relay: (event: SseEvent) => T | undefined;
  /** The upstream ended cleanly. */
  readonly succeeded: () => void;
  /** The stream failed; the error is thrown to the consumer next. */
  readonly failed: (error: unknown) => void;
}

const DONE: IteratorResult<never, undefined> = Object.freeze({ done: true, value: undefined });

/**
 * Iterates a {@link RelayedStream}: its buffered events, then the upstream's, each relayed (or
 * hidden). The end, a failure (reported, then thrown) or an early `return()` (which cancels the
 * stream) ends it; after that `next()` says done.
 */
class StreamIterator<T> implements ReadyIterator<T> {
  readonly #stream: { cancel(): void };
  readonly #opened: OpenedStream;
  readonly #hooks: StreamHooks<T>;
  #buffered = 0;
  #finished = false;
  /** `relay` threw in {@link nextReady}: the next `next()` reports it. */
  #thrown: { readonly error: unknown } | undefined;

  constructor(stream: { cancel(): void }, opened: OpenedStream, hooks: StreamHooks<T>) {
    this.#stream = stream;
    this.#opened = opened;
    this.#hooks = hooks;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#finished) return Promise.resolve(DONE);
    const thrown = this.#thrown;
    if (thrown) {
      this.#thrown = undefined;
      return this.#rejected(thrown.error);
    }
    const buffered = this.#opened.buffered;
    try {
      while (this.#buffered < buffered.length) {
        const out = this.#hooks.relay(buffered[this.#buffered++] as SseEvent);
        if (out !== undefined) return Promise.resolve({ value: out, done: false });
      }
    } catch (error) {
      return this.#rejected(error);
    }
    return this.#pull();
  }

  nextReady(): IteratorResult<T> | undefined {
    if (this.#finished || this.#thrown) return undefined;
    const buffered = this.#opened.buffered;
    const events = this.#opened.events;
    try {
      while (this.#buffered < buffered.length) {
        const out = this.#hooks.relay(buffered[this.#buffered++] as SseEvent);
        if (out !== undefined) return { value: out, done: false };
      }
      if (events.takeReady === undefined) return undefined;
      for (let ev = events.takeReady(); ev !== undefined; ev = events.takeReady()) {
        const out = this.#hooks.relay(ev);
        if (out !== undefined) return { value: out, done: false };
      }
    } catch (error) {
      this.#thrown = { error };
    }
    return undefined;
  }

  /** The consumer stopped early (`break`, its own error): frees the upstream. */
  return(): Promise<IteratorResult<T>> {
    if (!this.#finished) {
      this.#finished = true;
      this.#stream.cancel();
    }
    return Promise.resolve(DONE);
  }

  async #pull(): Promise<IteratorResult<T>> {
    try {
      for (;;) {
        const next = await this.#opened.events.next();
        if (this.#finished) return DONE;
        if (next.done === true) {
          this.#finished = true;
          this.#hooks.succeeded();
          return DONE;
        }
        const out = this.#hooks.relay(next.value);
        if (out !== undefined) return { value: out, done: false };
      }
    } catch (error) {
      throw this.#fail(error);
    }
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- an async throw is the rejection
  async #rejected(error: unknown): Promise<never> {
    throw this.#fail(error);
  }

  #fail(error: unknown): unknown {
    if (!this.#finished) {
      this.#finished = true;
      this.#hooks.failed(error);
    }
    return error;
  }
}
