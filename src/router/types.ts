import type { AttemptRecord, Outcome } from '../core/index.js';
import type { Upstream, UpstreamTimeouts } from '../upstream/index.js';

/** How candidates of one model are ordered. */
export type Strategy = 'priority' | 'weighted' | 'least-latency' | 'least-cost';

/** What a request asks for: the route decides which upstream call runs and which fallbacks apply. */
export type RouteKind = 'chat' | 'embeddings';

/** A released concurrency slot; releasing twice frees one slot. */
export type ReleaseSlot = () => void;

/** The breaker surface the router drives (structurally the core `CircuitBreaker`). */
export interface RouterBreaker {
  acquire(): RouterPermit | { readonly admitted: false; readonly retryAfterMs: number };
  record(permit: RouterPermit, outcome: Outcome): void;
  /** Ms until `acquire()` would admit a call (0: now), without taking a permit. */
  msUntilAdmission(): number;
}

/** A breaker permit as the router sees it. */
export interface RouterPermit {
  readonly admitted: true;
}

/** A limit the router consults before calling: a token bucket or a bulkhead. */
export interface AdmissionLimit {
  /**
   * Takes what one call needs, or says why not and for how long. A limit shared by a fleet
   * answers with a promise (one Redis round trip); a local one answers at once.
   */
  tryAdmit(
    estimatedTokens: number,
  ): AdmissionDenied | AdmissionGranted | Promise<AdmissionDenied | AdmissionGranted>;
}

export interface AdmissionGranted {
  readonly admitted: true;
  /** The call never ran: gives everything back (tokens and the request itself). */
  refund(): void;
  /**
   * The call ran: frees a concurrency slot and corrects the token estimate to `actualTokens`
   * (undefined keeps the estimate).
   */
  settle(actualTokens: number | undefined): void;
}

export interface AdmissionDenied {
  readonly admitted: false;
  readonly reason: 'rate_limited' | 'bulkhead_full' | 'budget_exceeded';
  readonly retryAfterMs: number;
}

/** One deployment at run time: a provider's model with its breaker and limits. */
export interface Deployment {
  /** `provider/upstreamModel`, the breaker's name and the metrics label. */
  readonly id: string;
  /** The logical model this deployment serves. */
  readonly model: string;
  readonly provider: string;
  /** The model name sent upstream. */
  readonly upstreamModel: string;
  readonly weight: number;
  readonly upstream: Upstream;
  readonly breaker: RouterBreaker;
  /** Checked in order; all must admit. */
  readonly limits: readonly AdmissionLimit[];
  readonly timeouts: UpstreamTimeouts;
  /** The longest one attempt may take, ms (see `attempt-time.ts`); undefined: the default rule. */
  readonly attemptTimeoutMs: number | undefined;
  /** 4xx statuses that fail over for this deployment's model, besides the defaults. */
  readonly failoverOn: readonly number[];
  /** USD per 1M output tokens plus input: orders `least-cost`. */
  readonly priceScore: number;
  /**
   * Smoothed success latency of single attempts (for streams: to the first content), for
   * `least-latency`; undefined until the first success. Written only by the router.
   */
  latencyEwmaMs: number | undefined;
}

/** A logical model: its deployments and where to go when they all fail. */
export interface ModelRoute {
  readonly name: string;
  readonly deployments: readonly Deployment[];
  readonly fallbacks: readonly string[];
  readonly contextWindowFallbacks: readonly string[];
  readonly strategy: Strategy;
  readonly embeddingDimensions: number | undefined;
  /** Extra upstream calls allowed per request beyond one per candidate. */
  readonly retryAttempts: number;
}

/** One entry of a plan: a deployment, and why it is in the plan. */
export interface Candidate {
  readonly deployment: Deployment;
  /** `primary`: the requested model; `fallback`: its fallback chain; `context`: context-window chain. */
  readonly role: 'primary' | 'fallback' | 'context';
}

/** Attempt record kept per request (re-exported from core for the router's callers). */
export type Attempt = AttemptRecord;
