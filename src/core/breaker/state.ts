/**
 * Types of the permit-based circuit breaker: its configuration, its mutable state record (the
 * data {@link ./transitions.js} operates on, and what a Redis hash will hold), permits, events and
 * snapshots. Every state and reason is a string union, unchanged in JSON, Redis and metric labels.
 */

/**
 * Where a breaker is.
 * - `closed`: calls pass; failures are counted against the trip policies.
 * - `open`: every call is rejected until the open deadline; then the next `acquire()` moves it to
 *   `half-open`.
 * - `half-open`: at most `halfOpen.probes` probe calls are out at once; the rest are rejected.
 * - `forced-open` (operator): every call is rejected until `reset()`.
 * - `disabled` (operator): every call passes and is counted; it never trips.
 * - `metrics-only` (operator): every call passes and is counted; trips are evaluated on a shadow
 *   and reported as "would trip" without rejecting anything.
 */
export type BreakerStateName =
  'closed' | 'open' | 'half-open' | 'forced-open' | 'disabled' | 'metrics-only';

/** Why a transition (or a shadow "would trip") happened. */
export type TransitionReason =
  /** `trip.consecutive` failures in a row. */
  | 'consecutive_failures'
  /** Failure rate over the sliding window reached `trip.rate.failureRate`. */
  | 'failure_rate'
  /** Slow-call rate over the sliding window reached `trip.rate.slowRate`. */
  | 'slow_rate'
  /** A failure carried an upstream `Retry-After` (and `tripOnRetryAfter` is on). */
  | 'retry_after'
  /** The open period elapsed: the next `acquire()` moved the breaker to half-open. */
  | 'open_elapsed'
  /** Enough half-open probes succeeded. */
  | 'probe_succeeded'
  /** A half-open probe failed (or was slow while a slow-rate trip is configured). */
  | 'probe_failed'
  /** `forceOpen()`. */
  | 'forced'
  /** `disable()`. */
  | 'disabled'
  /** `metricsOnly()`. */
  | 'metrics_only'
  /** `reset()`. */
  | 'reset';

/** A sliding window over the last `size` recorded calls. */
export interface CountWindowConfig {
  readonly type: 'count';
  /** Number of calls the window holds (memory: one byte per call). */
  readonly size: number;
}

/**
 * A sliding window over the last `sizeMs`, kept as a ring of `buckets` buckets of
 * `sizeMs / buckets` ms each. A call leaves the window when its whole bucket has aged out, so the
 * window spans between `sizeMs - sizeMs / buckets` and `sizeMs`.
 */
export interface TimeWindowConfig {
  readonly type: 'time';
  readonly sizeMs: number;
  readonly buckets: number;
}

export type WindowConfig = CountWindowConfig | TimeWindowConfig;

/** Trip on the failure (or slow-call) rate over a sliding window. */
export interface RateTripConfig {
  readonly window: WindowConfig;
  /** No rate trips until the window holds at least this many calls. */
  readonly minCalls: number;
  /** Trips when `failures / calls >= failureRate` (0 < failureRate <= 1). */
  readonly failureRate: number;
  /** Trips when `slowCalls / calls >= slowRate` (0 < slowRate <= 1); needs `slowCallMs`. */
  readonly slowRate?: number;
}

/** When a closed breaker opens. */
export interface TripConfig {
  /** Open after this many failures in a row (a success resets the count). */
  readonly consecutive?: number;
  /** Open when the failure or slow rate over a window reaches its threshold. */
  readonly rate?: RateTripConfig;
}

/** How a half-open breaker probes. */
export interface HalfOpenConfig {
  /** Probe permits out at once. @default 1 */
  readonly probes?: number;
  /** Probe successes that close the breaker. @default 2 */
  readonly successes?: number;
  /**
   * A probe permit never recorded (its caller crashed) is reclaimed after this many ms, on the next
   * `acquire()`, so the breaker can never stay half-open forever. @default 60_000
   */
  readonly permitTimeoutMs?: number;
}

/** Configuration of a {@link CircuitBreaker}. Every field is optional. */
export interface CircuitBreakerConfig {
  /**
   * When to open. When omitted: `{ consecutive: 5 }`. When given, exactly the policies listed apply
   * (`{ rate: ... }` alone trips on rate only). A failure carrying `Retry-After` trips regardless
   * (see `tripOnRetryAfter`).
   */
  readonly trip?: TripConfig;
  /** A call (success or failure) longer than this counts as slow. @default off */
  readonly slowCallMs?: number;
  /** First open period. @default 30_000 */
  readonly openMs?: number;
  /** Each re-open (failed probe) before the breaker closes multiplies the open period. @default 2 */
  readonly backoffMultiplier?: number;
  /** Cap of the grown open period, before jitter. @default 300_000 */
  readonly maxOpenMs?: number;
  /**
   * Upward jitter: the open period is `base × (1 + jitterRatio × random())`, so it is never shorter
   * than the configured one and at most `maxOpenMs × (1 + jitterRatio)`. @default 0.1
   */
  readonly jitterRatio?: number;
  /** A failure carrying `retryAfterMs` (429, `Retry-After`) opens the breaker at once. @default true */
  readonly tripOnRetryAfter?: boolean;
  readonly halfOpen?: HalfOpenConfig;
}

