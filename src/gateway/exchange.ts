/**
 * One HTTP request and its response, with what the log line and the metrics need to know about
 * it. Created per request; everything is filled in as the request goes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AttemptRecord } from '../core/index.js';
import { LightSignal } from '../engine/index.js';
import type { BreakerboxMeta, RequestEvent } from '../engine/index.js';
import type { ClientIdentity } from './auth.js';
import type { BodyHold } from './body-budget.js';
import type { AttemptLogEntry, RequestLogLine } from './log.js';
import type { LoggedContent } from './request-log.js';

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
  /** The network detail of the error answered (errno, address, TLS reason), if any. */
  errorDetail: string | undefined;
  /** The attempts listed by the error answered (every candidate skipped or failed). */
  errorAttempts: readonly AttemptRecord[] = [];
  /**
   * This request's own report from the engine (tokens, cost, final meta), taken from the call's
   * result, never matched by request id: a client may send the same `x-request-id` twice at once.
   */
  report: RequestEvent | undefined;
  /** Pending while a stream's report is still to come; the log line waits for it. */
  reportPending: Promise<void> | undefined;
  /** This request's share of the body budget, released when the exchange ends. */
  bodyHold: BodyHold | undefined;
  /** Cancels the stream being relayed (set once its head is out). */
  stopStream: (() => void) | undefined;
  /** The event that ends this stream with an error, when not chat's (a Responses stream's). */
  streamErrorEvent: ((error: unknown) => string) | undefined;
  /** Answered by the shutdown itself (`shutting_down`): later errors are not counted again. */
  cutByShutdown = false;
  /** Message content for the request log, kept only when it logs content. */
  content: LoggedContent | undefined;
  /** Ends this request's in-flight count (model routes only). */
  endInFlight: (() => void) | undefined;
  #abort: LightSignal | undefined;

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
   * Aborted when the client goes away before the response has finished. Created on first use,
   * and a {@link LightSignal}, not an AbortController (the engine only listens to it; never hand
   * it to `AbortSignal.any`): only model routes need one.
   */
  get signal(): AbortSignal {
    this.#abort ??= new LightSignal();
    return this.#abort.asSignal;
  }

  /** Aborts {@link signal} (if anyone took it). */
  cancel(): void {
    this.#abort?.abort();
  }

  /**
   * Takes a stream's report when it resolves (once the stream has ended in any way). It always
   * does: the stream is either read to its end or cancelled when the response closes.
   */
  awaitReport(report: Promise<RequestEvent>): void {
    this.reportPending = report.then((r) => {
      this.report = r;
      this.meta = r.meta;
      this.reportPending = undefined;
    });
  }

  /** The base headers of every response: the request id. */
  baseHeaders(): Record<string, string> {
    return { 'x-request-id': this.requestId };
  }

  /**
   * The log line once the response has ended. Fields are assigned in a fixed order (the line's
   * key order) rather than spread in: a conditional spread costs an object and a copy each.
   */
  logLine(nowMs: number): RequestLogLine {
    const m = this.meta;
    const r = this.report;
    const status = this.res.statusCode;
    const aborted = !this.res.writableFinished;
    const attempts = m?.attempts ?? this.errorAttempts;
    const line: Mutable<RequestLogLine> = {
      requestId: this.requestId,
      method: this.method,
      route: this.route,
      status,
      outcome: outcomeOf(this, aborted),
      durationMs: Math.round((nowMs - this.startedMs) * 1000) / 1000,
    };
    if (this.model !== undefined) line.model = this.model;
    if (m !== undefined) {
      line.servedModel = m.model;
      line.deployment = m.deployment;
      line.fallback = m.fallback;
      line.attempts = m.calls;
    } else if (attempts.length > 0) {
      line.attempts = attempts.filter((a) => a.result !== 'skipped').length;
    }
    if (attempts.length > 0) line.attemptLog = attempts.map(attemptLogEntry);
    if (this.stream) line.stream = true;
    if (r !== undefined) {
      line.promptTokens = r.promptTokens;
      line.completionTokens = r.completionTokens;
      line.costUsd = r.meta.costUsd;
    }
    if (r?.ttftMs !== undefined) line.ttftMs = r.ttftMs;
    if (this.errorCode !== undefined) line.errorCode = this.errorCode;
    if (this.errorDetail !== undefined) line.errorDetail = this.errorDetail;
    if (this.client !== undefined) line.client = this.client.name;
    return line;
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** One attempt as logged: plain fields, the network detail included, never a body. */
function attemptLogEntry(a: AttemptRecord): AttemptLogEntry {
  return {
    deployment: a.deployment,
    result: a.result,
    reason: a.reason,
    ...(a.status !== undefined && { status: a.status }),
    ...(a.detail !== undefined && { detail: a.detail }),
  };
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
