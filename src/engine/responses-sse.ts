/**
 * Server-sent events for a {@link ResponsesStream}: `event: <type>\ndata: <event>\n\n` per event,
 * as the Responses API sends them, and no `[DONE]` (the API has none: the stream ends after
 * `response.completed`). A failure after content ends the stream with a Responses `error` event
 * (`{"type":"error","code","message","param","sequence_number"}`, the code breakerbox's) instead
 * of `response.completed`, never a silent cut.
 */
import { toWireError } from './openai-error.js';
import type { ResponsesEvent, ResponsesStream } from './responses-stream.js';
import { sseStreamBody } from './sse-body.js';
import type { SseFormat } from './sse-body.js';

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

/** How a Responses stream is written: its events as sent, no `[DONE]`, a Responses `error` event. */
export function responsesSse(stream: ResponsesStream): SseFormat<ResponsesEvent> {
  return {
    frame: responsesFrame,
    end: undefined,
    failed: (error) => responsesErrorEvent(error, stream.nextSequenceNumber),
  };
}

/** A byte stream for `new Response(...)` (`bb.fetch`), pulled event by event. */
export function responsesSseBody(
  stream: ResponsesStream,
  signal?: AbortSignal,
): ReadableStream<Uint8Array> {
  return sseStreamBody(stream, responsesSse(stream), signal);
}
