/**
 * breakerbox, the library: `createBreakerbox(config)` and what its callers need to handle the
 * results. The resilience primitives (breaker, retry, bulkhead, ...) are in `breakerbox/core`.
 */
import { createBreakerbox as createEngine } from './engine/index.js';
import type { Breakerbox as Engine, BreakerboxDeps } from './engine/index.js';
import { runLines } from './batch/index.js';
import type { BatchResultLine, RunLinesOptions } from './batch/index.js';
import type { ConfigInput, ResolvedConfig } from './config/index.js';

/** The engine, plus `batch()` over OpenAI batch-format requests. */
export type BreakerboxWithBatch = Engine & {
  /**
   * Runs OpenAI batch requests (`{custom_id, method, url, body}` objects or their JSON text)
   * through this engine, `concurrency` at a time, yielding one result line per request (OpenAI
   * batch output format) as each finishes. For files with resume, use `runBatch`.
   */
  batch(
    input: AsyncIterable<unknown> | Iterable<unknown>,
    options?: RunLinesOptions,
  ): AsyncGenerator<BatchResultLine>;
};

/**
 * Builds breakerbox from a config object (the same shape as the YAML file).
 * @throws ConfigError listing every problem with its path
 */
export function createBreakerbox(
  config: ConfigInput | ResolvedConfig,
  deps: BreakerboxDeps = {},
): BreakerboxWithBatch {
  const engine = createEngine(config, deps);
  return Object.assign(engine, {
    batch: (input: AsyncIterable<unknown> | Iterable<unknown>, options?: RunLinesOptions) =>
      runLines({ kind: 'engine', engine }, input, options),
  });
}

export {
  Breakerbox,
  ChatStream,
  ResponsesStream,
  metaHeaders,
  toWireError,
} from './engine/index.js';
export { runBatch, runLines, BatchError, formatSummary } from './batch/index.js';
export type {
  RunBatchOptions,
  BatchResult,
  BatchResultLine,
  RunLinesOptions,
  BatchTarget,
  BatchReport,
  BatchStop,
} from './batch/index.js';
export type {
  BreakerboxDeps,
  BreakerboxEvents,
  BreakerboxMeta,
  CallOptions,
  AnyChatRequest,
  ChatChunk,
  ChatRequest,
  ChatResult,
  ChatStreamRequest,
  EmbeddingsRequest,
  EmbeddingsResult,
  FallbackKind,
  ResponsesEvent,
  ResponsesRequest,
  ResponsesResult,
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
  ResponseStateUnavailableError,
  BudgetExceededError,
  ConfigError,
  InvalidRequestError,
  ModelNotFoundError,
  InvalidApiKeyError,
  HttpRefusedError,
} from './core/index.js';
export type {
  ErrorCode,
  HttpRefusalCode,
  AttemptRecord,
  ConfigIssue,
  Outcome,
  FailureKind,
} from './core/index.js';
