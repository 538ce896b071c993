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

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.#started) throw new TypeError(`a ${this.constructor.name} can be iterated only once`);
    this.#started = true;
    let finished = false;
    try {
      for (const ev of this.opened.buffered) {
        const out = this.relay(ev);
        if (out !== undefined) yield out;
      }
      for (;;) {
        const next = await this.opened.events.next();
        if (next.done === true) break;
        const out = this.relay(next.value);
        if (out !== undefined) yield out;
      }
      finished = true;
      this.#end({ type: 'success', durationMs: this.opened.firstContentMs }, undefined);
    } catch (error) {
      finished = true;
      this.#fail(error);
      throw error;
    } finally {
      // The consumer stopped early (break, return, or its own error): free the upstream.
      if (!finished) this.cancel();
    }
  }

  #fail(error: unknown): void {
    if (error instanceof UpstreamError) {
      this.#end({ type: 'failure', kind: error.kind }, error);
    } else if (isBreakerboxError(error) || this.opened.controller.signal.aborted) {
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
