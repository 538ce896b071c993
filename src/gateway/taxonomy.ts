/**
 * The error taxonomy of `breakerbox_errors_total{source,code,model}`: whose error was it?
 *
 * - `caller`: the request itself was wrong or withdrawn (bad JSON, unknown model, missing key,
 *   an upstream's 4xx about the request, the client going away). Fixing it is the caller's job.
 * - `policy`: breakerbox decided not to call (or stopped): an open breaker, a rate limit, a
 *   budget, the deadline, a full bulkhead. Working as configured; watch the rate.
 * - `provider`: a provider failed (5xx, timeout, cut stream, 429 from upstream), and breakerbox
 *   could not hide it. Page on this.
 */

/** Who an error is attributed to. */
export type ErrorSource = 'caller' | 'policy' | 'provider';

const CALLER_CODES: ReadonlySet<string> = new Set([
  'invalid_request',
  'model_not_found',
  'invalid_api_key',
  'request_rejected',
  'cancelled',
  'host_not_allowed',
  'origin_not_allowed',
  'unsupported_media_type',
  'headers_too_large',
  'request_timeout',
  'expectation_failed',
]);

const PROVIDER_CODES: ReadonlySet<string> = new Set(['upstream_error', 'timeout']);

/** One attempt as the taxonomy needs it (a subset of the engine's attempt record). */
export interface AttemptLike {
  readonly result: 'skipped' | 'failed' | 'succeeded';
}

/**
 * Attributes an error code. `all_candidates_failed` (and `response_state_unavailable`, its form
 * for a request pinned to one deployment) is the provider's when at least one upstream call was
 * made and failed, and policy's when every candidate was skipped without a call (breakers open,
 * limits full).
 */
export function errorSource(code: string, attempts: readonly AttemptLike[] = []): ErrorSource {
  if (CALLER_CODES.has(code)) return 'caller';
  if (PROVIDER_CODES.has(code)) return 'provider';
  if (code === 'all_candidates_failed' || code === 'response_state_unavailable') {
    return attempts.some((a) => a.result === 'failed') ? 'provider' : 'policy';
  }
  return 'policy';
}
