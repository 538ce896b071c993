/**
 * The `node:http` server under the gateway, with limits that fit an API rather than Node's
 * defaults (300 s to send a request, a 30 s check interval, no connection cap), and an answer in
 * the OpenAI envelope for everything Node would otherwise answer with a bare status line:
 * unparseable bytes (400), oversized headers (431), slow requests (408), `Expect` other than
 * `100-continue` (417).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { HttpRefusedError } from '../core/index.js';
import type { BreakerboxError } from '../core/index.js';
import { answerOnSocket, clientErrorOf } from './client-error.js';
import { sendError } from './respond.js';

/** Options of {@link createHttpServer}. */
export interface HttpServerOptions {
  /** Longest wait for a request's headers, ms (capped at `requestTimeoutMs`, as Node requires). */
  readonly headersTimeoutMs: number;
  /** Longest wait for a whole request (headers and body), ms. */
  readonly requestTimeoutMs: number;
  /** Open connections at once; Node closes any more at once. */
  readonly maxConnections: number;
  /** Serves one request. */
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void;
  /** Told of every error answered here (for metrics and logs). */
  readonly onRefused: (error: BreakerboxError) => void;
}

/** Longest gap between Node's checks of the request timeouts, ms. */
const MAX_CHECK_INTERVAL_MS = 1_000;
const MIN_CHECK_INTERVAL_MS = 10;

/** Creates the server (not yet listening). */
export function createHttpServer(options: HttpServerOptions): Server {
  const requestTimeout = Math.ceil(options.requestTimeoutMs);
  const headersTimeout = Math.min(Math.ceil(options.headersTimeoutMs), requestTimeout);
  // Node checks the timeouts every `connectionsCheckingInterval` (30 s by default), so a 10 s
  // headers timeout could take 40 s: check a few times per timeout, at most every second.
  const interval = Math.min(
    MAX_CHECK_INTERVAL_MS,
    Math.max(MIN_CHECK_INTERVAL_MS, Math.floor(headersTimeout / 4)),
  );
  // The response under way on each socket: a raw answer must not follow a head already sent.
  const current = new WeakMap<Duplex, ServerResponse>();
  const server = createServer(
    { headersTimeout, requestTimeout, connectionsCheckingInterval: interval },
    (req, res) => {
      current.set(req.socket, res);
      options.handle(req, res);
    },
  );
  server.maxConnections = options.maxConnections;
  server.on('clientError', (error: Error & { code?: unknown }, socket: Duplex) => {
    const answer = clientErrorOf(error);
    const res = current.get(socket);
    const canAnswer = res === undefined || res.writableFinished || !res.headersSent;
    if (answer !== undefined && canAnswer) options.onRefused(answer);
    answerOnSocket(socket, answer, canAnswer);
  });
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    const error = new HttpRefusedError({
      code: 'expectation_failed',
      param: 'expect',
      message: `The Expect header '${String(req.headers.expect).slice(0, 100)}' is not supported; only 100-continue is.`,
    });
    options.onRefused(error);
    sendError(res, error, { connection: 'close' });
  });
  return server;
}
