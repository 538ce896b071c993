/**
 * How a call ended, in one vocabulary shared by the breaker, the router, telemetry and the wire.
 * `upstream/classify.ts` maps a raw result to an {@link Outcome} once; after that code switches on
 * `kind` and never parses messages or headers again.
 */

/**
 * Why an upstream call failed. Each kind counts against the deployment's breaker
 * (docs/errors.md, "Failure kinds").
 */
export type FailureKind =
  /** Connection refused/reset, DNS, TLS, socket closed before a response. */
  | 'network'
  /** No connection within `connectMs`. */
  | 'connect_timeout'
  /** Connected, but no response headers (or first stream chunk) within `firstByteMs`. */
  | 'first_byte_timeout'
  /** A stream went quiet for longer than `idleMs` between chunks. */
  | 'idle_timeout'
  /** The attempt ran past its `totalMs`. */
  | 'total_timeout'
  /**
   * The attempt used its share of the request's deadline (`attemptTimeoutMs`, or half of what
   * remained while another candidate stood behind it) and was given up for the next candidate.
   */
  | 'attempt_timeout'
  /** 500, 502, 504 and other 5xx. */
  | 'server_error'
  /** 503 and 529: the provider says it is overloaded. */
  | 'overloaded'
  /** 429: rate limited or out of quota; may carry `retryAfterMs`. */
  | 'rate_limited'
  /** 401, 402 or 403: the deployment's key or account is wrong, or has no access to the model. */
  | 'auth'
  /** 404: the provider does not serve this model (retired, renamed, or a `baseURL` without `/v1`). */
  | 'not_found'
  /** 2xx with a body that is not what the protocol promises (bad JSON, truncated, bad SSE). */
  | 'malformed_response'
  /** A stream that ended without finishing (cut after N chunks, or an error event mid-stream). */
  | 'stream_error'
  /** The call succeeded but took longer than the breaker's `slowCallMs` (set by the breaker). */
  | 'slow'
  /** The wrapped function threw something no classifier recognised. */
  | 'error';

/** Why an outcome counts neither for nor against the deployment. */
export type NeutralReason =
  /** The caller's own request was wrong (400, 413, 422). */
  | 'caller_error'
  /** The caller's request is longer than the model's context window. */
  | 'context_length'
  /** The caller gave up (its signal aborted). */
  | 'cancelled';

/** A call that worked. `durationMs` defaults to the time since the permit was acquired. */
export interface SuccessOutcome {
  readonly type: 'success';
  readonly durationMs?: number;
}

/** A call that failed in a way that counts against the deployment. */
export interface FailureOutcome {
  readonly type: 'failure';
  readonly kind: FailureKind;
  /** The upstream's `Retry-After`, in ms: the breaker stays open at least this long. */
  readonly retryAfterMs?: number;
  readonly durationMs?: number;
}

/** A call whose result says nothing about the deployment's health: frees the permit only. */
export interface NeutralOutcome {
  readonly type: 'neutral';
  readonly reason: NeutralReason;
}

export type Outcome = SuccessOutcome | FailureOutcome | NeutralOutcome;

/** Shared, allocation-free outcomes for the hot path. */
export const SUCCESS: SuccessOutcome = Object.freeze({ type: 'success' });
export const CANCELLED: NeutralOutcome = Object.freeze({ type: 'neutral', reason: 'cancelled' });
export const CALLER_ERROR: NeutralOutcome = Object.freeze({
  type: 'neutral',
  reason: 'caller_error',
});

/** Builds a failure outcome. */
export function failure(
  kind: FailureKind,
  opts: { retryAfterMs?: number; durationMs?: number } = {},
): FailureOutcome {
  return { type: 'failure', kind, ...opts };
}
