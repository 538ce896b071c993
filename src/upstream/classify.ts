/**
 * The one place that turns what an upstream did (a status, headers and body, or a thrown error)
 * into the shared vocabulary of `core/outcome.ts` (docs/errors.md, "Failure kinds").
 * After this, code switches on `kind` and never parses statuses, messages or headers again.
 *
 * | upstream did                                   | outcome                                  |
 * |------------------------------------------------|------------------------------------------|
 * | 2xx                                            | success                                  |
 * | 400 `context_length_exceeded` / message says so| neutral `context_length` (also 413, 422) |
 * | 400, 413, 422                                  | neutral `caller_error` (unless `failoverOn`) |
 * | 401, 402, 403                                  | failure `auth`                           |
 * | 404                                            | failure `not_found`                      |
 * | 429 (`insufficient_quota` included)            | failure `rate_limited` + retryAfterMs    |
 * | 503, 529                                       | failure `overloaded`                     |
 * | 500, 502, 504, any other 5xx                   | failure `server_error`                   |
 * | 408, 409, any other 4xx, 1xx/3xx               | failure `server_error`                   |
 * | connection refused/reset, socket closed, DNS, TLS | failure `network`                     |
 * | undici connect / headers / body timeout        | `connect_timeout` / `first_byte_timeout` / `idle_timeout` |
 *
 * The split: a status about the *request* (its body is invalid, too large, too long) comes back to
 * the caller unchanged, since every deployment would say the same. A status about the
 * *deployment* fails over: the gateway's caller names a logical model, so a provider's 404 (a
 * retired model, a `baseURL` missing `/v1`) or 401/403 ("no access to this model") is the
 * operator's configuration failing, not the caller's mistake. A model's `failoverOn` adds 4xx
 * statuses to the deployment side (as `server_error`) for providers that answer 400 to what
 * others accept.
 *
 * Choices the failure-kinds table (docs/errors.md) leaves open:
 * - 429 `insufficient_quota` stays `rate_limited`: the deployment cannot serve, failing over is
 *   right, and the breaker's growing open time keeps probes rare until billing is fixed.
 * - 402 Payment Required (OpenRouter, some resellers: out of credits) is `auth`: like a bad key,
 *   the account is unusable until an operator acts.
 * - 408, 409 and other 4xx/3xx are `server_error`: the caller's body is the same one a healthy
 *   deployment would accept (the SDKs retry 408/409), so they say something about this
 *   deployment, not about the caller. A redirect means a wrong `baseURL`.
 * - A failure status carrying `Retry-After` (503 too, not only 429) reports it as `retryAfterMs`,
 *   so the breaker stays open at least that long. A 429 without the header uses the delay its
 *   message spells out ("Please try again in 26.604s"), if any.
 */
import { CALLER_ERROR, failure } from '../core/index.js';
import type { FailureKind, FailureOutcome, NeutralOutcome } from '../core/index.js';
import { parseRetryAfterFromMessage, parseRetryAfterMs } from './retry-after.js';
import type { ResponseHeaders } from './retry-after.js';
import type { OpenAIErrorBody } from './types.js';

/** The neutral outcome for a request longer than the model's context window. */
export const CONTEXT_LENGTH: NeutralOutcome = Object.freeze({
  type: 'neutral',
  reason: 'context_length',
});

// OpenAI/Azure/vLLM: "This model's maximum context length is 128000 tokens"; Anthropic: "prompt is
// too long"; Gemini's OpenAI endpoint: "exceeds the maximum number of tokens allowed".
const CONTEXT_MESSAGE =
  /maximum context length|context[ _-]length[ _-]exceeded|context window|prompt is too long|exceeds the maximum number of tokens/i;

/** True when an error body says the request is longer than the model's context window. */
export function isContextLengthError(body: OpenAIErrorBody): boolean {
  return body.error.code === 'context_length_exceeded' || CONTEXT_MESSAGE.test(body.error.message);
}

/**
 * The failure kind a non-2xx status means, or `null` when the caller's request is at fault.
 * @param failoverOn 4xx statuses the model moves to the deployment side (as `server_error`)
 */
