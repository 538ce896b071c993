/**
 * The label vocabulary of the gateway's metrics and the pure functions that derive labels from
 * engine events. Every label value comes from a closed list here or from the configuration
 * (model and deployment names), so the number of series stays bounded whatever callers send.
 */
import { BREAKER_STATES } from '../core/index.js';
import type { AttemptRecord } from '../core/index.js';
import type { RequestEvent } from '../engine/index.js';

/**
 * A finished request, as the engine reports it (`bb.on('request')`). `attemptMs`, the winning
 * attempt's own time, is read when the engine provides it (see `winnerAttemptMs`).
 */
export type MetricsRequestEvent = RequestEvent & { readonly attemptMs?: number };

/**
 * Every breaker state, so a scrape shows 0 for the states a circuit is not in:
 * `closed` (calls pass, failures counted), `open` (calls rejected until the open duration ends),
 * `half-open` (a few probe calls decide whether to close or re-open), `forced-open` (an operator
 * opened it; only an operator closes it), `disabled` (an operator made it always admit; calls are
 * still counted), `metrics-only` (always admits; trips are only evaluated and reported).
 */
export const CIRCUIT_STATES: readonly string[] = BREAKER_STATES;

/** Values of `breakerbox_requests_total{outcome}`. */
export const REQUEST_OUTCOMES = [
  'success',
  'fallback',
  'cached',
  'static',
  'error',
  'cancelled',
] as const;

/**
 * Values of `breakerbox_upstream_attempts_total{outcome}`: `success`; `failure` (counted against
 * the breaker); `neutral` (called, but the result says nothing about the deployment: the caller's
 * own error, context length, a cancellation); `skipped` (never called: breaker open, limit full).
 */
export const ATTEMPT_OUTCOMES = ['success', 'failure', 'neutral', 'skipped'] as const;

/** A value of `breakerbox_upstream_attempts_total{outcome}`. */
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

/** Values of `breakerbox_upstream_skips_total{reason}`: why the router did not call a candidate. */
export const SKIP_REASONS = [
  'breaker_open',
  'rate_limited',
  'bulkhead_full',
  'budget_exceeded',
  'retry_budget_exceeded',
] as const;

/** Values of `breakerbox_rate_limit_rejections_total{scope}`. */
export const RATE_LIMIT_SCOPES = ['client', 'deployment', 'upstream'] as const;

/** The label value for anything outside a configured or closed list. */
export const OTHER = 'other';

/** `value` if it is one of `known`, else {@link OTHER}: never an unbounded label value. */
export function bounded(value: string, known: ReadonlySet<string>): string {
  return known.has(value) ? value : OTHER;
}

/** How a request ended, as the `outcome` label. */
export function requestOutcome(e: MetricsRequestEvent): string {
  if (!e.ok) return e.errorCode === 'cancelled' ? 'cancelled' : 'error';
  if (e.meta.cached) return 'cached';
  if (e.meta.fallback === 'static') return 'static';
  return e.meta.fallbackUsed ? 'fallback' : 'success';
}

/**
 * Upstream calls made to a deployment already called for this request: true retries, as opposed
 * to failing over to another deployment.
 */
export function retriesOf(e: MetricsRequestEvent): number {
  // The common case, answered by the first candidate: nothing to count, nothing to allocate.
  if (e.meta.attempts.length === 0) return 0;
  const called = e.meta.attempts.filter((a) => a.result !== 'skipped').map((a) => a.deployment);
  // The deployment that answered is not among the attempts (they list what failed before it).
  if (e.meta.deployment !== null) called.push(e.meta.deployment);
  return Math.max(0, called.length - new Set(called).size);
}

/** Why a request was served by something else: the requested model's last failure, or the kind. */
export function fallbackReason(e: MetricsRequestEvent): string {
  if (e.meta.fallback !== 'model') return e.meta.fallback;
  const own = e.meta.attempts.filter((a) => a.model === e.meta.requestedModel);
  return own.at(-1)?.reason ?? 'model';
}

/** The outcome label of a skipped or failed attempt (`bb.on('attempt')`). */
export function attemptOutcome(a: AttemptRecord): AttemptOutcome {
  if (a.result === 'skipped') return 'skipped';
  if (a.result === 'succeeded') return 'success';
  return a.scope === 'request' ? 'neutral' : 'failure';
}

/**
 * How the deployment that answered a request fared: `success`, or for a stream that broke after
 * its first chunk `failure` (`neutral` when the caller went away). Undefined when no deployment
 * answered (an error before any answer, the cache, a static fallback).
 */
export function winnerOutcome(e: MetricsRequestEvent): AttemptOutcome | undefined {
  if (e.meta.deployment === null) return undefined;
  if (e.ok) return 'success';
  return e.errorCode === 'cancelled' ? 'neutral' : 'failure';
}

/**
 * The winning attempt's own time, ms: the event's `attemptMs` when the engine provides it. Else,
 * only when no upstream call failed before it, the request's time (to the first chunk for a
 * stream, as the engine times a stream's attempt), which then differs from the attempt's by the
 * skips alone. Undefined otherwise: an earlier failure's time (and backoff) must never be charged
 * to the winner.
 */
export function winnerAttemptMs(e: MetricsRequestEvent): number | undefined {
  if (e.attemptMs !== undefined) return e.attemptMs;
  if (e.meta.attempts.some((a) => a.result !== 'skipped')) return undefined;
  return e.route === 'stream' ? e.ttftMs : e.meta.durationMs;
}
