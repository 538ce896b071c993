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
  advanceTime,
  applyOperator,
  createBreakerState,
  openDurationMs,
  recordOutcome,
  retryAfterMsAt,
  takePermit,
} from './transitions.js';
export type { OperatorTarget, RecordEvent } from './transitions.js';
export { toSnapshot, restoreState } from './snapshot.js';
export type { ClockReading } from './snapshot.js';
export { CountWindow } from './windows/count-window.js';
export { TimeWindow } from './windows/time-window.js';
export { createWindow } from './windows/window.js';