/** A validated, frozen configuration; breakers built from one config share it. */
export interface ResolvedBreakerConfig {
  /** `Infinity` when no consecutive trip is configured. */
  readonly consecutive: number;
  readonly rate: Readonly<Required<RateTripConfig>> | null;
  /** `Infinity` when slow calls are not tracked. */
  readonly slowCallMs: number;
  readonly openMs: number;
  readonly backoffMultiplier: number;
  readonly maxOpenMs: number;
  readonly jitterRatio: number;
  readonly tripOnRetryAfter: boolean;
  readonly probes: number;
  readonly probeSuccesses: number;
  readonly permitTimeoutMs: number;
  /** A closed-state success needs the time (slow calls or a rate window are configured). */
  readonly successNeedsClock: boolean;
}

/** An outstanding half-open probe permit. */
export interface ProbeSlot {
  readonly id: number;
  /** Monotonic ms after which the slot is reclaimed. */
  readonly expiresAtMs: number;
}

/** The counters a sliding window exposes. */
export interface WindowCounts {
  readonly calls: number;
  readonly failures: number;
  readonly slowCalls: number;
}

/** A fixed-memory sliding window; O(1) per call (evicted entries are subtracted). */
export interface SlidingWindow extends WindowCounts {
  /** Adds one call. `flags`: {@link FLAG_FAILURE} | {@link FLAG_SLOW}. */
  add(flags: number, nowMs: number): void;
  /** Evicts what has aged out by `nowMs` (time windows only). */
  advance(nowMs: number): void;
  reset(): void;
  /** The contents, for a snapshot. */
  exportData(nowMs: number): WindowData;
  /** Adds back contents from {@link exportData}; `ageOffsetMs` is the time since it was taken. */
  importData(data: WindowData, nowMs: number, ageOffsetMs: number): void;
}

/** A window's contents in a snapshot. */
export type WindowData =
  /** Flags of each call, oldest first. */
  | { readonly type: 'count'; readonly flags: readonly number[] }
  /** Non-empty buckets: `[ageMs of the bucket's middle, calls, failures, slowCalls]`. */
  | { readonly type: 'time'; readonly buckets: readonly (readonly number[])[] };

/** The call failed. */
export const FLAG_FAILURE = 1;
/** The call took longer than `slowCallMs`. */
export const FLAG_SLOW = 2;

/** Half-open bookkeeping; exists only while half-open. */
export interface HalfOpenState {
  /** Outstanding probe permits. */
  readonly probes: ProbeSlot[];
  /** Probe successes so far. */
  successes: number;
  /** Last probe id handed out in this half-open period (ids start at 1). */
  seq: number;
}

/** metrics-only bookkeeping of the shadow breaker; exists only while metrics-only. */
export interface ShadowState {
  /** How often the shadow would have tripped. */
  wouldTripCount: number;
  lastReason: TransitionReason | null;
  lastAtMs: number;
  /** The shadow would be open until then (0 when it would not be open). */
  openUntilMs: number;
  /** Calls the shadow would have rejected. */
  wouldRejectCount: number;
}

/**
 * The mutable state of one breaker: plain data, every field always present (one hidden class),
 * rarely used parts in sub-objects that exist only when needed (an idle breaker stays small).
 * Times are monotonic ms on the breaker's clock.
 */
export interface BreakerState {
  state: BreakerStateName;
  /** Bumped by every transition; permits from an older generation change nothing. */
  generation: number;
  consecutiveFailures: number;
  /** Opens since the breaker last closed (1 on the first trip); drives the backoff. */
  consecutiveOpens: number;
  /** While `open`: when the next `acquire()` may move to half-open. 0 otherwise. */
  openUntilMs: number;
  /** The furthest upstream Retry-After deadline seen; `-Infinity` when none. Never lowered. */
  retryAfterUntilMs: number;
  halfOpen: HalfOpenState | null;
  shadow: ShadowState | null;
  /** Created on the first record when a rate trip is configured. */
  window: SlidingWindow | null;
  totalCalls: number;
  totalSuccesses: number;
  totalFailures: number;
  totalRejections: number;
  totalNeutral: number;
  /** Records with a permit from an older generation, or an expired probe (ignored). */
  totalStale: number;
  /** Probe permits reclaimed because they were never recorded. */
  totalExpiredProbes: number;
}

