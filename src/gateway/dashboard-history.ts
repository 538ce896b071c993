/**
 * The dashboard's memory of the last 15 minutes: request, error and spend counts per 10 s bucket,
 * p50/p99 of each deployment's successful attempts per bucket, and each circuit's transitions.
 * Fed from the engine's `request` and `transition` events and from the gateway's answered errors;
 * memory is fixed (a {@link BucketRing} of counters, one live latency histogram per deployment,
 * at most `maxTransitions` transitions per deployment), whatever the traffic or the uptime.
 */
import type { AttemptRecord, Clock } from '../core/index.js';
import { systemClock } from '../core/index.js';
import { BucketRing, LatencyHistogram } from '../telemetry/index.js';
import type { ErrorSource } from './taxonomy.js';

/**
 * Why an answered error happened, as an operator triages it: `provider` (a provider failed:
 * page), `policy` (breakerbox refused as configured: open circuit, limit, budget, deadline),
 * `operator` (every refusal came from a circuit an operator forced open), `caller` (the request
 * was wrong or withdrawn: 4xx).
 */
export type ErrorCause = 'provider' | 'policy' | 'operator' | 'caller';

/** Every cause, in the order the page stacks them. */
export const ERROR_CAUSES: readonly ErrorCause[] = ['provider', 'policy', 'operator', 'caller'];

/**
 * Refines an error's source: a policy refusal whose every skipped candidate sat behind a
 * forced-open circuit is the operator's doing. `stateOf` reads a circuit's state now.
 */
export function errorCause(
  source: ErrorSource,
  attempts: readonly Pick<AttemptRecord, 'deployment' | 'result' | 'reason'>[],
  stateOf: (deployment: string) => string | undefined,
): ErrorCause {
  if (source !== 'policy') return source;
  const skips = attempts.filter((a) => a.result === 'skipped');
  const forced =
    skips.length > 0 &&
    skips.every((a) => a.reason === 'breaker_open' && stateOf(a.deployment) === 'forced-open');
  return forced ? 'operator' : 'policy';
}

/** The counters of one bucket (and of the live bucket the feed pushes every second). */
export interface DashboardBucket {
  /** Requests the engine finished (answered or failed). */
  requests: number;
  /** Of those, answered (a model, the cache or a static fallback). */
  ok: number;
  /** Of the answered, by a candidate other than the first (another deployment or model). */
  fallback: number;
  /** Errors the gateway answered, by cause (gateway refusals before the engine included). */
  provider: number;
  policy: number;
  operator: number;
  caller: number;
  /** Spend of the requests finished in the bucket, USD. */
  spendUsd: number;
  /** Per deployment (in `deployments` order): p50 and p99 of successful attempts, ms. */
  p50: (number | null)[];
  p99: (number | null)[];
}

/** One transition on a deployment's timeline. */
export interface TimelineTransition {
  readonly from: string;
  readonly to: string;
  readonly reason: string;
  readonly atEpochMs: number;
}

/** What the page draws its charts and timeline from. */
export interface DashboardHistoryJson {
  /** Width of a bucket, ms. */
  readonly bucketMs: number;
  /** Start of the oldest bucket, ms since the Unix epoch. */
  readonly startEpochMs: number;
  /** When this history began (the gateway's start): nothing is known before. */
  readonly sinceEpochMs: number;
  readonly deployments: readonly string[];
  /** Oldest first; the last one is the live bucket as of this snapshot. */
  readonly buckets: readonly DashboardBucket[];
  /** Per deployment (same order), its transitions inside the window, oldest first. */
  readonly timeline: readonly (readonly TimelineTransition[])[];
}

/** The slice of the engine's `request` event the history reads. */
export interface HistoryRequest {
  readonly ok: boolean;
  readonly attemptMs?: number;
  readonly meta: {
    readonly deployment: string | null;
    readonly fallbackUsed: boolean;
    readonly costUsd: number;
  };
}

/** Options of {@link DashboardHistory}. */
export interface DashboardHistoryOptions {
  /** The configured deployment ids; latency and timelines are kept for these only. */
  readonly deployments: readonly string[];
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default 10000 */
  readonly bucketMs?: number;
  /** @default 90 (15 minutes) */
  readonly buckets?: number;
  /** Transitions kept per deployment (the oldest go first). @default 100 */
  readonly maxTransitions?: number;
  /** A circuit's state now, to tell an operator's refusal from policy's. @default unknown */
  readonly stateOf?: (deployment: string) => string | undefined;
}

function emptyBucket(deployments: number): DashboardBucket {
  return {
    requests: 0,
    ok: 0,
    fallback: 0,
    provider: 0,
    policy: 0,
    operator: 0,
    caller: 0,
    spendUsd: 0,
    p50: new Array<number | null>(deployments).fill(null),
    p99: new Array<number | null>(deployments).fill(null),
  };
}

