/**
 * The OpenAI-compatible client on undici: one keep-alive Agent per provider (or an injected
 * dispatcher), `dispatcher.request()` with origin and path pre-split (no URL parsing per call),
 * headers built once, the body serialised once.
 */
import { Agent } from 'undici';
import type { Dispatcher } from 'undici';
import type { Readable } from 'node:stream';
import { UpstreamError, systemClock, withoutStack } from '../core/index.js';
import type { Clock, FailureKind } from '../core/index.js';
import { Attempt } from './attempt.js';
import type { AbortCause, AttemptTimers } from './attempt.js';
import {
  classifyError,
  classifyResponse,
  describeNetworkError,
  formatNetworkDetail,
} from './classify.js';
import { preciseConnector } from './connector.js';
import { toOpenAIErrorBody } from './envelope.js';
import { SseEventStream } from './stream.js';
import type { StreamProtocol } from './stream.js';
import { DEFAULT_TIMEOUTS } from './types.js';
import type {
  OpenAIErrorBody,
  ProviderOptions,
  Upstream,
  UpstreamRequest,
  UpstreamResult,
  UpstreamStreamResult,
  UpstreamTimeouts,
} from './types.js';
import { BREAKERBOX_VERSION } from './version.js';

/** Error bodies are read up to this many bytes (an edge proxy's HTML page can be large). */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

type NotSuccess = Exclude<UpstreamResult, { type: 'success' }>;
type Failure = Extract<UpstreamResult, { type: 'failure' }>;
type Headers = Record<string, string>;

interface Target {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Headers;
}

/** Creates the client for one OpenAI-compatible provider. @throws TypeError on a bad option. */
export function createUpstream(options: ProviderOptions): Upstream {
  return new OpenAIUpstream(options);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function isEventStream(contentType: string): boolean {
  return (
    contentType.includes('text/event-stream') ||
    contentType.toLowerCase().includes('text/event-stream')
  );
}

function checkTimeouts(t: UpstreamTimeouts): UpstreamTimeouts {
  for (const [key, value] of Object.entries(t)) {
    if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
      throw new TypeError(`timeouts.${key} must be a number >= 0 (ms), got ${String(value)}`);
    }
  }
  return t;
}

function buildHeaders(options: ProviderOptions): { json: Headers; sse: Headers; get: Headers } {
  const common: Headers = { 'user-agent': `breakerbox/${BREAKERBOX_VERSION}` };
  if (options.apiKey) common['authorization'] = `Bearer ${options.apiKey}`;
  // Lower-cased so a configured `User-Agent` replaces ours instead of being sent twice.
  for (const [k, v] of Object.entries(options.headers ?? {})) common[k.toLowerCase()] = v;
  const json = { 'content-type': 'application/json', accept: 'application/json' };
  return {
    json: { ...json, ...common },
    sse: { ...json, accept: 'text/event-stream', ...common },
    get: { accept: 'application/json', ...common },
  };
}

/** The failure kind of each timer that can end an attempt. */
const CAUSE_KINDS = {
  total: 'total_timeout',
  attempt: 'attempt_timeout',
  first_byte: 'first_byte_timeout',
  idle: 'idle_timeout',
} as const satisfies Record<Exclude<AbortCause, 'caller' | 'consumer' | 'malformed'>, FailureKind>;

/** The attempt's timers from the merged timeouts and the router's cap. */
function timersOf(t: UpstreamTimeouts, req: UpstreamRequest): AttemptTimers {
  return {
    totalMs: t.totalMs,
    attemptMs: req.attemptMs,
    firstByteMs: t.firstByteMs,
    idleMs: t.idleMs,
  };
}

/**
 * A JSON attempt's timers without those that cannot fire before the caller's signal aborts
 * (`signalWithinMs`): the request deadline, armed before the attempt, ends it first. One to three
 * timers fewer per request with the default deadline (30 s) and timeouts (120 s, 30 s, 30 s).
 */
function withinSignal(timers: AttemptTimers, req: UpstreamRequest): AttemptTimers {
  const bound = req.signalWithinMs;
  if (bound === undefined || !(bound >= 0) || req.signal === undefined) return timers;
  const keep = (ms: number | undefined): number => (ms !== undefined && ms < bound ? ms : 0);
  return {
    totalMs: keep(timers.totalMs),
    attemptMs: timers.attemptMs,
    firstByteMs: keep(timers.firstByteMs),
    idleMs: keep(timers.idleMs),
  };
}

