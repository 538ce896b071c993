/**
 * Prometheus metrics for the gateway, on a registry of its own (never prom-client's global one,
 * so two gateways in one process, or the host app's metrics, never collide).
 *
 * Telemetry only observes: every series is fed from engine events (`bb.on`), from breaker
 * snapshots read at scrape time, or from the gateway's own HTTP answers; nothing here is read
 * back by the request path. Labels are bounded: configured model and deployment names (any other
 * name is labelled `other`), states, outcomes, error codes and failure kinds. Never a request id,
 * a key or a key name. Per-deployment attempt series live in `upstream-metrics.ts`, the gauges read
 * at scrape time in `scrape-gauges.ts`, the process and Node.js defaults in `process-metrics.ts`;
 * every metric is listed in docs/operations.md.
 */
import { Gauge, Registry } from 'prom-client';
import type { AttemptRecord } from '../core/index.js';
import {
  CIRCUIT_STATES,
  RATE_LIMIT_SCOPES,
  bounded,
  fallbackReason,
  requestOutcome,
  retriesOf,
} from './metrics-labels.js';
import type { MetricsRequestEvent } from './metrics-labels.js';
import { registerProcessMetrics } from './process-metrics.js';
import { budgetGauges, circuitStateGauge, stateStoreGauges } from './scrape-gauges.js';
import type { StateStoreReading } from './scrape-gauges.js';
import type { ModelBudget } from './scrape-gauges.js';
import { CellCounter, CellHistogram } from './metric-cells.js';
import type { ErrorSource } from './taxonomy.js';
import { UpstreamMetrics } from './upstream-metrics.js';
import type { CatalogueDeployment } from './upstream-metrics.js';

export { CIRCUIT_STATES, fallbackReason, requestOutcome, retriesOf };
export type { CatalogueDeployment, MetricsRequestEvent, ModelBudget };

/** One attempt, as the engine reports it (`bb.on('attempt')`). */
export type MetricsAttempt = AttemptRecord;

/** A breaker transition (`bb.on('transition')`). */
export interface MetricsTransition {
  readonly deployment: string;
  readonly from: string;
  readonly to: string;
  readonly reason: string;
}

/** What the metrics subscribe to: structurally the engine's `on`. */
export interface MetricsEvents {
  on(event: 'request', listener: (e: MetricsRequestEvent) => void): { dispose(): void };
  on(event: 'attempt', listener: (e: MetricsAttempt) => void): { dispose(): void };
  on(event: 'transition', listener: (e: MetricsTransition) => void): { dispose(): void };
}

/** Options of {@link GatewayMetrics}. */
export interface GatewayMetricsOptions {
  readonly events: MetricsEvents;
  /** Every circuit's current state, read at scrape time: `[deployment, state]`. */
  readonly circuits: () => Iterable<readonly [string, string]>;
  /** The fleet's state store, when breaker state is shared through Redis. */
  readonly stateStore?: () => StateStoreReading;
  /**
   * The configured models. When given, their series start at 0 and any other model name is
   * labelled `other`, so label sets stay bounded whatever callers send. @default no bound
   */
  readonly models?: readonly string[];
  /** The configured deployments, with the same effect for `deployment` labels. @default no bound */
  readonly deployments?: readonly CatalogueDeployment[];
  /** Every model budget and today's spend against it, read at scrape time. @default none */
  readonly budgets?: () => Iterable<ModelBudget>;
}

/** Errors created at 0 for every model, as the alerts watch them: `[source, code]`. */
const WATCHED_ERRORS: readonly (readonly [ErrorSource, string])[] = [
  ['provider', 'all_candidates_failed'],
  ['policy', 'all_candidates_failed'],
  ['provider', 'upstream_error'],
  ['provider', 'timeout'],
  ['policy', 'deadline_exceeded'],
];

const SECONDS_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

function counter(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[],
): CellCounter {
  return new CellCounter(registry, name, help, labelNames);
}

function histogram(registry: Registry, name: string, help: string): CellHistogram {
  return new CellHistogram(registry, name, help, ['model'], SECONDS_BUCKETS);
}

