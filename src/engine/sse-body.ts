/**
 * Server-sent events for a {@link ChatStream}: `data: <chunk>\n\n` per chunk, then
 * `data: [DONE]\n\n`; a failure after content ends the stream with an OpenAI error event and no
 * `[DONE]` (clients then raise an APIError instead of returning a silently truncated answer).
 */
import type { ChatStream } from './chat-stream.js';
import { toWireError } from './openai-error.js';

const encoder = new TextEncoder();
/** The stream's closing line. */
export const DONE = 'data: [DONE]\n\n';

/** The error event that ends a failed stream. */
export function errorEvent(error: unknown): string {
  const wire = toWireError(error);
  return `data: ${JSON.stringify({ error: { ...wire.body.error, attempts: undefined } })}\n\n`;
}

/** A byte stream for `new Response(...)`, pulled chunk by chunk (backpressure for free). */
export function sseBody(stream: ChatStream): ReadableStream<Uint8Array> {
  const it = stream[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await it.next();
        if (next.done === true) {
          controller.enqueue(encoder.encode(DONE));
          controller.close();
          return;
        }
        controller.enqueue(encoder.encode(`data: ${next.value}\n\n`));
      } catch (error) {
        controller.enqueue(encoder.encode(errorEvent(error)));
        controller.close();
      }
    },
    async cancel() {
      stream.cancel();
      await it.return?.();
    },
  });
}