/** What a permit tells `record()`: which generation it belongs to and when it started. */
export interface PermitStamp {
  readonly generation: number;
  /**
   * Monotonic ms (breaker clock) when the permit was acquired; NaN for an ordinary permit of a
   * closed breaker without `slowCallMs` (it never needs the time, so the clock is not read).
   */
  readonly acquiredAtMs: number;
  /** Probe id (> 0) for a half-open probe, 0 otherwise. Unique within one half-open period. */
  readonly probeId: number;
}

/** Leave to make one call. Pass it back to `record()` exactly once. */
export interface Permit extends PermitStamp {
  readonly admitted: true;
  readonly isProbe: boolean;
}

/** `acquire()` refused the call. */
export interface Rejection {
  readonly admitted: false;
  /**
   * Ms until a call may be admitted: the time left in `open`; in `half-open` with every probe out,
   * the time until the oldest probe permit expires (the latest a slot is sure to free up);
   * {@link FORCED_OPEN_RETRY_AFTER_MS} when forced open.
   */
  readonly retryAfterMs: number;
  readonly state: BreakerStateName;
}

export type AcquireResult = Permit | Rejection;

/**
 * `retryAfterMs` of a forced-open breaker: 2^31 − 1 ms (~24.8 days). Not `Infinity` (JSON turns it
 * into `null`) and not larger, because Node's timers treat a longer delay as 1 ms.
 */
export const FORCED_OPEN_RETRY_AFTER_MS = 2_147_483_647;

/** A state change, as pure transition functions return it. */
export interface Transition {
  readonly from: BreakerStateName;
  readonly to: BreakerStateName;
  readonly reason: TransitionReason;
  /** True for a metrics-only "would trip": the real state did not change. */
  readonly shadow: boolean;
}

/** Emitted on every transition. */
export interface TransitionEvent {
  readonly breaker: string;
  readonly from: BreakerStateName;
  readonly to: BreakerStateName;
  readonly reason: TransitionReason;
  /** Monotonic ms on the breaker's clock. */
  readonly atMs: number;
  /** Wall-clock ms since the epoch. */
  readonly atEpochMs: number;
  /** The generation after the transition. */
  readonly generation: number;
}

/** Emitted when `acquire()` refuses a call. */
export interface RejectionEvent {
  readonly breaker: string;
  readonly state: BreakerStateName;
  readonly retryAfterMs: number;
  /** Monotonic ms on the breaker's clock. */
  readonly atMs: number;
}

/** Emitted when a metrics-only breaker would have tripped. */
export interface WouldTripEvent {
  readonly breaker: string;
  readonly reason: TransitionReason;
  /** Monotonic ms on the breaker's clock. */
  readonly atMs: number;
  readonly generation: number;
}

/** Sliding-window statistics in a snapshot. */
export interface WindowStats extends WindowCounts {
  /** failures / calls (0 when empty). */
  readonly failureRate: number;
  /** slowCalls / calls (0 when empty). */
  readonly slowRate: number;
}

/** Lifetime counters; `reset()` keeps them (they only grow). */
export interface BreakerTotals {
  /** Recorded successes + failures (neutral and stale records excluded). */
  readonly calls: number;
  readonly successes: number;
  readonly failures: number;
  readonly rejections: number;
  readonly neutral: number;
  readonly stale: number;
  readonly expiredProbes: number;
}

/** A breaker's state as plain JSON. Times are wall-clock epoch ms so it survives a restart. */
export interface BreakerSnapshot {
  readonly version: 1;
  readonly name: string;
  /** When the snapshot was taken. */
  readonly atEpochMs: number;
  readonly state: BreakerStateName;
  readonly generation: number;
  readonly consecutiveFailures: number;
  readonly consecutiveOpens: number;
  /** While open: end of the open period. */
  readonly openUntilEpochMs: number | null;
  /** When the next probe may be admitted (open or half-open), else null. */
  readonly nextProbeAtEpochMs: number | null;
  /** Ms from `atEpochMs` until a call may be admitted (0 when admitting). */
  readonly retryAfterMs: number;
  /** The furthest upstream Retry-After deadline seen, if still in the future. */
  readonly retryAfterUntilEpochMs: number | null;
  readonly window: WindowStats | null;
  readonly windowData: WindowData | null;
  readonly totals: BreakerTotals;
  readonly halfOpen: {
    readonly probesOut: number;
    readonly successes: number;
    readonly probeSeq: number;
    readonly probes: readonly { readonly id: number; readonly expiresAtEpochMs: number }[];
  } | null;
  /** metrics-only shadow results (null in other states). */
  readonly wouldTrip: {
    readonly count: number;
    readonly lastReason: TransitionReason | null;
    readonly lastAtEpochMs: number | null;
    readonly openUntilEpochMs: number | null;
    readonly rejections: number;
  } | null;
}
