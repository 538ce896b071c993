/**
 * Per-deployment upstream metrics: every attempt's outcome, its own duration, and why candidates
 * were skipped. Fed by the engine's `attempt` events (skips and failed calls, each timed from its
 * own start) and by the request reports (the deployment that answered).
 */
import type { Registry } from 'prom-client';
import type { AttemptRecord } from '../core/index.js';
import {
  ATTEMPT_OUTCOMES,
  OTHER,
  SKIP_REASONS,
  attemptOutcome,
  bounded,
  winnerAttemptMs,
  winnerOutcome,
} from './metrics-labels.js';
import type { AttemptOutcome, MetricsRequestEvent } from './metrics-labels.js';
import { CellCounter, CellHistogram } from './metric-cells.js';

/** A configured deployment: its id and the logical model it serves. */
export interface CatalogueDeployment {
  readonly id: string;
  readonly model: string;
}

/** Buckets of `breakerbox_upstream_attempt_duration_seconds`, seconds. */
export const ATTEMPT_SECONDS_BUCKETS = [
  0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120,
] as const;

const SKIP_REASON_SET: ReadonlySet<string> = new Set(SKIP_REASONS);

/** The upstream attempt series of one registry. */
export class UpstreamMetrics {
  readonly #attempts: CellCounter;
  readonly #duration: CellHistogram;
  readonly #skips: CellCounter;
  /** Deployment id → model; undefined: no catalogue, labels taken as the engine sends them. */
  readonly #known: ReadonlyMap<string, string> | undefined;

  constructor(registry: Registry, deployments?: readonly CatalogueDeployment[]) {
    this.#attempts = new CellCounter(
      registry,
      'breakerbox_upstream_attempts_total',
      'Upstream attempts per deployment by outcome: success, failure, neutral, skipped.',
      ['deployment', 'model', 'outcome'],
    );
    this.#duration = new CellHistogram(
      registry,
      'breakerbox_upstream_attempt_duration_seconds',
      'Time of each upstream call from its own start (a stream: to its first chunk).',
      ['deployment', 'model', 'outcome'],
      ATTEMPT_SECONDS_BUCKETS,
    );
    this.#skips = new CellCounter(
      registry,
      'breakerbox_upstream_skips_total',
      'Candidates not called, per deployment and reason (breaker_open, rate_limited, ...).',
      ['deployment', 'reason'],
    );
    this.#known =
      deployments === undefined ? undefined : new Map(deployments.map((d) => [d.id, d.model]));
    for (const d of deployments ?? []) this.#zero(d);
  }

  /** Creates every series of a configured deployment at 0, so `rate()` works from the start. */
  #zero(d: CatalogueDeployment): void {
    for (const outcome of ATTEMPT_OUTCOMES) {
      this.#attempts.cell(d.id, d.model, outcome);
      if (outcome === 'success' || outcome === 'failure') {
        this.#duration.cell(d.id, d.model, outcome);
      }
    }
    for (const reason of SKIP_REASONS) this.#skips.cell(d.id, reason);
  }

  /** A skipped or failed attempt (`bb.on('attempt')`). */
  attempt(a: AttemptRecord): void {
    const outcome = attemptOutcome(a);
    this.#count({ id: a.deployment, model: a.model }, outcome, a.durationMs);
    if (outcome === 'skipped') {
      const deployment = this.#deploymentLabel(a.deployment);
      this.#skips.inc(1, deployment, bounded(a.reason, SKIP_REASON_SET));
    }
  }

  /** The attempt of the deployment that answered a request (`bb.on('request')`), if any. */
  answered(e: MetricsRequestEvent): void {
    const outcome = winnerOutcome(e);
    if (outcome === undefined || e.meta.deployment === null) return;
    const served = { id: e.meta.deployment, model: e.meta.model ?? e.meta.requestedModel };
    this.#count(served, outcome, winnerAttemptMs(e));
  }

  #count(
    d: { readonly id: string; readonly model: string },
    outcome: AttemptOutcome,
    durationMs: number | undefined,
  ): void {
    const deployment = this.#deploymentLabel(d.id);
    const model = this.#known === undefined ? d.model : (this.#known.get(d.id) ?? OTHER);
    this.#attempts.inc(1, deployment, model, outcome);
    if (outcome !== 'skipped' && durationMs !== undefined) {
      this.#duration.observe(durationMs / 1000, deployment, model, outcome);
    }
  }

  #deploymentLabel(id: string): string {
    if (this.#known === undefined) return id;
    return this.#known.has(id) ? id : OTHER;
  }
}
