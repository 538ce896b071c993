/** Telemetry: latency histograms and the stats behind `bb.stats()` and the dashboard. */
export { LatencyHistogram } from './histogram.js';
export type { LatencyHistogramJson, LatencySummary } from './histogram.js';
export { StatsCollector, OTHER, MAX_REASONS } from './stats.js';
export type {
  AttemptResult,
  AttemptInput,
  RequestOutcome,
  RequestInput,
  TransitionInput,
  TransitionRecord,
  AttemptCounts,
  TokenCounts,
  DeploymentStats,
  ModelStats,
  StatsTotals,
  FallbackFlow,
  StatsSnapshot,
  StatsCollectorOptions,
} from './stats-types.js';
export { BucketRing } from './history.js';
export type { BucketRingOptions, BucketSlot } from './history.js';
export { Tracing, RequestTrace, TRACER_NAME } from './tracing.js';
export type { TracedAnswer, TracedRequestEnd, RequestTraceInit } from './tracing.js';
export {
  extractTraceContext,
  injectTraceContext,
  parseTraceparent,
  formatTraceparent,
} from './trace-context.js';
export type { TraceHeaders } from './trace-context.js';
export {
  DIAGNOSTICS_CHANNELS,
  hasRequestStartSubscribers,
  publishRequestStart,
  wireDiagnostics,
} from './diagnostics.js';
export type { RequestStartMessage } from './diagnostics.js';