function finite(n: number | undefined): number {
  return n !== undefined && Number.isFinite(n) ? n : 0;
}

/** The last 15 minutes, in buckets. */
export class DashboardHistory {
  readonly #clock: Clock;
  readonly #deployments: readonly string[];
  readonly #index: ReadonlyMap<string, number>;
  readonly #ring: BucketRing<DashboardBucket>;
  /** Latency of the live bucket, per deployment; summarised into the bucket when it closes. */
  readonly #live: LatencyHistogram[];
  readonly #timeline: TimelineTransition[][];
  readonly #maxTransitions: number;
  readonly #sinceEpochMs: number;
  readonly #stateOf: (deployment: string) => string | undefined;
  #closed = 0;
  #transitions = 0;

  constructor(options: DashboardHistoryOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#deployments = [...options.deployments];
    this.#index = new Map(this.#deployments.map((d, i) => [d, i]));
    this.#live = this.#deployments.map(() => new LatencyHistogram());
    this.#timeline = this.#deployments.map(() => []);
    this.#maxTransitions = Math.max(1, options.maxTransitions ?? 100);
    this.#stateOf = options.stateOf ?? (() => undefined);
    const n = this.#deployments.length;
    this.#ring = new BucketRing<DashboardBucket>({
      clock: this.#clock,
      bucketMs: options.bucketMs ?? 10_000,
      buckets: options.buckets ?? 90,
      create: () => emptyBucket(n),
      clear: (b) => {
        for (const key of ['requests', 'ok', 'fallback', 'spendUsd', ...ERROR_CAUSES] as const) {
          b[key] = 0;
        }
        b.p50.fill(null);
        b.p99.fill(null);
      },
      onClose: (b) => {
        this.#summarise(b);
        for (const h of this.#live) h.reset();
        this.#closed++;
      },
    });
    this.#sinceEpochMs = this.#clock.epochMs();
  }

  /** Changes when a bucket closes or a transition arrives: viewers then need the history again. */
  version(): string {
    this.#ring.current();
    return `${this.#closed}:${this.#transitions}`;
  }

  /** A request the engine finished (`bb.on('request')`). */
  request(e: HistoryRequest): void {
    const b = this.#ring.current();
    b.requests++;
    b.spendUsd += finite(e.meta.costUsd);
    if (!e.ok) return;
    b.ok++;
    if (e.meta.fallbackUsed) b.fallback++;
    const i = e.meta.deployment === null ? undefined : this.#index.get(e.meta.deployment);
    if (i !== undefined && e.attemptMs !== undefined && Number.isFinite(e.attemptMs)) {
      this.#live[i]?.record(Math.max(0, e.attemptMs));
    }
  }

  /** An error the gateway answered: its source and, for a model call, what it tried. */
  error(source: ErrorSource, attempts: readonly AttemptRecord[] = []): void {
    this.#ring.current()[errorCause(source, attempts, this.#stateOf)]++;
  }

  /** A circuit transition (`bb.on('transition')`), stamped now. */
  transition(t: { readonly deployment: string; from: string; to: string; reason: string }): void {
    const i = this.#index.get(t.deployment);
    if (i === undefined) return;
    const list = this.#timeline[i] as TimelineTransition[];
    list.push({ from: t.from, to: t.to, reason: t.reason, atEpochMs: this.#clock.epochMs() });
    if (list.length > this.#maxTransitions) list.shift();
    this.#transitions++;
  }

  /** The live bucket, its latency summarised so far (the feed pushes this every second). */
  live(): DashboardBucket {
    const b = this.#ring.current();
    const out = { ...b, p50: [...b.p50], p99: [...b.p99] };
    this.#summarise(out);
    return out;
  }

  /** Every bucket and the timelines, as plain JSON. */
  toJSON(): DashboardHistoryJson {
    const slots = this.#ring.list();
    const startEpochMs = this.#ring.startEpochMs();
    const buckets = slots.map((s) => (s.current ? this.live() : s.bucket));
    const timeline = this.#timeline.map((list) => {
      while (list.length > 0 && (list[0] as TimelineTransition).atEpochMs < startEpochMs) {
        list.shift();
      }
      return [...list];
    });
    return {
      bucketMs: this.#ring.bucketMs,
      startEpochMs,
      sinceEpochMs: this.#sinceEpochMs,
      deployments: this.#deployments,
      buckets,
      timeline,
    };
  }

  /** Writes the live histograms' p50/p99 into `b`. */
  #summarise(b: DashboardBucket): void {
    this.#live.forEach((h, i) => {
      if (h.count === 0) return;
      const [p50, p99] = h.quantiles([0.5, 0.99]);
      b.p50[i] = p50 ?? null;
      b.p99[i] = p99 ?? null;
    });
  }
}
