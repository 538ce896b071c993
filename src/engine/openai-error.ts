/**
 * The one place breakerbox errors become OpenAI error envelopes, for `bb.fetch` and the gateway
 * alike: status, `{"error":{"message","type","param","code"}}`, and the headers clients act on
 * (`retry-after`, `retry-after-ms`, `x-should-retry`). See shared reference, openai-wire §0 and §3.
 */
import {
  AllCandidatesFailedError,
  HttpRefusedError,
  InvalidRequestError,
  ResponseStateUnavailableError,
  UpstreamRejectedError,
  isBreakerboxError,
} from '../core/index.js';
import type { BreakerboxError, ErrorCode, OpenAIErrorPayload } from '../core/index.js';

/** An error ready for the wire. */
export interface WireError {
  readonly status: number;
  readonly body: OpenAIErrorPayload & { error: { attempts?: unknown } };
  readonly headers: Record<string, string>;
}

/** Clients (the openai SDKs) honour at most about 60 s of Retry-After consistently. */
export const MAX_RETRY_AFTER_MS = 60_000;

const STATUS: Record<ErrorCode, number> = {
  breaker_open: 503,
  bulkhead_full: 503,
  rate_limited: 429,
  retry_budget_exceeded: 503,
  timeout: 504,
  deadline_exceeded: 504,
  cancelled: 499,
  upstream_error: 502,
  request_rejected: 400,
  all_candidates_failed: 503,
  budget_exceeded: 429,
  config_invalid: 500,
  invalid_request: 400,
  model_not_found: 404,
  invalid_api_key: 401,
  internal_error: 500,
  host_not_allowed: 403,
  origin_not_allowed: 403,
  unsupported_media_type: 415,
  headers_too_large: 431,
  request_timeout: 408,
  expectation_failed: 417,
  server_overloaded: 503,
  shutting_down: 503,
  response_state_unavailable: 503,
};

/** Whether a client retry could help; `undefined` leaves the status rule to the client. */
const SHOULD_RETRY: Partial<Record<ErrorCode, boolean>> = {
  retry_budget_exceeded: false,
  deadline_exceeded: false,
  budget_exceeded: false,
  invalid_request: false,
  model_not_found: false,
  invalid_api_key: false,
  config_invalid: false,
  cancelled: false,
  internal_error: false,
  host_not_allowed: false,
  origin_not_allowed: false,
  unsupported_media_type: false,
  headers_too_large: false,
  expectation_failed: false,
};

function typeFor(status: number): string {
  if (status === 429) return 'rate_limit_error';
  if (status === 503) return 'service_unavailable_error';
  if (status === 504) return 'timeout_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** Builds the envelope for any thrown value. Unknown errors never leak their message. */
export function toWireError(error: unknown): WireError {
  if (error instanceof UpstreamRejectedError) {
    return { status: error.status, body: error.body, headers: { 'x-should-retry': 'false' } };
  }
  if (!isBreakerboxError(error)) {
    return envelope(500, 'internal error', 'internal_error', null, { 'x-should-retry': 'false' });
  }
  const status = STATUS[error.code];
  const headers: Record<string, string> = {};
  const retryAfterMs = retryAfterOf(error);
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs)) {
    // Whole seconds, rounded up and never 0: "retry in 0 s" invites a client to hammer at once
    // (and `Retry-After: 0` makes some clients retry with no delay at all).
    const capped = Math.min(Math.max(1, retryAfterMs), MAX_RETRY_AFTER_MS);
    headers['retry-after'] = String(Math.max(1, Math.ceil(capped / 1000)));
    headers['retry-after-ms'] = String(Math.ceil(capped));
    // Honest: a client retry helps only if something admits a call within what it will wait.
    headers['x-should-retry'] = retryAfterMs <= MAX_RETRY_AFTER_MS ? 'true' : 'false';
  } else if (
    error.code === 'all_candidates_failed' ||
    error.code === 'breaker_open' ||
    error.code === 'response_state_unavailable'
  ) {
    headers['x-should-retry'] = 'false';
  }
  const should = SHOULD_RETRY[error.code];
  if (should !== undefined) headers['x-should-retry'] = String(should);
  const param =
    error instanceof InvalidRequestError || error instanceof HttpRefusedError ? error.param : null;
  const wire = envelope(status, error.message, error.code, param, headers);
  if (error instanceof AllCandidatesFailedError || error instanceof ResponseStateUnavailableError) {
    return { ...wire, body: { error: { ...wire.body.error, attempts: error.attempts } } };
  }
  return wire;
}

function retryAfterOf(error: BreakerboxError): number | undefined {
  const value = (error as { retryAfterMs?: unknown }).retryAfterMs;
  return typeof value === 'number' ? value : undefined;
}

function envelope(
  status: number,
  message: string,
  code: string,
  param: string | null,
  headers: Record<string, string>,
): WireError {
  return { status, headers, body: { error: { message, type: typeFor(status), param, code } } };
}
