/**
 * breakerbox, the library: `createBreakerbox(config)` and what its callers need to handle the
 * results. The resilience primitives (breaker, retry, bulkhead, ...) are in `breakerbox/core`.
 */
export {
  Breakerbox,
  createBreakerbox,
  ChatStream,
  metaHeaders,
  toWireError,
} from './engine/index.js';
export type {
  BreakerboxDeps,
  BreakerboxEvents,
  BreakerboxMeta,
  CallOptions,
  ChatResult,
  EmbeddingsResult,
  FallbackKind,
  RequestEvent,
  UnaryResult,
  WireError,
} from './engine/index.js';
export { parseConfig, parseConfigText, loadConfigFile, redactConfig } from './config/index.js';
export type { ConfigInput, ResolvedConfig } from './config/index.js';
export { DEFAULT_PRICES } from './cost/index.js';
export type { ModelPrice, PriceTable } from './cost/index.js';
export {
  ERROR_CODES,
  BreakerboxError,
  isBreakerboxError,
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
} from './core/index.js';
export type { ErrorCode, AttemptRecord, ConfigIssue, Outcome, FailureKind } from './core/index.js';
