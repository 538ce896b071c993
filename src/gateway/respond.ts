/**
 * Writing responses. Every JSON answer carries `content-type: application/json` (without it the
 * openai SDK hands the caller a string, silently) and every error goes through the engine's
 * `toWireError`, the one place envelopes are built; the gateway only picks a different status
 * for what the catalogue has no status for (404 route, 405, 413, 403).
 */
import type { ServerResponse } from 'node:http';
import { CancelledError, InvalidRequestError, isBreakerboxError } from '../core/index.js';
import type { AttemptRecord } from '../core/index.js';
import { toWireError } from '../engine/index.js';
import { BodyError } from './body.js';
import { HttpError } from './http-error.js';

export { HttpError };

/** What an error answer was: for metrics and logs. */
export interface AnsweredError {
  readonly status: number;
  /** The breakerbox error code (`request_rejected` for a relayed upstream 4xx). */
  readonly code: string;
  /** Attempts listed by the error, if any (for the error taxonomy and headers). */
  readonly attempts: readonly AttemptRecord[];
}

/** Maps what a handler threw to the error to answer with and the status to use. */
export function classifyThrown(thrown: unknown): {
  error: unknown;
  status?: number;
  headers?: Record<string, string>;
} {
  if (thrown instanceof HttpError) {
    return { error: thrown.error, status: thrown.status, headers: { ...thrown.headers } };
  }
  if (thrown instanceof BodyError) {
    if (thrown.problem === 'aborted') return { error: new CancelledError(thrown.message) };
    const error = new InvalidRequestError(thrown.message, null);
    // 413: the rest of the body is unread; close the connection rather than drain it.
    return thrown.problem === 'too_large'
      ? { error, status: 413, headers: { connection: 'close' } }
      : { error };
  }
  return { error: thrown };
}

/** The breakerbox code of anything thrown (`internal_error` for the unknown). */
export function codeOf(error: unknown): string {
  return isBreakerboxError(error) ? error.code : 'internal_error';
}

/** Attempts carried by an error (`AllCandidatesFailedError`), else none. */
export function attemptsOf(error: unknown): readonly AttemptRecord[] {
  const a = (error as { attempts?: unknown } | null)?.attempts;
  return Array.isArray(a) ? (a as readonly AttemptRecord[]) : [];
}

/** The network detail of an `UpstreamError` (errno, `host:port`, TLS reason), else undefined. */
export function detailOf(error: unknown): string | undefined {
  if (!isBreakerboxError(error) || error.code !== 'upstream_error') return undefined;
  const detail = (error as { detail?: unknown }).detail;
  return typeof detail === 'string' ? detail : undefined;
}

/**
 * Sends a JSON body (already serialised) with its `content-length`: `writeHead` sends the head as
 * given, so without the length Node would fall back to chunked encoding.
 */
export function sendJson(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string>,
): void {
  headers['content-type'] = 'application/json';
  headers['content-length'] = String(Buffer.byteLength(text));
  res.writeHead(status, headers);
  res.end(text);
}

/**
 * Sends the error envelope for anything a handler threw, with `headers` (request id, meta)
 * added. A response whose head is already out cannot change status: it is just ended.
 */
export function sendError(
  res: ServerResponse,
  thrown: unknown,
  headers: Record<string, string>,
): AnsweredError {
  const { error, status, headers: extra } = classifyThrown(thrown);
  const wire = toWireError(error);
  const answered: AnsweredError = {
    status: status ?? wire.status,
    code: codeOf(error),
    attempts: attemptsOf(error),
  };
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return answered;
  }
  sendJson(res, answered.status, JSON.stringify(wire.body), {
    ...wire.headers,
    ...extra,
    ...headers,
  });
  return answered;
}