/**
 * Reads a whole body as text, telling the attempt of every chunk (its idle timer). Listeners
 * rather than `for await`: the stream's async iterator costs a promise and an end-of-stream
 * watcher per body, about 5% of the bytes a JSON request allocates.
 * @throws what the body is destroyed with, or a premature-close error if it closes unended
 */
function readText(body: Readable, attempt: Attempt): Promise<string> {
  return new Promise((resolve, reject) => {
    let first: Buffer | undefined;
    let chunks: Buffer[] | undefined;
    const onData = (chunk: Buffer): void => {
      attempt.touch();
      if (first === undefined) first = chunk;
      else (chunks ??= [first]).push(chunk);
    };
    const done = (): void => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      body.off('close', onClose);
    };
    const onEnd = (): void => {
      done();
      if (chunks !== undefined) resolve(Buffer.concat(chunks).toString('utf8'));
      else resolve(first === undefined ? '' : first.toString('utf8'));
    };
    const onError = (error: Error): void => {
      done();
      reject(error);
    };
    const onClose = (): void => {
      done();
      reject(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    };
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
    body.on('close', onClose);
  });
}

/** Reads at most `maxBytes` of an error body; past that the connection is dropped. */
async function readCapped(body: Readable, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (size + chunk.length > maxBytes) {
      chunks.push(chunk.subarray(0, maxBytes - size));
      break; // destroys the body: cheaper than downloading a huge page to reuse the socket
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}

class OpenAIUpstream implements Upstream {
  readonly name: string;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #origin: string;
  /** `host:port` of the origin, for network errors that name no peer (TLS, DNS). */
  readonly #address: string;
  readonly #chat: Target;
  readonly #chatStream: Target;
  readonly #embeddings: Target;
  readonly #responses: Target;
  readonly #responsesStream: Target;
  readonly #completions: Target;
  readonly #completionsStream: Target;
  readonly #models: Target;
  readonly #timeouts: UpstreamTimeouts;
  readonly #clock: Clock;
  readonly #apiKey: string | undefined;

  constructor(options: ProviderOptions) {
    const url = new URL(options.baseURL);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError(`baseURL must be http(s), got ${url.protocol}`);
    }
    this.name = options.name;
    this.#origin = url.origin;
    this.#address = `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
    this.#clock = options.clock ?? systemClock;
    this.#apiKey = options.apiKey;
    this.#timeouts = checkTimeouts({ ...DEFAULT_TIMEOUTS, ...options.timeouts });
    const prefix = url.pathname.replace(/\/+$/, '');
    const path = (p: string): string => `${prefix}${p}${url.search}`;
    const headers = buildHeaders(options);
    this.#chat = { method: 'POST', path: path('/chat/completions'), headers: headers.json };
    this.#chatStream = { ...this.#chat, headers: headers.sse };
    this.#embeddings = { method: 'POST', path: path('/embeddings'), headers: headers.json };
    this.#responses = { method: 'POST', path: path('/responses'), headers: headers.json };
    this.#responsesStream = { ...this.#responses, headers: headers.sse };
    this.#completions = { method: 'POST', path: path('/completions'), headers: headers.json };
    this.#completionsStream = { ...this.#completions, headers: headers.sse };
    this.#models = { method: 'GET', path: path('/models'), headers: headers.get };
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher =
      options.dispatcher ??
      new Agent({
        connections: options.maxConnections ?? 64,
        connect: preciseConnector(this.#timeouts.connectMs, this.#clock),
        // Enforced by each attempt's own timers (see Attempt): undici's would fire a second late.
        headersTimeout: 0,
        bodyTimeout: 0,
      });
  }

  chat(req: UpstreamRequest): Promise<UpstreamResult> {
    return this.#json(this.#chat, req);
  }

  embeddings(req: UpstreamRequest): Promise<UpstreamResult> {
    return this.#json(this.#embeddings, req);
  }

  responses(req: UpstreamRequest): Promise<UpstreamResult> {
    return this.#json(this.#responses, req);
  }

  responsesStream(req: UpstreamRequest): Promise<UpstreamStreamResult> {
    return this.#stream(this.#responsesStream, req, 'responses');
  }

  completions(req: UpstreamRequest): Promise<UpstreamResult> {
    return this.#json(this.#completions, req);
  }

  completionsStream(req: UpstreamRequest): Promise<UpstreamStreamResult> {
    return this.#stream(this.#completionsStream, req, 'chat');
  }

  listModels(opts: { signal?: AbortSignal } = {}): Promise<UpstreamResult> {
    const req: UpstreamRequest = { deploymentId: this.name, body: {} };
    if (opts.signal) req.signal = opts.signal;
    return this.#json(this.#models, req);
  }

  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  async #json(target: Target, req: UpstreamRequest): Promise<UpstreamResult> {
    const startMs = this.#clock.now();
    if (req.signal?.aborted) return { type: 'cancelled', durationMs: 0 };
    const body = target.method === 'GET' ? null : (req.bodyText ?? JSON.stringify(req.body));
    const t = req.timeouts ? { ...this.#timeouts, ...req.timeouts } : this.#timeouts;
    const attempt = new Attempt(this.#clock, withinSignal(timersOf(t, req), req), req.signal);
    try {
      const res = await this.#request(target, req, body, attempt);
      attempt.watchBody();
      if (res.statusCode < 200 || res.statusCode > 299) {
        return await this.#errorResult(req, res, startMs);
      }
      const bodyText = await readText(res.body, attempt);
      return this.#jsonResult(req.deploymentId, res, bodyText, startMs);
    } catch (err) {
      return this.#thrown(req.deploymentId, err, attempt, startMs);
    } finally {
      attempt.release();
    }
  }

  chatStream(req: UpstreamRequest): Promise<UpstreamStreamResult> {
    return this.#stream(this.#chatStream, req, 'chat');
  }

  async #stream(
    target: Target,
    req: UpstreamRequest,
    protocol: StreamProtocol,
  ): Promise<UpstreamStreamResult> {
    const startMs = this.#clock.now();
    if (req.signal?.aborted) return { type: 'cancelled', durationMs: 0 };
    const body = req.bodyText ?? JSON.stringify(req.body);
    const t = req.timeouts ? { ...this.#timeouts, ...req.timeouts } : this.#timeouts;
    // A stream's idle time is watched by the stream itself, from the head on; its time to first
    // content is the router's to bound (the caller's signal), not a timer that outlives content.
    // The signal holds until the first content, so it bounds the head too: a first-byte timer it
    // beats is not set (its total timer is: the stream outlives the signal's deadline).
    const timers = {
      totalMs: t.totalMs,
      firstByteMs: withinSignal(timersOf(t, req), req).firstByteMs,
    };
    const attempt = new Attempt(this.#clock, timers, req.signal);
    let handedOff = false;
    try {
      const res = await this.#request(target, req, body, attempt);
      attempt.headersArrived();
      const firstByteMs = this.#clock.now() - startMs;
      if (res.statusCode < 200 || res.statusCode > 299) {
        return await this.#errorResult(req, res, startMs);
      }
      const contentType = headerValue(res.headers['content-type']);
      if (contentType !== undefined && !isEventStream(contentType)) {
        // A JSON (or HTML) 200 to a stream request: the upstream ignored `stream: true`.
        await readCapped(res.body, MAX_ERROR_BODY_BYTES);
        return this.#failure(
          { deploymentId: req.deploymentId, kind: 'malformed_response' },
          {
            status: res.statusCode,
            startMs,
          },
        );
      }
      // The caller may have aborted between the head arriving and this line.
      if (attempt.cause !== undefined)
        return this.#thrown(req.deploymentId, null, attempt, startMs);
      const events = new SseEventStream({
        body: res.body,
        attempt,
        clock: this.#clock,
        idleMs: t.idleMs,
        deploymentId: req.deploymentId,
        ...(this.#apiKey ? { redact: this.#apiKey } : {}),
        ...(protocol !== 'chat' && { protocol }),
      });
      handedOff = true;
      return {
        type: 'stream',
        status: res.statusCode,
        upstreamRequestId: this.#requestId(res),
        firstByteMs,
        events,
        abort: () => {
          events.abort();
        },
      };
    } catch (err) {
      return this.#thrown(req.deploymentId, err, attempt, startMs);
    } finally {
      // From the hand-off on, the stream owns the attempt and releases it on every exit.
      if (!handedOff) attempt.release();
    }
  }

  #request(
    target: Target,
    req: UpstreamRequest,
    body: string | Uint8Array | null,
    attempt: Attempt,
  ): Promise<Dispatcher.ResponseData> {
    return this.#dispatcher.request({
      origin: this.#origin,
      path: target.path,
      method: target.method,
      headers:
        req.requestId || req.traceHeaders
          ? {
              ...target.headers,
              ...(req.requestId && { 'x-request-id': req.requestId }),
              ...req.traceHeaders,
            }
          : target.headers,
      body,
      signal: attempt.signal,
      // Our own timers (see Attempt) enforce these, to the millisecond.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
  }

  #requestId(res: Dispatcher.ResponseData): string | undefined {
    return headerValue(res.headers['x-request-id']) ?? headerValue(res.headers['request-id']);
  }

  #jsonResult(
    deploymentId: string,
    res: Dispatcher.ResponseData,
    bodyText: string,
    startMs: number,
  ): UpstreamResult {
    const status = res.statusCode;
    let body: unknown;
    try {
      body = JSON.parse(bodyText);
    } catch {
      return this.#failure({ deploymentId, kind: 'malformed_response' }, { status, startMs });
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      return this.#failure({ deploymentId, kind: 'malformed_response' }, { status, startMs });
    }
    if ((body as { error?: unknown }).error) {
      // An error inside a 200: the protocol promised a result, so the deployment failed.
      const envelope = toOpenAIErrorBody(status, bodyText, this.#redaction());
      return this.#failure(
        { deploymentId, kind: 'malformed_response' },
        { status, startMs, body: envelope },
      );
    }
    return {
      type: 'success',
      status,
      body,
      bodyText,
      upstreamRequestId: this.#requestId(res),
      durationMs: this.#clock.now() - startMs,
    };
  }

  async #errorResult(
    req: UpstreamRequest,
    res: Dispatcher.ResponseData,
    startMs: number,
  ): Promise<NotSuccess> {
    const { deploymentId } = req;
    const status = res.statusCode;
    const text = await readCapped(res.body, MAX_ERROR_BODY_BYTES);
    const body = toOpenAIErrorBody(status, text, this.#redaction());
    const durationMs = this.#clock.now() - startMs;
    const outcome = classifyResponse({
      status,
      headers: res.headers,
      body,
      nowEpochMs: this.#clock.epochMs(),
      durationMs,
      ...(req.failoverOn !== undefined && { failoverOn: req.failoverOn }),
    });
    if (outcome.type === 'neutral')
      return { type: 'caller_error', outcome, status, body, durationMs };
    const error = withoutStack(
      () =>
        new UpstreamError({
          kind: outcome.kind,
          deploymentId,
          status,
          ...(outcome.retryAfterMs === undefined ? {} : { retryAfterMs: outcome.retryAfterMs }),
        }),
    );
    return { type: 'failure', outcome, error, status, body, durationMs };
  }

  /** Something was thrown: a cancellation, one of our timers, or a network error. */
  #thrown(deploymentId: string, err: unknown, attempt: Attempt, startMs: number): NotSuccess {
    const cause = attempt.cause;
    if (cause === 'caller') return { type: 'cancelled', durationMs: this.#clock.now() - startMs };
    if (cause !== undefined && cause !== 'consumer' && cause !== 'malformed') {
      return this.#failure({ deploymentId, kind: CAUSE_KINDS[cause] }, { startMs, cause: err });
    }
    // What the network said (errno, peer, TLS reason) goes into the error, never a body or key.
    const detail = formatNetworkDetail(describeNetworkError(err), this.#address);
    const init = {
      deploymentId,
      kind: classifyError(err),
      ...(detail !== undefined && { detail }),
    };
    return this.#failure(init, { startMs, cause: err });
  }

  #failure(
    init: { deploymentId: string; kind: FailureKind; detail?: string },
    extra: { startMs: number; status?: number; body?: OpenAIErrorBody; cause?: unknown },
  ): Failure {
    const durationMs = this.#clock.now() - extra.startMs;
    const { status, body, cause } = extra;
    const error = withoutStack(
      () =>
        new UpstreamError(
          status === undefined ? init : { ...init, status },
          cause === undefined || cause === null ? undefined : { cause },
        ),
    );
    const result: Failure = {
      type: 'failure',
      outcome: { type: 'failure', kind: init.kind, durationMs },
      error,
      durationMs,
    };
    if (status !== undefined) result.status = status;
    if (body !== undefined) result.body = body;
    return result;
  }

  #redaction(): { redact?: string } {
    return this.#apiKey ? { redact: this.#apiKey } : {};
  }
}
