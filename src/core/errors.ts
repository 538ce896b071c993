/**
 * One error catalogue for breakerbox. Every error has a stable lower_snake `code`, the same in
 * code and on the wire (the OpenAI envelope's `code` field), documented in docs/errors.md.
 * Errors never carry request bodies, prompts or keys; `toJSON()` emits whitelisted fields only.
 */
import type { FailureKind } from './outcome.js';

/** Every code breakerbox itself produces. Never reuse or rename one. */
export const ERROR_CODES = [
  'breaker_open',
  'bulkhead_full',
  'rate_limited',
  'retry_budget_exceeded',
  'timeout',
  'deadline_exceeded',
  'cancelled',
  'upstream_error',
  'request_rejected',
  'all_candidates_failed',
  'budget_exceeded',
  'config_invalid',
  'invalid_request',
  'model_not_found',
  'invalid_api_key',
  'internal_error',
  'host_not_allowed',
  'origin_not_allowed',
  'unsupported_media_type',
  'headers_too_large',
  'request_timeout',
  'expectation_failed',
  'server_overloaded',
  'shutting_down',
  'response_state_unavailable',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

const BRAND = Symbol.for('breakerbox.error');

/** Base class of every error breakerbox throws. Check with {@link isBreakerboxError}. */
export abstract class BreakerboxError extends Error {
  abstract readonly code: ErrorCode;
  declare readonly [BRAND]: true;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }

  /** Plain data for logs and the wire. Subclasses add their own whitelisted fields. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message };
  }
}
Object.defineProperty(BreakerboxError.prototype, BRAND, { value: true });

/** True for any breakerbox error, even one from another copy of the package. */
export function isBreakerboxError(value: unknown): value is BreakerboxError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === true
  );
}

/**
 * Builds an error without capturing a stack trace. Rejections on the hot path (an open breaker,
 * a full bulkhead) are expected control flow; a stack costs microseconds and tells nothing.
 */
export function withoutStack<E extends Error>(make: () => E): E {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** A policy refused to start the call. `retryAfterMs` says when trying again makes sense. */
export abstract class RejectedError extends BreakerboxError {
  /** Milliseconds until a call may be admitted (0 when unknown or immediate). */
  readonly retryAfterMs: number;

  constructor(message: string, retryAfterMs: number, options?: ErrorOptions) {
    super(message, options);
    this.retryAfterMs = retryAfterMs;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), retryAfterMs: this.retryAfterMs };
  }
}

/** The circuit is open (or forced open, or half-open with every probe taken). */
export class BreakerOpenError extends RejectedError {
  readonly code = 'breaker_open' as const;
  /** The breaker's name (the deployment id), if it has one. */
  readonly breaker: string | undefined;

  constructor(retryAfterMs: number, breaker?: string) {
    super(
      `circuit ${breaker ? `"${breaker}" ` : ''}is open; retry in ${Math.ceil(retryAfterMs)} ms`,
      retryAfterMs,
    );
    this.breaker = breaker;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), breaker: this.breaker };
  }
}

/** The bulkhead's concurrency and queue are both full, or the queue wait timed out. */
export class BulkheadFullError extends RejectedError {
  readonly code = 'bulkhead_full' as const;
  constructor(message = 'bulkhead is full', retryAfterMs = 0) {
    super(message, retryAfterMs);
  }
}

/** A token bucket had too few tokens, and waiting would pass the deadline. */
export class RateLimitedError extends RejectedError {
  readonly code = 'rate_limited' as const;
  constructor(message = 'rate limit reached', retryAfterMs = 0) {
    super(message, retryAfterMs);
  }
}

/** A retry was wanted but the retry budget (a fraction of first attempts) is spent. */
export class RetryBudgetExceededError extends RejectedError {
  readonly code = 'retry_budget_exceeded' as const;
  constructor(message = 'retry budget exhausted', retryAfterMs = 0, options?: ErrorOptions) {
    super(message, retryAfterMs, options);
  }
}

/** A timeout policy gave up on the work. `timer` names the timer that fired. */
export class TimeoutError extends BreakerboxError {
  readonly code = 'timeout' as const;
  readonly timer: string;
  readonly timeoutMs: number;

  constructor(timer: string, timeoutMs: number, options?: ErrorOptions) {
    super(`${timer} timeout of ${timeoutMs} ms elapsed`, options);
    this.timer = timer;
    this.timeoutMs = timeoutMs;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), timer: this.timer, timeoutMs: this.timeoutMs };
  }
}

/** The request's one deadline (covering every attempt and fallback) has passed. */
export class DeadlineExceededError extends BreakerboxError {
  readonly code = 'deadline_exceeded' as const;
  readonly deadlineMs: number;

  constructor(deadlineMs: number, options?: ErrorOptions) {
    super(`deadline of ${deadlineMs} ms exceeded`, options);
    this.deadlineMs = deadlineMs;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), deadlineMs: this.deadlineMs };
  }
}

