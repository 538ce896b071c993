/**
 * Server-sent events for a {@link ChatStream}: `data: <chunk>\n\n` per chunk, then
 * `data: [DONE]\n\n`; a failure after content ends the stream with an OpenAI error event and no
 * `[DONE]` (clients then raise an APIError instead of returning a silently truncated answer).
 */
import type { ChatStream } from './chat-stream.js';
import { metaHeaders } from './meta.js';
import type { BreakerboxMeta } from './meta.js';
import { toWireError } from './openai-error.js';

const encoder = new TextEncoder();
/** The stream's closing line. */
export const DONE = 'data: [DONE]\n\n';

/** The headers of an SSE answer (`bb.fetch` and the gateway): content type, no buffering, meta. */
export function sseHeaders(meta: BreakerboxMeta): Record<string, string> {
  return {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
    ...metaHeaders(meta),
  };
}

/** The error event that ends a failed stream. */
export function errorEvent(error: unknown): string {
  const wire = toWireError(error);
  return `data: ${JSON.stringify({ error: { ...wire.body.error, attempts: undefined } })}\n\n`;
}

/**
 * What WHATWG `fetch` rejects with (and errors a body with) once `signal` aborts: its reason,
 * or a `DOMException` `AbortError` when it has none. The openai SDK tells a user's abort
 * (`APIUserAbortError`) from its own timeout (`APIConnectionTimeoutError`) by exactly this.
 */
export function abortReason(signal: AbortSignal): unknown {
  const reason: unknown = signal.reason;
  return reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** How one kind of stream is written as SSE: each item, the normal end, the end after a failure. */
export interface SseFormat<T> {
  frame(item: T): string;
  /** Written when the stream ends normally (`data: [DONE]` for chat; nothing for Responses). */
  readonly end: string | undefined;
  failed(error: unknown): string;
}

/** A stream {@link sseStreamBody} can write: its items, and a way to stop it. */
export interface CancellableStream<T> extends AsyncIterable<T> {
  cancel(): void;
}

/** Chat chunks: `data: <chunk>`, then `data: [DONE]`; an OpenAI error event after a failure. */
export const CHAT_SSE: SseFormat<string> = {
  frame: (chunk) => `data: ${chunk}\n\n`,
  end: DONE,
  failed: errorEvent,
};

/**
 * A byte stream for `new Response(...)`, pulled item by item (backpressure for free). When
 * `signal` aborts, the body errors at once with {@link abortReason}, as a fetch body does, and
 * the stream is cancelled (its upstream socket closed).
 */
export function sseStreamBody<T>(
  stream: CancellableStream<T>,
  format: SseFormat<T>,
  signal?: AbortSignal,
): ReadableStream<Uint8Array> {
  const it = stream[Symbol.asyncIterator]();
  let closed = false;
  let onAbort: (() => void) | undefined;
  const finish = (): void => {
    closed = true;
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (!signal) return;
      onAbort = () => {
        finish();
        stream.cancel();
        controller.error(abortReason(signal));
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    },
    async pull(controller) {
      let text: string;
      try {
        const next = await it.next();
        if (closed) return;
        if (next.done === true) {
          finish();
          if (format.end !== undefined) controller.enqueue(encoder.encode(format.end));
          controller.close();
          return;
        }
        text = format.frame(next.value);
      } catch (error) {
        if (closed) return;
        finish();
        controller.enqueue(encoder.encode(format.failed(error)));
        controller.close();
        return;
      }
      controller.enqueue(encoder.encode(text));
    },
    async cancel() {
      finish();
      stream.cancel();
      await it.return?.();
    },
  });
}

/** A chat stream's SSE body (see {@link sseStreamBody}). */
export function sseBody(stream: ChatStream, signal?: AbortSignal): ReadableStream<Uint8Array> {
  return sseStreamBody(stream, CHAT_SSE, signal);
}
