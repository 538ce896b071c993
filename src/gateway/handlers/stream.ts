/**
 * Writes a chat stream as server-sent events, straight to the socket: one `res.write` per chunk,
 * awaiting `'drain'` whenever the socket buffer is full (backpressure reaches the upstream read,
 * since the next chunk is pulled only after the write). No `stream.pipeline`, no re-parsing.
 *
 * Ends with `data: [DONE]` after the last chunk; a failure after content ends it with an OpenAI
 * error event and *no* `[DONE]`, so SDKs raise an APIError instead of returning a silently
 * truncated answer.
 */
import type { ServerResponse } from 'node:http';
import { CHAT_SSE, sseHeaders } from '../../engine/index.js';
import type { ChatStream, SseFormat } from '../../engine/index.js';

/** How a stream ended. */
export type StreamEnd =
  | { readonly type: 'done' }
  | { readonly type: 'failed'; readonly error: unknown }
  | { readonly type: 'client-gone' };

/** Resolves when `res` can take more data, or has closed. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** What {@link pump} needs of a stream: its meta, its items, and a way to stop it. */
export interface Pumpable<T> extends AsyncIterable<T> {
  readonly meta: Parameters<typeof sseHeaders>[0];
  cancel(): void;
}

/** Sends any SSE stream to `res` in `format`. Never throws. */
export async function pump<T>(
  stream: Pumpable<T>,
  res: ServerResponse,
  format: SseFormat<T>,
): Promise<StreamEnd> {
  res.writeHead(200, sseHeaders(stream.meta));
  // The client may go away while we wait on the upstream: stop it at once, not at the next chunk.
  const onClose = (): void => {
    if (!res.writableFinished) stream.cancel();
  };
  res.on('close', onClose);
  const it = stream[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await it.next();
      if (next.done === true) break;
      // Ended elsewhere too: the gateway's shutdown cut it with an error event of its own.
      if (res.destroyed || res.writableEnded) {
        await it.return?.();
        return { type: 'client-gone' };
      }
      if (!res.write(format.frame(next.value))) await drained(res);
    }
    if (res.destroyed || res.writableEnded) return { type: 'client-gone' };
    res.end(format.end);
    return { type: 'done' };
  } catch (error) {
    if (res.destroyed || res.writableEnded) return { type: 'client-gone' };
    res.end(format.failed(error));
    return { type: 'failed', error };
  } finally {
    res.off('close', onClose);
  }
}

/** Sends the chat stream to `res`. Never throws. */
export function pumpStream(stream: ChatStream, res: ServerResponse): Promise<StreamEnd> {
  return pump(stream, res, CHAT_SSE);
}