/** The caller aborted. Never counted against a deployment. */
export class CancelledError extends BreakerboxError {
  readonly code = 'cancelled' as const;
  constructor(message = 'the caller cancelled the request', options?: ErrorOptions) {
    super(message, options);
  }
}

/** Fields of an {@link UpstreamError}. */
export interface UpstreamErrorInit {
  readonly kind: FailureKind;
  readonly deploymentId: string;
  readonly status?: number;
  readonly retryAfterMs?: number;
  /**
   * What the network said, for network-level failures: the errno or TLS code, `host:port`, and
   * a TLS reason (`ECONNREFUSED 127.0.0.1:9`, `CERT_HAS_EXPIRED api.example.com:443: certificate
   * has expired`). Never a body, a header or a key.
   */
  readonly detail?: string;
  readonly message?: string;
}

/** One upstream attempt failed in a way that counts against its deployment. */
export class UpstreamError extends BreakerboxError {
  readonly code = 'upstream_error' as const;
  readonly kind: FailureKind;
  readonly deploymentId: string;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  /** The network detail (errno, `host:port`, TLS reason), when the failure was network-level. */
  readonly detail: string | undefined;

  constructor(init: UpstreamErrorInit, options?: ErrorOptions) {
    super(
      init.message ??
        `upstream ${init.deploymentId} failed: ${init.kind}${init.status ? ` (HTTP ${init.status})` : ''}${init.detail ? ` (${init.detail})` : ''}`,
      options,
    );
    this.kind = init.kind;
    this.deploymentId = init.deploymentId;
    this.status = init.status;
    this.retryAfterMs = init.retryAfterMs;
    this.detail = init.detail;
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      kind: this.kind,
      deploymentId: this.deploymentId,
      status: this.status,
      retryAfterMs: this.retryAfterMs,
      detail: this.detail,
    };
  }
}

/** An upstream error body in the OpenAI envelope. */
export interface OpenAIErrorPayload {
  readonly error: {
    readonly message: string;
    readonly type: string;
    readonly param: string | null;
    readonly code: string | null;
  };
}

/**
 * The upstream refused the caller's own request (400, 404, 413, 422, context length). Nothing is
 * failed over and the deployment's breaker counts nothing; the gateway relays `status` and `body`
 * unchanged, so on the wire the caller sees the provider's own error code.
 */
export class UpstreamRejectedError extends BreakerboxError {
  readonly code = 'request_rejected' as const;
  readonly status: number;
  readonly body: OpenAIErrorPayload;
  readonly deploymentId: string;

  constructor(init: { status: number; body: OpenAIErrorPayload; deploymentId: string }) {
    super(
      `upstream ${init.deploymentId} rejected the request (HTTP ${init.status}): ${init.body.error.message}`,
    );
    this.status = init.status;
    this.body = init.body;
    this.deploymentId = init.deploymentId;
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      status: this.status,
      deploymentId: this.deploymentId,
      upstreamCode: this.body.error.code,
    };
  }
}

/** What happened to one candidate deployment while serving a request. */
export interface AttemptRecord {
  /** Deployment id (`provider/model`). */
  readonly deployment: string;
  /** The logical model this candidate served. */
  readonly model: string;
  /** `skipped`: never called (breaker open, limit full); `failed`: called and failed. */
  readonly result: 'skipped' | 'failed' | 'succeeded';
  /** An error code (`breaker_open`, `rate_limited`, ...) or a failure kind (`server_error`, ...). */
  readonly reason: string;
  /**
   * For a call: `deployment` when its failure counted against the deployment's breaker,
   * `request` when it said nothing about the deployment (the caller's own error, context length,
   * a cancellation). Decided once, where the outcome is classified; nothing re-reads `reason`.
   */
  readonly scope?: 'deployment' | 'request';
  /** For a failed call: whether a retry could cure it (false for `auth`, `not_found`). */
  readonly retryable?: boolean;
  readonly status?: number;
  /** For a skip: when this candidate can next be admitted. */
  readonly retryAfterMs?: number;
  readonly durationMs?: number;
  /** For a network failure: errno, `host:port` and TLS reason (see `UpstreamError.detail`). */
  readonly detail?: string;
}

/** Every candidate for a request was skipped or failed. */
export class AllCandidatesFailedError extends BreakerboxError {
  readonly code = 'all_candidates_failed' as const;
  readonly model: string;
  readonly attempts: readonly AttemptRecord[];
  /** The earliest time any candidate can be admitted again, in ms from now (undefined: unknown). */
  readonly retryAfterMs: number | undefined;

  constructor(model: string, attempts: readonly AttemptRecord[], retryAfterMs?: number) {
    const summary = attempts
      .map((a) => `${a.deployment}: ${a.result} (${a.reason}${a.detail ? `: ${a.detail}` : ''})`)
      .join('; ');
    super(`every candidate for model "${model}" failed: ${summary || 'no candidates'}`);
    this.model = model;
    this.attempts = attempts;
    this.retryAfterMs = retryAfterMs;
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      model: this.model,
      attempts: this.attempts,
      retryAfterMs: this.retryAfterMs,
    };
  }
}

