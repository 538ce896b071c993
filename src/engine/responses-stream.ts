/**
 * A Responses API stream handed to the caller once its first content event exists. The same
 * rules as a chat stream (see `chat-stream.ts`): after content, a failure ends the stream with an
 * error (on the wire a Responses `error` event), is recorded against the deployment, and never
 * leaves the caller hanging. Events pass through as text; response ids are rewritten to
 * breakerbox's (`response-id.ts`), and usage is read from `response.completed` (or
 * `response.incomplete`).
 */
import type { SseEvent } from '../upstream/index.js';
import { responsesEventType } from '../upstream/index.js';
import type { RequestEvent } from './accounting.js';
import type { BreakerboxMeta } from './meta.js';
import { RelayedStream } from './relayed-stream.js';
import type { StreamEnd, StreamUsage } from './relayed-stream.js';
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
export class ResponsesStream extends RelayedStream<ResponsesEvent> {
  readonly #deploymentId: string;
  #ids: string[] = [];
  #usage: StreamUsage = { promptTokens: 0, completionTokens: 0, cachedPromptTokens: 0 };
  #lastSequence = -1;

  constructor(options: ResponsesStreamOptions) {
    super(options.opened, options.meta, options.onEnd);
    this.#deploymentId = options.deploymentId;
  }

  /** The `sequence_number` an event breakerbox adds after the last relayed one must carry. */
  get nextSequenceNumber(): number {
    return this.#lastSequence + 1;
  }

  protected usage(): StreamUsage {
    return this.#usage;
  }

  protected relay(ev: SseEvent): ResponsesEvent {
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
}
