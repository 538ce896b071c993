/**
 * The stream handed to the caller once the first content chunk exists. From here breakerbox
 * cannot switch models mid-answer: a failure ends the stream with an error (the gateway writes it
 * as an OpenAI error event, without `[DONE]`), is recorded against the deployment, and never
 * leaves the caller hanging (the upstream's idle timeout bounds every wait).
 *
 * Payloads pass through as text: only chunks that may carry usage are parsed.
 */
import { CancelledError, UpstreamError, isBreakerboxError } from '../core/index.js';
import type { Outcome } from '../core/index.js';
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

/** Options of a {@link ChatStream}. */
export interface ChatStreamOptions {
  readonly opened: OpenedStream;
  readonly meta: BreakerboxMeta;
  /** Whether the caller asked for `stream_options.include_usage` itself. */
  readonly callerWantsUsage: boolean;
  /** Called exactly once when the stream ends in any way; returns the request's report. */
  readonly onEnd: (end: StreamEnd) => RequestEvent;
}

const USAGE_NULL = ',"usage":null';

/**
 * An async iterable of raw chunk payloads (the JSON text after `data: `). Iterate it once.
 * Breaking out of the loop (or calling `return()`) closes the upstream socket at once.
 */
export class ChatStream implements AsyncIterable<string> {
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
  readonly #opened: OpenedStream;
  readonly #wantsUsage: boolean;
  readonly #onEnd: (end: StreamEnd) => RequestEvent;
  #resolveReport!: (report: RequestEvent) => void;
  #promptTokens = 0;
  #cachedPromptTokens = 0;
  #completionTokens = 0;
  #ended = false;
  #started = false;

  constructor(options: ChatStreamOptions) {
    this.meta = options.meta;
    this.#opened = options.opened;
    this.#wantsUsage = options.callerWantsUsage;
    this.#onEnd = options.onEnd;
    this.report = new Promise((resolve) => {
      this.#resolveReport = resolve;
    });
  }

  /** Ends the stream from outside (the gateway's client went away): closes the upstream. */
  cancel(): void {
    if (this.#ended) return;
    this.#opened.abort();
    this.#end({ type: 'neutral', reason: 'cancelled' }, new CancelledError());
  }

  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    if (this.#started) throw new TypeError('a ChatStream can be iterated only once');
    this.#started = true;
    let finished = false;
    try {
      for (const ev of this.#opened.buffered) {
        const out = this.#filter(ev.data);
        if (out !== undefined) yield out;
      }
      for (;;) {
        const next = await this.#opened.events.next();
        if (next.done === true) break;
        const out = this.#filter(next.value.data);
        if (out !== undefined) yield out;
      }
      finished = true;
      this.#end({ type: 'success', durationMs: this.#opened.firstContentMs }, undefined);
    } catch (error) {
      finished = true;
      this.#fail(error);
      throw error;
    } finally {
      if (!finished) {
        // The consumer stopped early (break, return, or its own error): free the upstream.
        this.cancel();
      }
    }
  }

  #fail(error: unknown): void {
    if (error instanceof UpstreamError) {
      this.#end({ type: 'failure', kind: error.kind }, error);
    } else if (isBreakerboxError(error) || this.#opened.controller.signal.aborted) {
      this.#end({ type: 'neutral', reason: 'cancelled' }, error);
    } else {
      this.#end({ type: 'failure', kind: 'stream_error' }, error);
    }
  }

  /** Reads usage from the usage chunk and hides it (and `"usage":null`) unless the caller asked. */
  #filter(data: string): string | undefined {
    if (data.includes('"usage":{')) {
      const chunk = JSON.parse(data) as {
        usage?: {
          prompt_tokens?: number;
          completion_tokens?: number;
          prompt_tokens_details?: { cached_tokens?: number } | null;
        };
        choices?: unknown[];
      };
      this.#promptTokens = chunk.usage?.prompt_tokens ?? this.#promptTokens;
      const cached = chunk.usage?.prompt_tokens_details?.cached_tokens;
      if (typeof cached === 'number') this.#cachedPromptTokens = cached;
      this.#completionTokens = chunk.usage?.completion_tokens ?? this.#completionTokens;
      if (!this.#wantsUsage && (chunk.choices?.length ?? 0) === 0) return undefined;
    }
    if (!this.#wantsUsage && data.includes(USAGE_NULL)) return data.replaceAll(USAGE_NULL, '');
    return data;
  }

  #end(outcome: Outcome, error: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#opened.releaseDeadline();
    const report = this.#onEnd({
      outcome,
      promptTokens: this.#promptTokens,
      cachedPromptTokens: this.#cachedPromptTokens,
      completionTokens: this.#completionTokens,
      error,
    });
    this.#resolveReport(report);
  }
}
