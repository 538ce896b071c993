/** The inputs and the snapshot shape of {@link StatsCollector} (see stats.ts). */
import type { Clock } from '../core/index.js';
import type { LatencySummary } from './histogram.js';

export type AttemptResult = 'success' | 'failure' | 'neutral' | 'skipped';

/** One attempt, for {@link StatsCollector.recordAttempt}. */
export interface AttemptInput {
  /** Logical model the candidate belongs to (the requested one, or a fallback). */
  readonly model: string;
  readonly deployment: string;
  readonly result: AttemptResult;
  /**
   * For `failure` the `FailureKind`, for `neutral` the `NeutralReason`, for `skipped`
   * the skip code (`breaker_open`, `rate_limited`, …). Missing: counted as `"unknown"`.
   */
  readonly reason?: string;
  /** Time the attempt took, in ms; feeds the deployment's latency for successes only. */
  readonly durationMs?: number;
}

/** How a whole request ended for the caller. */
export type RequestOutcome = 'success' | 'error' | 'cached' | 'static';

/** One finished request, for {@link StatsCollector.recordRequest}. */
export interface RequestInput {
  /** The model the caller asked for. */
  readonly requestedModel: string;
  /** The logical model that answered (absent for errors, cached and static answers). */
  readonly servedModel?: string;
  /** The deployment that answered. */
  readonly deployment?: string;
  readonly outcome: RequestOutcome;
  /** The error code the caller saw (an `ErrorCode`), when `outcome` is `error`. */
  readonly errorCode?: string;
  /** Whether a candidate other than the first answered (another deployment or model). */
  readonly fallbackUsed: boolean;
  /** Attempts made, skips excluded. */
  readonly attempts: number;
  /** End-to-end time, in ms, as the caller saw it. */
  readonly durationMs: number;
  /** Time to the first streamed chunk, in ms (streams only). */
  readonly ttftMs?: number;
  readonly promptTokens?: number;
  readonly completionTokens?: number;
  /** What the answer cost, in USD. */
  readonly costUsd?: number;
  /** What it would have cost at the requested model's prices, in USD. @default costUsd */
  readonly costIfRequestedUsd?: number;
}

/** One breaker transition, for {@link StatsCollector.recordTransition}. */
export interface TransitionInput {
  readonly deployment: string;
  readonly from: string;
  readonly to: string;
  readonly reason: string;
  /** When, on the collector's clock (`clock.now()`, monotonic ms). */
  readonly atMs: number;
}

/** A transition in {@link StatsSnapshot.transitions}, stamped with wall-clock time. */
export interface TransitionRecord extends Omit<TransitionInput, 'atMs'> {
  /** ms since the Unix epoch. */
  readonly atEpochMs: number;
}

/** Attempt counters, kept per deployment and per model. */
export interface AttemptCounts {
  /** Attempts that reached the upstream: successes + failures + neutral. */
  readonly calls: number;
  readonly successes: number;
  readonly failures: number;
  /** Keyed by `FailureKind` (or any kind string the caller passes). */
  readonly failuresByKind: Record<string, number>;
  /** Caller errors, context-length rejections, cancellations: neither good nor bad. */
  readonly neutral: number;
  /** Keyed by `NeutralReason`. */
  readonly neutralByReason: Record<string, number>;
  readonly skipped: number;
  readonly skipsByReason: Record<string, number>;
}

/** Token counts. */
export interface TokenCounts {
  readonly prompt: number;
  readonly completion: number;
}

/** One deployment in {@link StatsSnapshot.deployments}. */
export interface DeploymentStats {
  /** The logical model it serves (configured, or learned from its first attempt). */
  readonly model: string | null;
  /** The breaker state after its last recorded transition; `null` before any. */
  readonly state: string | null;
  /** Transitions to `open`. */
  readonly trips: number;
  readonly attempts: AttemptCounts;
  /** failures / (successes + failures); `null` with no such attempts. */
  readonly failureRate: number | null;
  /** Latency of successful attempts. */
  readonly latency: LatencySummary;
  /** Time to first token of the streams it answered. */
  readonly ttft: LatencySummary;
  /** Tokens of the requests it answered. */
  readonly tokens: TokenCounts;
  /** Cost of the requests it answered, in USD. */
  readonly costUsd: number;
}

/** One logical model in {@link StatsSnapshot.models}. */
export interface ModelStats {
  /** Requests that asked for this model; the outcome counters below split them. */
  readonly requests: number;
  /** Answered by a model (this one or a fallback); cached and static answers excluded. */
  readonly successes: number;
  readonly errors: number;
  readonly errorsByCode: Record<string, number>;
  readonly cached: number;
  readonly static: number;
  /** successes / requests; `null` with no requests. Cached and static answers do not count. */
  readonly successRate: number | null;
  /** Requests for this model answered by another model. */
  readonly fallbacks: number;
  /** Requests for another model that this model answered. */
  readonly fallbacksServed: number;
  /** Requests answered by any candidate but the first (another deployment or model). */
  readonly failovers: number;
  /** Mean attempts per request; `null` with no requests. */
  readonly attemptsPerRequest: number | null;
  /** Transitions to `open` of its deployments. */
  readonly trips: number;
  /** Attempts on its deployments, including those made as another model's fallback. */
  readonly attempts: AttemptCounts;
  /** End-to-end latency of requests for this model, all outcomes. */
  readonly latency: LatencySummary;
  /** Time to first token of streamed requests for this model. */
  readonly ttft: LatencySummary;
  /** Tokens of the requests this model answered. */
  readonly tokens: TokenCounts;
  /** Cost of the requests this model answered, in USD. */
  readonly costUsd: number;
  /** Cost of the requests for this model, priced as this model, in USD. */
  readonly costIfRequestedUsd: number;
}

/**
 * Totals over every request and attempt, as one {@link ModelStats} (`fallbacks` counts requests
 * answered by a model other than the requested one), plus the latency percentiles at the top.
 */
export interface StatsTotals extends ModelStats {
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
}

/** Requests for `from` answered by `to`. */
export interface FallbackFlow {
  readonly from: string;
  readonly to: string;
  readonly count: number;
}

/** Plain JSON from {@link StatsCollector.snapshot}. */
export interface StatsSnapshot {
  /** When the counters started (construction or reset), ms since the Unix epoch. */
  readonly sinceEpochMs: number;
  /** When the snapshot was taken, ms since the Unix epoch. */
  readonly atEpochMs: number;
  readonly models: Record<string, ModelStats>;
  readonly deployments: Record<string, DeploymentStats>;
  readonly totals: StatsTotals;
  /** Largest first. */
  readonly fallbackFlows: FallbackFlow[];
  /** The most recent transitions, oldest first. */
  readonly transitions: TransitionRecord[];
}

/** Options of {@link StatsCollector}. */
export interface StatsCollectorOptions {
  /** @default systemClock */
  readonly clock?: Clock;
  /** Configured logical models: always listed, and never folded into `"other"`. */
  readonly models?: readonly string[];
  /** Configured deployments and the logical model each serves. */
  readonly deployments?: Readonly<Record<string, string>>;
  /**
   * Most distinct names per table (models, deployments, fallback flows), configured ones
   * included; further names are counted under `"other"`. @default 1000
   */
  readonly maxKeys?: number;
  /** Transitions kept for the timeline. @default 200 */
  readonly maxTransitions?: number;
}
