export { systemClock } from './clock.js';
export type { Clock, CancelTimer } from './clock.js';
export { FakeClock, flushMicrotasks } from './fake-clock.js';
export { Emitter } from './events.js';
export type { Disposable, ListenerErrorHandler } from './events.js';
export { SUCCESS, CANCELLED, CALLER_ERROR, failure } from './outcome.js';
export type {
  Outcome,
  SuccessOutcome,
  FailureOutcome,
  NeutralOutcome,
  FailureKind,
  NeutralReason,
} from './outcome.js';
export {
  ERROR_CODES,
  BreakerboxError,
  isBreakerboxError,
  withoutStack,
  RejectedError,
  BreakerOpenError,
  BulkheadFullError,
  RateLimitedError,
  RetryBudgetExceededError,
  TimeoutError,
  DeadlineExceededError,
  CancelledError,
  UpstreamError,
  UpstreamRejectedError,
  AllCandidatesFailedError,
  BudgetExceededError,
  ConfigError,
  StateStoreError,
  InvalidRequestError,
  ModelNotFoundError,
  InvalidApiKeyError,
} from './errors.js';
export type {
  ErrorCode,
  UpstreamErrorInit,
  AttemptRecord,
  ConfigIssue,
  OpenAIErrorPayload,
} from './errors.js';
export type { Policy, PolicyContext, ExecuteOptions } from './policy/policy.js';
