/**
 * Server-sent events for a {@link ResponsesStream}: `event: <type>\ndata: <event>\n\n` per event,
 * as the Responses API sends them, and no `[DONE]` (the API has none: the stream ends after
 * `response.completed`). A failure after content ends the stream with a Responses `error` event
 * (`{"type":"error","code","message","param","sequence_number"}`, the code breakerbox's) instead
 * of `response.completed`, never a silent cut.
 */
import { toWireError } from './openai-error.js';
import type { ResponsesEvent, ResponsesStream } from './responses-stream.js';
import { abortReason } from './sse-body.js';

const encoder = new TextEncoder();

/** One relayed event as SSE text. */
export function responsesFrame(ev: ResponsesEvent): string {
  return ev.event === undefined
    ? `data: ${ev.data}\n\n`
    : `event: ${ev.event}\ndata: ${ev.data}\n\n`;
}

/** The Responses `error` event that ends a failed stream, numbered after the last event relayed. */
export function responsesErrorEvent(error: unknown, sequenceNumber: number): string {
  const { message, code, param } = toWireError(error).body.error;
  const data = JSON.stringify({
    type: 'error',
    code,
    message,
    param,
    sequence_number: sequenceNumber,
  });
  return `event: error\ndata: ${data}\n\n`;
}

/**
 * A byte stream for `new Response(...)` (`bb.fetch`), pulled event by event. When `signal`
 * aborts, the body errors at once with the signal's reason and the stream is cancelled.
 */
export function responsesSseBody(
  stream: ResponsesStream,
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
      let frame: string;
      try {
        const next = await it.next();
        if (closed) return;
        if (next.done === true) {
          finish();
          controller.close();
          return;
        }
        frame = responsesFrame(next.value);
      } catch (error) {
        if (closed) return;
        finish();
        controller.enqueue(encoder.encode(responsesErrorEvent(error, stream.nextSequenceNumber)));
        controller.close();
        return;
      }
      controller.enqueue(encoder.encode(frame));
    },
    async cancel() {
      finish();
      stream.cancel();
      await it.return?.();
    },
  });
}
