export type { Policy, PolicyContext, ExecuteOptions } from './policy.js';
export { abortError, isCancellation, combineSignals } from './abort.js';
export type { CombinedSignal } from './abort.js';
export { constantBackoff, exponentialBackoff, decorrelatedJitterBackoff } from './backoff.js';
export type {
  Backoff,
  BackoffInput,
  Jitter,
  ExponentialBackoffOptions,
  DecorrelatedJitterOptions,
} from './backoff.js';
export { Deadline } from './deadline.js';
export type { DeadlineOptions } from './deadline.js';
export { timeout, TimeoutPolicy } from './timeout.js';
export type { TimeoutOptions } from './timeout.js';
export { RetryBudget } from './retry-budget.js';
export type { RetryBudgetOptions } from './retry-budget.js';
export { retry, RetryPolicy, isRetryable } from './retry.js';
export type { RetryOptions, RetryEvent, ShouldRetry } from './retry.js';
export { bulkhead, Bulkhead } from './bulkhead.js';
export type { BulkheadOptions, AcquireOptions, Release } from './bulkhead.js';
export { TokenBucket } from './token-bucket.js';
export type { TokenBucketOptions, WaitOptions } from './token-bucket.js';
export { RateLimiter } from './rate-limiter.js';
export type { RateLimiterOptions } from './rate-limiter.js';
export { fallback, FallbackPolicy } from './fallback.js';
export type { FallbackFn, FallbackOptions } from './fallback.js';
export { wrap, PolicyStack } from './wrap.js';
export type { AltReturnOf } from './wrap.js';