export function failureKindForStatus(
  status: number,
  failoverOn?: readonly number[],
): FailureKind | null {
  switch (status) {
    case 400:
    case 413:
    case 422:
      return failoverOn?.includes(status) === true ? 'server_error' : null;
    case 401:
    case 402:
    case 403:
      return 'auth';
    case 404:
      return 'not_found';
    case 429:
      return 'rate_limited';
    case 503:
    case 529:
      return 'overloaded';
    default:
      return 'server_error';
  }
}

/** Input of {@link classifyResponse}. */
export interface ClassifyResponseInput {
  /** A non-2xx HTTP status. */
  status: number;
  headers: ResponseHeaders;
  /** The body, already normalised by `toOpenAIErrorBody`. */
  body: OpenAIErrorBody;
  /** Wall-clock now, for HTTP-date `Retry-After` values. */
  nowEpochMs: number;
  /** How long the attempt took, copied into a failure outcome. */
  durationMs?: number;
  /** 4xx statuses the model treats as deployment failures (its `failoverOn`). */
  failoverOn?: readonly number[];
}

/** How a non-2xx response counts: a failure (with `retryAfterMs`) or neutral. */
export function classifyResponse(input: ClassifyResponseInput): FailureOutcome | NeutralOutcome {
  const { status, body } = input;
  // Context length first: it has its own fallback chain, whatever `failoverOn` says.
  if (status === 400 || status === 413 || status === 422) {
    if (isContextLengthError(body)) return CONTEXT_LENGTH;
  }
  const kind = failureKindForStatus(status, input.failoverOn);
  if (kind === null) return CALLER_ERROR;
  const retryAfterMs =
    parseRetryAfterMs(input.headers, input.nowEpochMs) ??
    (status === 429 ? parseRetryAfterFromMessage(body.error.message) : undefined);
  const opts: { retryAfterMs?: number; durationMs?: number } = {};
  if (retryAfterMs !== undefined) opts.retryAfterMs = retryAfterMs;
  if (input.durationMs !== undefined) opts.durationMs = input.durationMs;
  return failure(kind, opts);
}

const ERROR_CODE_KINDS: Readonly<Record<string, FailureKind>> = {
  UND_ERR_CONNECT_TIMEOUT: 'connect_timeout',
  UND_ERR_HEADERS_TIMEOUT: 'first_byte_timeout',
  UND_ERR_BODY_TIMEOUT: 'idle_timeout',
  // The body ended before its content-length: a truncated response.
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'network',
  UND_ERR_SOCKET: 'network',
  UND_ERR_CLOSED: 'network',
  UND_ERR_DESTROYED: 'network',
  UND_ERR_INFO: 'network',
  UND_ERR_HEADERS_OVERFLOW: 'malformed_response',
  HPE_INVALID_CONSTANT: 'malformed_response',
  ECONNREFUSED: 'network',
  ECONNRESET: 'network',
  ECONNABORTED: 'network',
  EPIPE: 'network',
  ETIMEDOUT: 'network',
  ENOTFOUND: 'network',
  EAI_AGAIN: 'network',
  EHOSTUNREACH: 'network',
  ENETUNREACH: 'network',
  ENETDOWN: 'network',
  EADDRNOTAVAIL: 'network',
};

// A POSIX errno (`ECONNRESET`, `EPROTO`, ...) or a TLS/certificate failure.
const ERRNO = /^E[A-Z0-9]+$/;
const TLS = /^(?:ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH)/;

function codeOf(err: unknown): string | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The failure kind of an error thrown while sending or reading (undici or `node:net`). Looks at
 * `code`, then `cause.code`, then the first of an `AggregateError`'s errors (Node's
 * happy-eyeballs connect). Parser errors (`HPE_*`) are `malformed_response`; any errno
 * (`E*`) and TLS/certificate errors are `network`; anything else (no code, or a programmer error
 * such as `UND_ERR_INVALID_ARG`) is `error`.
 *
 * Caller aborts and our own total timer are told apart by the client (it knows which fired),
 * never from the error.
 */
