/**
 * Writes a Responses stream as server-sent events, straight to the socket, with the same rules
 * as a chat stream (`stream.ts`): one `res.write` per event, awaiting `'drain'` when the socket
 * buffer is full. The Responses API has no `[DONE]`: the response ends after the upstream's
 * `response.completed`; a failure after content ends it with a Responses `error` event instead.
 */
import type { ServerResponse } from 'node:http';
import { responsesErrorEvent, responsesFrame, sseHeaders } from '../../engine/index.js';
import type { ResponsesStream } from '../../engine/index.js';
import type { StreamEnd } from './stream.js';

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

/** Sends the Responses stream to `res`. Never throws. */
export async function pumpEvents(stream: ResponsesStream, res: ServerResponse): Promise<StreamEnd> {
  res.writeHead(200, sseHeaders(stream.meta));
  const onClose = (): void => {
    if (!res.writableFinished) stream.cancel();
  };
  res.on('close', onClose);
  const it = stream[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await it.next();
      if (next.done === true) break;
      if (res.destroyed || res.writableEnded) {
        await it.return?.();
        return { type: 'client-gone' };
      }
      if (!res.write(responsesFrame(next.value))) await drained(res);
    }
    if (res.destroyed || res.writableEnded) return { type: 'client-gone' };
    res.end();
    return { type: 'done' };
  } catch (error) {
    if (res.destroyed || res.writableEnded) return { type: 'client-gone' };
    res.end(responsesErrorEvent(error, stream.nextSequenceNumber));
    return { type: 'failed', error };
  } finally {
    res.off('close', onClose);
  }
}
