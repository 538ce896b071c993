/**
 * What the end of the shutdown grace period does to a request still in flight: never a silent
 * cut. A stream whose head is out gets an OpenAI error event (`shutting_down`, and no `[DONE]`,
 * so SDKs raise an APIError rather than return a truncated answer); a request not yet answered
 * gets a 503 `shutting_down` envelope. Then the upstream call is cancelled and the socket closes.
 */
import { HttpRefusedError } from '../core/index.js';
import { errorEvent } from '../engine/index.js';
import type { Exchange } from './exchange.js';
import { sendError } from './respond.js';

/** Longest wait for the last words to reach the socket before it is destroyed, ms. */
const FLUSH_WAIT_MS = 1_000;

function shuttingDown(graceMs: number): HttpRefusedError {
  return new HttpRefusedError({
    code: 'shutting_down',
    message: `The gateway is shutting down and its grace period of ${graceMs} ms ended before this request did. Retry it (on another replica).`,
  });
}

/**
 * Answers `ex` with `shutting_down` where its response can still carry it, cancels its work and
 * resolves once the words are flushed (or after a short bounded wait).
 * @returns whether an error was sent
 */
export async function cutExchange(ex: Exchange, graceMs: number): Promise<boolean> {
  const res = ex.res;
  let sent = false;
  if (!res.writableEnded && !res.destroyed) {
    const error = shuttingDown(graceMs);
    if (!res.headersSent) {
      sendError(res, error, { ...ex.baseHeaders(), connection: 'close' });
      sent = true;
    } else if (ex.stream) {
      res.end((ex.streamErrorEvent ?? errorEvent)(error));
      sent = true;
    }
    if (sent) {
      ex.cutByShutdown = true;
      ex.errorCode = error.code;
    }
  }
  ex.stopStream?.();
  ex.cancel();
  if (sent && !res.writableFinished) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, FLUSH_WAIT_MS);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      res.once('finish', done);
      res.once('close', done);
    });
  }
  res.destroy();
  return sent;
}