export function classifyError(err: unknown): FailureKind {
  const candidates: unknown[] = [err];
  if (err !== null && typeof err === 'object') {
    candidates.push((err as { cause?: unknown }).cause);
    const errors = (err as { errors?: unknown }).errors;
    if (Array.isArray(errors)) candidates.push(errors[0]);
  }
  for (const c of candidates) {
    const code = codeOf(c);
    if (code === undefined) continue;
    const kind = ERROR_CODE_KINDS[code];
    if (kind) return kind;
    if (code.startsWith('HPE_')) return 'malformed_response';
    if (ERRNO.test(code) || TLS.test(code)) return 'network';
  }
  return 'error';
}

/** What a network-level error says, for messages and logs: never a body, a header or a key. */
export interface NetworkErrorDetail {
  /** The errno, TLS or undici code: `ECONNREFUSED`, `CERT_HAS_EXPIRED`, `UND_ERR_SOCKET`. */
  readonly code?: string;
  /** The peer the error names, `host:port` (`127.0.0.1:9`, `[::1]:443`); TLS errors name none. */
  readonly address?: string;
  /** For TLS and certificate failures: Node's reason (`certificate has expired`). */
  readonly reason?: string;
}

/** TLS reasons are Node's or OpenSSL's fixed texts, plus host names; capped all the same. */
const MAX_REASON_CHARS = 200;

function stringField(o: object, key: string): string | undefined {
  const v = (o as Record<string, unknown>)[key];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function hostPort(host: string | undefined, port: unknown): string | undefined {
  if (host === undefined || (typeof port !== 'number' && typeof port !== 'string'))
    return undefined;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The `host:port` an error names: Node's errno fields (`connect`), or undici's socket info. */
function addressOf(o: object): string | undefined {
  const address = hostPort(stringField(o, 'address'), (o as { port?: unknown }).port);
  if (address !== undefined) return address;
  const socket = (o as { socket?: unknown }).socket;
  if (socket === null || typeof socket !== 'object') return undefined;
  return hostPort(
    stringField(socket, 'remoteAddress'),
    (socket as { remotePort?: unknown }).remotePort,
  );
}

/** The error and what it wraps: `cause`, the first of an `AggregateError`'s errors, theirs. */
function layersOf(err: unknown): object[] {
  const layers: object[] = [];
  let next: unknown = err;
  // Bounded: an error chain deeper than four layers says nothing more useful.
  for (let depth = 0; depth < 4 && next !== null && typeof next === 'object'; depth++) {
    layers.push(next);
    const errors = (next as { errors?: unknown }).errors;
    const cause = (next as { cause?: unknown }).cause;
    next = Array.isArray(errors) && errors.length > 0 ? errors[0] : cause;
  }
  return layers;
}

/**
 * What a network-level error says: its code (from the error, its `cause`, or the first of an
 * `AggregateError`'s errors), the peer it names, and for TLS and certificate failures Node's
 * reason (`reason` when set, as on `ERR_TLS_CERT_ALTNAME_INVALID`; else the message, which for
 * certificate codes is OpenSSL's fixed text). Pure; reads only these fields, never a body.
 */
export function describeNetworkError(err: unknown): NetworkErrorDetail {
  let code: string | undefined;
  let address: string | undefined;
  let reason: string | undefined;
  for (const layer of layersOf(err)) {
    const c = codeOf(layer);
    if (code === undefined && c !== undefined) {
      code = c;
      if (TLS.test(c)) reason = stringField(layer, 'reason') ?? stringField(layer, 'message');
    }
    address ??= addressOf(layer);
  }
  return {
    ...(code !== undefined && { code }),
    ...(address !== undefined && { address }),
    ...(reason !== undefined && { reason: reason.slice(0, MAX_REASON_CHARS) }),
  };
}

/**
 * A detail as one line for messages and logs: `ECONNREFUSED 127.0.0.1:9`,
 * `CERT_HAS_EXPIRED api.example.com:443: certificate has expired`. Undefined when the error has
 * no code (nothing network-level to say). `fallbackAddress` names the peer when the error does
 * not (TLS errors never do).
 */
export function formatNetworkDetail(
  detail: NetworkErrorDetail,
  fallbackAddress?: string,
): string | undefined {
  if (detail.code === undefined) return undefined;
  const address = detail.address ?? fallbackAddress;
  const head = address === undefined ? detail.code : `${detail.code} ${address}`;
  return detail.reason === undefined ? head : `${head}: ${detail.reason}`;
}