/**
 * A stateful request (a Responses `previous_response_id`, a conversation, a stored item) is
 * pinned to the deployment that holds its state, and that deployment was skipped or failed. It is
 * never failed over: another deployment does not have the state. `attempts` says what happened
 * to it; `retryAfterMs` is when it admits a call again, when known.
 */
export class ResponseStateUnavailableError extends BreakerboxError {
  readonly code = 'response_state_unavailable' as const;
  /** The deployment holding the state (`provider/model`). */
  readonly deployment: string;
  readonly attempts: readonly AttemptRecord[];
  readonly retryAfterMs: number | undefined;

  constructor(init: {
    deployment: string;
    /** What holds the state, for the message: `previous_response_id "resp_…"`. */
    state: string;
    attempts: readonly AttemptRecord[];
    retryAfterMs?: number | undefined;
    reason?: string;
  }) {
    const why =
      init.reason ??
      (init.attempts
        .map((a) => `${a.result} (${a.reason}${a.detail ? `: ${a.detail}` : ''})`)
        .join('; ') ||
        'no call could be made');
    super(
      `the state this request needs (${init.state}) is held by deployment ${init.deployment}, which is unavailable: ${why}. A stateful request is not failed over to another deployment, which would not have the state; retry later, or start over without it.`,
    );
    this.deployment = init.deployment;
    this.attempts = init.attempts;
    this.retryAfterMs = init.retryAfterMs;
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      deployment: this.deployment,
      attempts: this.attempts,
      retryAfterMs: this.retryAfterMs,
    };
  }
}

/** A spend budget was crossed and no cheaper fallback is configured. */
export class BudgetExceededError extends BreakerboxError {
  readonly code = 'budget_exceeded' as const;
  readonly scope: string;
  constructor(scope: string, message?: string) {
    super(message ?? `spend budget for ${scope} is exhausted`);
    this.scope = scope;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), scope: this.scope };
  }
}

/** One problem found in a configuration. */
export interface ConfigIssue {
  /** Where: `models.gpt-4.1.fallbacks[0]`. */
  readonly path: string;
  readonly message: string;
  /** Line in the YAML file, when known. */
  readonly line?: number;
}

/** The configuration is invalid. Lists every problem found, each with its path. */
export class ConfigError extends BreakerboxError {
  readonly code = 'config_invalid' as const;
  readonly issues: readonly ConfigIssue[];
  readonly file: string | undefined;

  constructor(issues: readonly ConfigIssue[], file?: string) {
    const where = (i: ConfigIssue): string =>
      `${file ? `${file}${i.line ? `:${i.line}` : ''}: ` : ''}${i.path || '(root)'}: ${i.message}`;
    super(
      `invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n` +
        issues.map((i) => `  - ${where(i)}`).join('\n'),
    );
    this.issues = issues;
    this.file = file;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), issues: this.issues, file: this.file };
  }
}

/** The caller's request is invalid. `param` names the field (`messages[0].role`). */
export class InvalidRequestError extends BreakerboxError {
  readonly code = 'invalid_request' as const;
  readonly param: string | null;
  constructor(message: string, param: string | null = null) {
    super(message);
    this.param = param;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), param: this.param };
  }
}

/** The requested model is not configured. */
export class ModelNotFoundError extends BreakerboxError {
  readonly code = 'model_not_found' as const;
  readonly model: string;
  constructor(model: string) {
    super(`The model \`${model}\` does not exist or is not configured in breakerbox.`);
    this.model = model;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), model: this.model };
  }
}

/** A client key was missing or wrong. The message never echoes the key. */
export class InvalidApiKeyError extends BreakerboxError {
  readonly code = 'invalid_api_key' as const;
  constructor(message = 'Missing or incorrect API key.') {
    super(message);
  }
}

/** Codes of {@link HttpRefusedError}: the gateway refused a request at the HTTP level. */
export type HttpRefusalCode =
  | 'host_not_allowed'
  | 'origin_not_allowed'
  | 'unsupported_media_type'
  | 'headers_too_large'
  | 'request_timeout'
  | 'expectation_failed'
  | 'server_overloaded'
  | 'shutting_down';

/**
 * The gateway refused a request before (or instead of) serving it: a `Host` or `Origin` it does
 * not accept, a body that is not JSON, an HTTP message it cannot parse in time or at all, no room
 * for the body, or a shutdown. The status follows the code (see docs/errors.md).
 */
export class HttpRefusedError extends BreakerboxError {
  readonly code: HttpRefusalCode;
  /** The header at fault (`host`, `origin`, `content-type`, `expect`), if any. */
  readonly param: string | null;
  /** When a retry may succeed, ms (`server_overloaded`), else undefined. */
  readonly retryAfterMs: number | undefined;

  constructor(init: {
    code: HttpRefusalCode;
    message: string;
    param?: string | null;
    retryAfterMs?: number;
  }) {
    super(init.message);
    this.code = init.code;
    this.param = init.param ?? null;
    this.retryAfterMs = init.retryAfterMs;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), param: this.param, retryAfterMs: this.retryAfterMs };
  }
}
