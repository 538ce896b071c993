/**
 * One HTTP request and its response, with what the log line and the metrics need to know about
 * it. Created per request; everything is filled in as the request goes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BreakerboxMeta } from '../engine/index.js';
import type { ClientIdentity } from './auth.js';
import type { RequestLogLine } from './log.js';

/** The longest client-sent `x-request-id` echoed back; longer ones are replaced. */
const MAX_REQUEST_ID_LENGTH = 200;

/** A client-sent `x-request-id` worth echoing (short, printable ASCII), else undefined. */
export function clientRequestId(req: IncomingMessage): string | undefined {
  const id = req.headers['x-request-id'];
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_REQUEST_ID_LENGTH) {
    return undefined;
  }
  return /^[\x21-\x7e]+$/.test(id) ? id : undefined;
}

/** Mutable per-request state. */
export class Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly requestId: string;
  /** `performance.now()` when the request arrived, ms. */
  readonly startedMs: number;
  readonly method: string;
  readonly path: string;
  readonly query: string;
  /** The route id, or `not-found`. */
  route = 'not-found';
  /** The configured model asked for (bounded label), once known. */
  model: string | undefined;
  client: ClientIdentity | undefined;
  meta: BreakerboxMeta | undefined;
  stream = false;
  errorCode: string | undefined;
  /** Filled from the engine's request event: tokens, cost, time to first token. */
  usage:
    | { promptTokens: number; completionTokens: number; costUsd: number; ttftMs?: number }
    | undefined;
  /** Ends this request's in-flight count (model routes only). */
  endInFlight: (() => void) | undefined;
  #abort: AbortController | undefined;

  constructor(init: {
    req: IncomingMessage;
    res: ServerResponse;
    requestId: string;
    startedMs: number;
    path: string;
    query: string;
  }) {
    this.req = init.req;
    this.res = init.res;
    this.requestId = init.requestId;
    this.startedMs = init.startedMs;
    this.method = init.req.method ?? 'GET';
    this.path = init.path;
    this.query = init.query;
  }

  /**
   * Aborted when the client goes away before the response has finished. Created on first use:
   * a signal costs microseconds in Node 20, and only model routes need one.
   */
  get signal(): AbortSignal {
    this.#abort ??= new AbortController();
    return this.#abort.signal;
  }

  /** Aborts {@link signal} (if anyone took it). */
  cancel(): void {
    this.#abort?.abort();
  }

  /** The base headers of every response: the request id. */
  baseHeaders(): Record<string, string> {
    return { 'x-request-id': this.requestId };
  }

  /** The log line once the response has ended. */
  logLine(nowMs: number): RequestLogLine {
    const m = this.meta;
    const status = this.res.statusCode;
    const aborted = !this.res.writableFinished;
    return {
      requestId: this.requestId,
      method: this.method,
      route: this.route,
      status,
      outcome: outcomeOf(this, aborted),
      durationMs: Math.round((nowMs - this.startedMs) * 1000) / 1000,
      ...(this.model !== undefined && { model: this.model }),
      ...(m !== undefined && {
        servedModel: m.model,
        deployment: m.deployment,
        fallback: m.fallback,
        attempts: m.calls,
      }),
      ...(this.stream && { stream: true }),
      ...(this.usage !== undefined && {
        promptTokens: this.usage.promptTokens,
        completionTokens: this.usage.completionTokens,
        costUsd: this.usage.costUsd,
      }),
      ...(this.usage?.ttftMs !== undefined && { ttftMs: this.usage.ttftMs }),
      ...(this.errorCode !== undefined && { errorCode: this.errorCode }),
      ...(this.client !== undefined && { client: this.client.name }),
    };
  }
}

function outcomeOf(ex: Exchange, aborted: boolean): string {
  if (ex.errorCode === 'cancelled' || (aborted && ex.errorCode === undefined)) return 'cancelled';
  if (ex.errorCode !== undefined || ex.res.statusCode >= 400) return 'error';
  const m = ex.meta;
  if (m === undefined) return 'ok';
  if (m.cached) return 'cached';
  if (m.fallback === 'static') return 'static';
  return m.fallbackUsed ? 'fallback' : 'success';
}
