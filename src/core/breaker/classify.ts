import { isBreakerboxError } from '../errors.js';
import type { UpstreamErrorInit } from '../errors.js';
import { CALLER_ERROR, CANCELLED, failure } from '../outcome.js';
import type { FailureOutcome, Outcome } from '../outcome.js';

/** Maps what a wrapped function threw to an {@link Outcome}. */
export type ErrorClassifier = (error: unknown, signal?: AbortSignal) => Outcome;

/** The outcome of anything no classifier recognised, and of a result `isResultFailure` rejects. */
export const GENERIC_FAILURE: FailureOutcome = Object.freeze({ type: 'failure', kind: 'error' });

/**
 * The default classifier:
 * - the caller's `signal` aborted, a `CancelledError`, or any `AbortError` → neutral `cancelled`;
 * - an `UpstreamError` → failure of its `kind`, with its `retryAfterMs`;
 * - a breakerbox `invalid_request`, `model_not_found` or `request_rejected` → neutral `caller_error`;
 * - a rejection by an inner policy (`breaker_open`, `bulkhead_full`, `rate_limited`,
 *   `retry_budget_exceeded`): the call never reached the upstream → neutral `cancelled`, so a full
 *   bulkhead below a breaker can never trip it;
 * - anything else (the gateway's HTTP-level refusals included, which never wrap a call) →
 *   failure of kind `'error'`.
 */
export const classifyError: ErrorClassifier = (error, signal) => {
  if (signal?.aborted === true) return CANCELLED;
  if (isBreakerboxError(error)) {
    switch (error.code) {
      case 'cancelled':
      case 'breaker_open':
      case 'bulkhead_full':
      case 'rate_limited':
      case 'retry_budget_exceeded':
        return CANCELLED;
      case 'invalid_request':
      case 'model_not_found':
      case 'request_rejected':
        return CALLER_ERROR;
      case 'upstream_error': {
        // Structural read: the error may come from another copy of the package.
        const upstream = error as unknown as Pick<UpstreamErrorInit, 'kind' | 'retryAfterMs'>;
        return upstream.retryAfterMs === undefined
          ? failure(upstream.kind)
          : failure(upstream.kind, { retryAfterMs: upstream.retryAfterMs });
      }
      case 'timeout':
      case 'deadline_exceeded':
      case 'all_candidates_failed':
      case 'response_state_unavailable':
      case 'budget_exceeded':
      case 'config_invalid':
      case 'invalid_api_key':
      case 'internal_error':
      case 'host_not_allowed':
      case 'origin_not_allowed':
      case 'unsupported_media_type':
      case 'headers_too_large':
      case 'request_timeout':
      case 'expectation_failed':
      case 'server_overloaded':
      case 'shutting_down':
        return GENERIC_FAILURE;
    }
  }
  if (typeof error === 'object' && error !== null && (error as Error).name === 'AbortError') {
    return CANCELLED;
  }
  return GENERIC_FAILURE;
};
