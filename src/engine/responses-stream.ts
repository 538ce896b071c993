/**
 * A Responses API stream handed to the caller once its first content event exists. The same
 * rules as a chat stream (see `chat-stream.ts`): after content, a failure ends the stream with an
 * error (on the wire a Responses `error` event), is recorded against the deployment, and never
 * leaves the caller hanging. Events pass through as text; response ids are rewritten to
 * breakerbox's (`response-id.ts`), and usage is read from `response.completed` (or
 * `response.incomplete`).
 */
import { CancelledError, UpstreamError, isBreakerboxError } from '../core/index.js';
import type { Outcome } from '../core/index.js';
import type { SseEvent } from '../upstream/index.js';
import { responsesEventType } from '../upstream/index.js';
import type { RequestEvent } from './accounting.js';
import type { StreamEnd } from './chat-stream.js';
import type { BreakerboxMeta } from './meta.js';
import { responseIdsOf, rewriteIds } from './response-id.js';
import type { OpenedStream } from './stream-call.js';
import { usageOf } from './upstream-calls.js';

/** Options of a {@link ResponsesStream}. */
export interface ResponsesStreamOptions {
  readonly opened: OpenedStream;
  readonly meta: BreakerboxMeta;
  /** The deployment streaming: encoded into the response ids the caller sees. */
  readonly deploymentId: string;
  /** Called exactly once when the stream ends in any way; returns the request's report. */
  readonly onEnd: (end: StreamEnd) => RequestEvent;
}

/** A Responses event as relayed: its `event:` name and its data, ids rewritten. */
export interface ResponsesEvent {
  readonly event: string | undefined;
  readonly data: string;
}

const SEQUENCE = '"sequence_number":';

/**
 * An async iterable of Responses events. Iterate it once. Breaking out of the loop (or calling
 * `return()`) closes the upstream socket at once.
 */
export class ResponsesStream implements AsyncIterable<ResponsesEvent> {
  /** What breakerbox did, as known when the stream opened (cost 0, time to first content). */
  readonly meta: BreakerboxMeta;
  /** Resolves once, when the stream has ended in any way, with the request's final report. */
  readonly report: Promise<RequestEvent>;
  readonly #opened: OpenedStream;
  readonly #deploymentId: string;
  readonly #onEnd: (end: StreamEnd) => RequestEvent;
  #resolveReport!: (report: RequestEvent) => void;
  #ids: string[] = [];
  #usage = { promptTokens: 0, completionTokens: 0, cachedPromptTokens: 0 };
  #lastSequence = -1;
  #ended = false;
  #started = false;

  constructor(options: ResponsesStreamOptions) {
    this.meta = options.meta;
    this.#opened = options.opened;
    this.#deploymentId = options.deploymentId;
    this.#onEnd = options.onEnd;
    this.report = new Promise((resolve) => {
      this.#resolveReport = resolve;
    });
  }

  /** The `sequence_number` an event breakerbox adds after the last relayed one must carry. */
  get nextSequenceNumber(): number {
    return this.#lastSequence + 1;
  }

  /** Ends the stream from outside (the client went away): closes the upstream. */
  cancel(): void {
    if (this.#ended) return;
    this.#opened.abort();
    this.#end({ type: 'neutral', reason: 'cancelled' }, new CancelledError());
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ResponsesEvent> {
    if (this.#started) throw new TypeError('a ResponsesStream can be iterated only once');
    this.#started = true;
    let finished = false;
    try {
      for (const ev of this.#opened.buffered) yield this.#relay(ev);
      for (;;) {
        const next = await this.#opened.events.next();
        if (next.done === true) break;
        yield this.#relay(next.value);
      }
      finished = true;
      this.#end({ type: 'success', durationMs: this.#opened.firstContentMs }, undefined);
    } catch (error) {
      finished = true;
      this.#fail(error);
      throw error;
    } finally {
      if (!finished) this.cancel();
    }
  }

  #relay(ev: SseEvent): ResponsesEvent {
    const { data } = ev;
    const at = data.lastIndexOf(SEQUENCE);
    if (at >= 0) {
      const n = Number.parseInt(data.slice(at + SEQUENCE.length, at + SEQUENCE.length + 16), 10);
      if (Number.isFinite(n)) this.#lastSequence = n;
    } else {
      this.#lastSequence += 1;
    }
    const type = responsesEventType(ev);
    if (type?.startsWith('response.') === true && data.includes('"response":{')) {
      this.#readResponse(type, data);
    }
    const out = this.#ids.length > 0 ? rewriteIds(data, this.#deploymentId, this.#ids) : data;
    return { event: ev.event ?? type, data: out };
  }

  /** Learns the response's ids (from the first event), and usage from the final one. */
  #readResponse(type: string, data: string): void {
    const final = type === 'response.completed' || type === 'response.incomplete';
    if (this.#ids.length > 0 && !final) return;
    const response = (JSON.parse(data) as { response?: unknown }).response;
    if (this.#ids.length === 0) this.#ids = responseIdsOf(response);
    if (final) {
      const usage = usageOf(response);
      this.#usage = { ...usage, cachedPromptTokens: usage.cachedPromptTokens ?? 0 };
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

  #end(outcome: Outcome, error: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#opened.releaseDeadline();
    this.#resolveReport(this.#onEnd({ outcome, ...this.#usage, error }));
  }
}
