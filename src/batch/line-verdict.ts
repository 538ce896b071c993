/**
 * What a line's result means for a resume: final (a provider, or the request's validation,
 * judged the request itself) or retryable (nothing answered about the request: the network, a
 * timeout, open breakers, rate limits, 5xx, a refused key). Read from the wire form both targets
 * share (status, the envelope's `code`, the `attempts` of `all_candidates_failed`), so an engine
 * in this process and a gateway over HTTP are judged alike.
 *
 * | result                                                                  | verdict   |
 * |-------------------------------------------------------------------------|-----------|
 * | 2xx                                                                     | succeeded |
 * | `all_candidates_failed` whose every attempt is a verdict on the request | final     |
 * | (`caller_error`, `context_length`)                                      |           |
 * | any other `all_candidates_failed` (network, 5xx, 401/403/404 failed     | retryable |
 * | over, every breaker open, rate limited)                                 |           |
 * | 401, 403 (the gateway refused the batch's key), 408, 409, 429, 499      | retryable |
 * | other 4xx: the provider's 400/404/413/422 relayed, `invalid_request`,   | final     |
 * | `model_not_found`                                                       |           |
 * | 5xx (`deadline_exceeded` 504, `upstream_error` 502, ...)                | retryable |
 * | no HTTP result (`gateway_unreachable`)                                  | retryable |
 */
import type { LineOutcome } from './target.js';

/** One attempt of an `all_candidates_failed` answer, as read from its body. */
export interface AttemptView {
  readonly deployment: string;
  readonly result: 'skipped' | 'failed' | 'other';
  readonly reason: string;
  readonly status: number | undefined;
}

/** How one result counts. */
export type LineVerdict =
  | { readonly kind: 'succeeded' }
  | { readonly kind: 'final' }
  | {
      readonly kind: 'retryable';
      /** The attempts of an `all_candidates_failed` answer (empty for other failures). */
      readonly attempts: readonly AttemptView[];
      /** The HTTP status when the target answered without attempts (a gateway's own 401). */
      readonly status: number | undefined;
    };

/** Attempt reasons that are a provider's verdict on the request itself (core `NeutralReason`). */
const REQUEST_VERDICTS: ReadonlySet<string> = new Set(['caller_error', 'context_length']);
/** 4xx statuses that say nothing about the request (the SDKs retry them too). */
const RETRYABLE_4XX: ReadonlySet<number> = new Set([401, 403, 408, 409, 429, 499]);

/** The attempts listed in an OpenAI error envelope's `error.attempts` (breakerbox's addition). */
export function attemptsOf(body: unknown): AttemptView[] {
  const error = (body as { error?: { attempts?: unknown } } | null | undefined)?.error;
  const list = error?.attempts;
  if (!Array.isArray(list)) return [];
  const views: AttemptView[] = [];
  for (const item of list as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const a = item as Record<string, unknown>;
    if (typeof a.deployment !== 'string') continue;
    views.push({
      deployment: a.deployment,
      result: a.result === 'skipped' || a.result === 'failed' ? a.result : 'other',
      reason: typeof a.reason === 'string' ? a.reason : '',
      status: typeof a.status === 'number' ? a.status : undefined,
    });
  }
  return views;
}

const retryable = (attempts: readonly AttemptView[], status?: number): LineVerdict => ({
  kind: 'retryable',
  attempts,
  status,
});

/** Classifies one line's result (see the table above). */
export function verdictOf(outcome: LineOutcome): LineVerdict {
  if (outcome.type === 'error') return retryable([]);
  const { statusCode: status } = outcome;
  if (status >= 200 && status < 300) return { kind: 'succeeded' };
  if (outcome.errorCode === 'all_candidates_failed') {
    const attempts = attemptsOf(outcome.body);
    const called = attempts.filter((a) => a.result !== 'skipped');
    const judged =
      attempts.length > 0 &&
      called.length === attempts.length &&
      called.every((a) => REQUEST_VERDICTS.has(a.reason));
    return judged ? { kind: 'final' } : retryable(attempts);
  }
  if (status >= 400 && status < 500 && !RETRYABLE_4XX.has(status)) return { kind: 'final' };
  return retryable([], status);
}
