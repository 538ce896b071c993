/**
 * Answers for what never becomes a request: bytes Node's HTTP parser refuses (random bytes, a bad
 * or duplicate `Content-Length`, headers over the size limit), requests that arrive too slowly,
 * connections over the limit. Node's default writes a bare status line with no body; here each
 * gets its status *and* the OpenAI error envelope, written straight to the socket (there is no
 * `ServerResponse` to use), then the connection closes.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { HttpRefusedError, InvalidRequestError } from '../core/index.js';
import type { BreakerboxError } from '../core/index.js';
import { toWireError } from '../engine/index.js';

/** The error to answer a `clientError` with, or undefined when the socket is past answering. */
export function clientErrorOf(error: { code?: unknown }): BreakerboxError | undefined {
  const code = typeof error.code === 'string' ? error.code : '';
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return new HttpRefusedError({
        code: 'headers_too_large',
        message: 'The request line and headers are larger than this gateway accepts.',
      });
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'HPE_HEADERS_TIMEOUT':
      return new HttpRefusedError({
        code: 'request_timeout',
        message: 'The request did not arrive in time (server.headersTimeoutMs / requestTimeoutMs).',
      });
    case 'ECONNRESET':
    case 'EPIPE':
      return undefined;
    default:
      // HPE_INVALID_*, HPE_UNEXPECTED_CONTENT_LENGTH, ...: the message is not HTTP we can read.
      return new InvalidRequestError(
        `Malformed HTTP request${code.startsWith('HPE_') ? ` (${code})` : ''}.`,
      );
  }
}

/**
 * The raw HTTP/1.1 response for `error`: status line, `Content-Type: application/json`,
 * `Connection: close`, `Content-Length`, the error's own headers (`retry-after`,
 * `x-should-retry`), then the envelope.
 */
export function rawErrorResponse(error: BreakerboxError): string {
  const wire = toWireError(error);
  const body = JSON.stringify(wire.body);
  const lines = [
    `HTTP/1.1 ${wire.status} ${STATUS_CODES[wire.status] ?? 'Error'}`,
    'Content-Type: application/json',
    'Connection: close',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(wire.headers).map(([k, v]) => `${k}: ${v}`),
  ];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

/**
 * Writes {@link rawErrorResponse} to `socket` (when it can still carry one) and closes it.
 * `canAnswer` is false once a response on this socket has sent its head: writing then would
 * corrupt what the peer is reading, so the socket is only destroyed.
 */
export function answerOnSocket(
  socket: Duplex,
  error: BreakerboxError | undefined,
  canAnswer = true,
): void {
  if (error === undefined || !canAnswer || !socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(rawErrorResponse(error), () => {
    socket.destroy();
  });
}
