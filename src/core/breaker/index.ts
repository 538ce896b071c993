/**
 * The permit-based circuit breaker (docs/core.md, "Circuit breaker").
 *
 * Documented choices:
 * - Rate trips compare with `>=`: `failures / calls >= failureRate` trips (so 5 of 10 trips at
 *   0.5), and only once the window holds `minCalls` calls. A call is slow when its duration is
 *   strictly longer than `slowCallMs`.
 * - Jitter is upward only: an open period is never shorter than the configured (grown) base, nor
 *   than any upstream Retry-After seen; a later, shorter Retry-After never shortens it.
 * - A forced-open breaker rejects with `retryAfterMs` = {@link FORCED_OPEN_RETRY_AFTER_MS}.
 * - A probe permit never recorded is reclaimed on the first `acquire()` after `permitTimeoutMs`
 *   (no transition; counted in `snapshot().totals.expiredProbes`); its late record is ignored.
 * - No timers anywhere: open → half-open happens on the first `acquire()` after the deadline.
 * - `execute(fn, { fallback })` resolves to the fallback when refused: no error is built.
 */
export { CircuitBreaker } from './circuit-breaker.js';
export type {
  BreakerEventSink,
  BreakerExecuteOptions,
  CircuitBreakerDeps,
} from './circuit-breaker.js';
export { BreakerRegistry } from './registry.js';
export type { BreakerRegistryOptions } from './registry.js';
export { classifyError, GENERIC_FAILURE } from './classify.js';
export type { ErrorClassifier } from './classify.js';
export { BREAKER_DEFAULTS, resolveBreakerConfig } from './config.js';
export { FORCED_OPEN_RETRY_AFTER_MS, FLAG_FAILURE, FLAG_SLOW } from './state.js';
export type {
  AcquireResult,
  BreakerSnapshot,
  BreakerState,
  BreakerStateName,
  BreakerTotals,
  CircuitBreakerConfig,
  CountWindowConfig,
  HalfOpenConfig,
  Permit,
  PermitStamp,
  ProbeSlot,
  RateTripConfig,
  Rejection,
  RejectionEvent,
  ResolvedBreakerConfig,
  SlidingWindow,
  TimeWindowConfig,
  Transition,
  TransitionEvent,
  TransitionReason,
  TripConfig,
  WindowConfig,
  WindowCounts,
  WindowData,
  WindowStats,
  WouldTripEvent,
} from './state.js';
export {
  adoptState,
  advanceTime,
  applyOperator,
  createBreakerState,
  openDurationMs,
  recordOutcome,
  retryAfterMsAt,
  takePermit,
} from './transitions.js';
export type { AdoptedState, OperatorTarget, RecordEvent } from './transitions.js';
export { BREAKER_STATES, toSnapshot, restoreState } from './snapshot.js';
export type { ClockReading } from './snapshot.js';
export { CountWindow } from './windows/count-window.js';
export { TimeWindow } from './windows/time-window.js';
export { createWindow } from './windows/window.js';
