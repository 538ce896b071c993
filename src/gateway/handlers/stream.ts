/**
 * Writes a chat stream as server-sent events, straight to the socket: one `res.write` per batch
 * of chunks (every chunk already read from the upstream, up to {@link MAX_BATCH_CHARS}: one
 * upstream read usually carries many events, and a write per event cost a chunked-encoding frame
 * and a promise round each), awaiting `'drain'` whenever the socket buffer is full (backpressure
 * reaches the upstream read, since nothing more is pulled until then). No `stream.pipeline`, no
 * re-parsing.
 *
 * Ends with `data: [DONE]` after the last chunk; a failure after content ends it with an OpenAI
 * error event and *no* `[DONE]`, so SDKs raise an APIError instead of returning a silently
 * truncated answer.
 */
import type { ServerResponse } from 'node:http';
import { CHAT_SSE, sseHeaders } from '../../engine/index.js';
import type { ChatStream, ReadyIterator, SseFormat } from '../../engine/index.js';

/** Most characters of SSE written in one batch (more ready chunks wait for the next write). */
export const MAX_BATCH_CHARS = 64 * 1024;

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
  [Symbol.asyncIterator](): ReadyIterator<T>;
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
      let text = format.frame(next.value);
      if (it.nextReady !== undefined) {
        while (text.length < MAX_BATCH_CHARS) {
          const more = it.nextReady();
          if (more === undefined || more.done === true) break;
          text += format.frame(more.value);
        }
      }
      if (!res.write(text)) await drained(res);
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