/** The gateway's metrics and the subscriptions that feed them. */
export class GatewayMetrics {
  /** The registry `/metrics` serves. */
  readonly registry = new Registry();
  readonly #requests = counter(
    this.registry,
    'breakerbox_requests_total',
    'Model requests by requested model, serving deployment and outcome.',
    ['model', 'deployment', 'outcome'],
  );
  readonly #duration = histogram(
    this.registry,
    'breakerbox_request_duration_seconds',
    'Time from receiving a model request to the end of its response (streams included).',
  );
  readonly #ttft = histogram(
    this.registry,
    'breakerbox_time_to_first_token_seconds',
    'Time from receiving a stream request to its first content chunk.',
  );
  readonly #transitions = counter(
    this.registry,
    'breakerbox_circuit_transitions_total',
    'Circuit state transitions per deployment.',
    ['deployment', 'from', 'to'],
  );
  readonly #fallbacks = counter(
    this.registry,
    'breakerbox_fallbacks_total',
    'Requests served by something other than the requested model, and why.',
    ['from', 'to', 'reason'],
  );
  readonly #retries = counter(
    this.registry,
    'breakerbox_retries_total',
    'Upstream calls repeated on a deployment already called for the same request.',
    ['model'],
  );
  readonly #rateLimited = counter(
    this.registry,
    'breakerbox_rate_limit_rejections_total',
    'Rate-limit rejections: client (per-key limit), deployment (own limiter), upstream (429).',
    ['scope'],
  );
  readonly #tokens = counter(
    this.registry,
    'breakerbox_tokens_total',
    'Tokens by serving model and type (prompt, completion).',
    ['model', 'type'],
  );
  readonly #cost = counter(
    this.registry,
    'breakerbox_cost_usd_total',
    'Spend in USD by serving model.',
    ['model'],
  );
  readonly #inFlight = new Gauge({
    name: 'breakerbox_in_flight_requests',
    help: 'Model requests being served (streams until their last byte).',
    registers: [this.registry],
  });
  readonly #errors = counter(
    this.registry,
    'breakerbox_errors_total',
    'Error answers by source (caller, policy, provider), breakerbox error code and requested model.',
    ['source', 'code', 'model'],
  );
  readonly #upstream: UpstreamMetrics;
  /** Configured models, and the deployment labels allowed; undefined: no bound. */
  readonly #models: ReadonlySet<string> | undefined;
  readonly #deployments: ReadonlySet<string> | undefined;
  readonly #subscriptions: { dispose(): void }[] = [];

  constructor(options: GatewayMetricsOptions) {
    registerProcessMetrics(this.registry);
    circuitStateGauge(this.registry, options.circuits);
    if (options.budgets !== undefined) budgetGauges(this.registry, options.budgets);
    if (options.stateStore !== undefined) stateStoreGauges(this.registry, options.stateStore);
    this.#upstream = new UpstreamMetrics(this.registry, options.deployments);
    if (options.models !== undefined) this.#models = new Set(options.models);
    if (options.deployments !== undefined) {
      const ids = options.deployments.map((d) => d.id);
      this.#deployments = new Set([...ids, 'cache', 'static', 'none']);
    }
    this.#zero(options);
    this.#subscribe(options.events);
  }

  /**
   * Creates at 0 the series whose labels are known at start, so `rate()` and `increase()` see
   * their first increment: per model, its own deployments' successes, errors and cancellations,
   * the errors an alert watches, retries, tokens and cost; every rate-limit scope.
   */
  #zero(options: GatewayMetricsOptions): void {
    for (const scope of RATE_LIMIT_SCOPES) this.#rateLimited.cell(scope);
    for (const model of options.models ?? []) {
      const own = (options.deployments ?? []).filter((d) => d.model === model);
      for (const d of own) this.#requests.cell(model, d.id, 'success');
      for (const outcome of ['error', 'cancelled'] as const) {
        this.#requests.cell(model, 'none', outcome);
      }
      for (const [source, code] of WATCHED_ERRORS) this.#errors.cell(source, code, model);
      this.#retries.cell(model);
      this.#tokens.cell(model, 'prompt');
      this.#tokens.cell(model, 'completion');
      this.#cost.cell(model);
    }
  }

  #subscribe(events: MetricsEvents): void {
    this.#subscriptions.push(
      events.on('request', (e) => {
        this.#onRequest(e);
        this.#upstream.answered(e);
      }),
      events.on('attempt', (a) => {
        this.#upstream.attempt(a);
        if (a.reason !== 'rate_limited') return;
        this.#rateLimited.inc(1, a.result === 'skipped' ? 'deployment' : 'upstream');
      }),
      events.on('transition', (t) => {
        const deployment = this.#deployment(t.deployment);
        this.#transitions.inc(1, deployment, t.from, t.to);
      }),
    );
  }

  /** A model label: the name when configured (or when there is no bound), else `other`. */
  #model(name: string): string {
    return this.#models === undefined ? name : bounded(name, this.#models);
  }

  #deployment(id: string): string {
    return this.#deployments === undefined ? id : bounded(id, this.#deployments);
  }

  #onRequest(e: MetricsRequestEvent): void {
    const m = e.meta;
    const requested = this.#model(m.requestedModel);
    const served = m.deployment ?? (m.cached || m.fallback === 'static' ? m.fallback : 'none');
    const deployment = this.#deployment(served);
    this.#requests.inc(1, requested, deployment, requestOutcome(e));
    if (e.route === 'stream' && e.ttftMs !== undefined) {
      this.#ttft.observe(e.ttftMs / 1000, requested);
    }
    if (m.fallbackUsed) {
      const to = m.model === null ? m.fallback : this.#model(m.model);
      this.#fallbacks.inc(1, requested, to, fallbackReason(e));
    }
    const retries = retriesOf(e);
    if (retries > 0) this.#retries.inc(retries, requested);
    const model = this.#model(m.model ?? m.requestedModel);
    if (e.promptTokens > 0) this.#tokens.inc(e.promptTokens, model, 'prompt');
    if (e.completionTokens > 0) {
      this.#tokens.inc(e.completionTokens, model, 'completion');
    }
    if (m.costUsd > 0) this.#cost.inc(m.costUsd, model);
  }

  /** Counts one model request in flight; call the result once when its response has ended. */
  requestStarted(): () => void {
    this.#inFlight.inc();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#inFlight.dec();
    };
  }

  /** Records how long a model request took, for a configured `model` only (bounded labels). */
  observeDuration(model: string, durationMs: number): void {
    this.#duration.observe(durationMs / 1000, this.#model(model));
  }

  /**
   * Counts an error answer (JSON or mid-stream) by its source, code and requested model
   * (`none` when the request named no configured model).
   */
  errorAnswered(source: ErrorSource, code: string, model?: string): void {
    this.#errors.inc(1, source, code, model === undefined ? 'none' : this.#model(model));
  }

  /** Counts a request refused by a client key's own rate limit. */
  clientRateLimited(): void {
    this.#rateLimited.inc(1, 'client');
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }

  /** Stops listening to the engine. */
  dispose(): void {
    for (const s of this.#subscriptions) s.dispose();
    this.#subscriptions.length = 0;
  }
}
