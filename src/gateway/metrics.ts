/**
 * Prometheus metrics for the gateway, on a registry of its own (never prom-client's global one,
 * so two gateways in one process, or the host app's metrics, never collide).
 *
 * Telemetry only observes: every series is fed from engine events (`bb.on`), from breaker
 * snapshots read at scrape time, or from the gateway's own HTTP answers; nothing here is read
 * back by the request path. Labels are bounded: configured model and deployment names, states,
 * error codes and failure kinds. Never a request id, a key or a key name.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AttemptRecord } from '../core/index.js';
import type { RequestEvent } from '../engine/index.js';
import type { ErrorSource } from './taxonomy.js';

/** One attempt, as the engine reports it (`bb.on('attempt')`). */
export type MetricsAttempt = AttemptRecord;

/** A finished request, as the engine reports it (`bb.on('request')`). */
export type MetricsRequestEvent = RequestEvent;

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
}

/** Every breaker state, so a scrape shows 0 for the states a circuit is not in. */
export const CIRCUIT_STATES: readonly string[] = [
  'closed',
  'open',
  'half-open',
  'forced-open',
  'disabled',
  'metrics-only',
];

/** How a request ended, as the `outcome` label. */
export function requestOutcome(e: MetricsRequestEvent): string {
  if (!e.ok) return e.errorCode === 'cancelled' ? 'cancelled' : 'error';
  if (e.meta.cached) return 'cached';
  if (e.meta.fallback === 'static') return 'static';
  return e.meta.fallbackUsed ? 'fallback' : 'success';
}

/**
 * Upstream calls made to a deployment already called for this request: true retries, as opposed
 * to failing over to another deployment.
 */
export function retriesOf(e: MetricsRequestEvent): number {
  const called = e.meta.attempts.filter((a) => a.result !== 'skipped').map((a) => a.deployment);
  // The deployment that answered is not among the attempts (they list what failed before it).
  if (e.meta.deployment !== null) called.push(e.meta.deployment);
  return Math.max(0, called.length - new Set(called).size);
}

/** Why a request was served by something else: the requested model's last failure, or the kind. */
export function fallbackReason(e: MetricsRequestEvent): string {
  if (e.meta.fallback !== 'model') return e.meta.fallback;
  const own = e.meta.attempts.filter((a) => a.model === e.meta.requestedModel);
  return own.at(-1)?.reason ?? 'model';
}

const SECONDS_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

function counter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
): Counter<L> {
  return new Counter({ name, help, labelNames, registers: [registry] });
}

function histogram(registry: Registry, name: string, help: string): Histogram<'model'> {
  return new Histogram({
    name,
    help,
    labelNames: ['model'],
    buckets: SECONDS_BUCKETS,
    registers: [registry],
  });
}

/** `breakerbox_circuit_state`, filled from the breakers' snapshots at each scrape. */
function circuitStateGauge(
  registry: Registry,
  circuits: () => Iterable<readonly [string, string]>,
): void {
  new Gauge({
    name: 'breakerbox_circuit_state',
    help: 'Circuit state per deployment: 1 for the current state, 0 for the others.',
    labelNames: ['deployment', 'state'],
    registers: [registry],
    collect() {
      // Reset first: a deployment removed from the config must not linger with its last state.
      this.reset();
      for (const [deployment, state] of circuits()) {
        for (const s of CIRCUIT_STATES) this.set({ deployment, state: s }, s === state ? 1 : 0);
        if (!CIRCUIT_STATES.includes(state)) this.set({ deployment, state }, 1);
      }
    },
  });
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
    'Error answers by source (caller, policy, provider) and breakerbox error code.',
    ['source', 'code'],
  );
  readonly #subscriptions: { dispose(): void }[] = [];

  constructor(options: GatewayMetricsOptions) {
    circuitStateGauge(this.registry, options.circuits);
    this.#subscribe(options.events);
  }

  #subscribe(events: MetricsEvents): void {
    this.#subscriptions.push(
      events.on('request', (e) => {
        this.#onRequest(e);
      }),
      events.on('attempt', (a) => {
        if (a.reason !== 'rate_limited') return;
        this.#rateLimited.inc({ scope: a.result === 'skipped' ? 'deployment' : 'upstream' });
      }),
      events.on('transition', (t) => {
        this.#transitions.inc({ deployment: t.deployment, from: t.from, to: t.to });
      }),
    );
  }

  #onRequest(e: MetricsRequestEvent): void {
    const m = e.meta;
    const deployment = m.deployment ?? (m.cached || m.fallback === 'static' ? m.fallback : 'none');
    this.#requests.inc({ model: m.requestedModel, deployment, outcome: requestOutcome(e) });
    if (e.route === 'stream' && e.ttftMs !== undefined) {
      this.#ttft.observe({ model: m.requestedModel }, e.ttftMs / 1000);
    }
    if (m.fallbackUsed) {
      const to = m.model ?? m.fallback;
      this.#fallbacks.inc({ from: m.requestedModel, to, reason: fallbackReason(e) });
    }
    const retries = retriesOf(e);
    if (retries > 0) this.#retries.inc({ model: m.requestedModel }, retries);
    const served = m.model ?? m.requestedModel;
    if (e.promptTokens > 0) this.#tokens.inc({ model: served, type: 'prompt' }, e.promptTokens);
    if (e.completionTokens > 0) {
      this.#tokens.inc({ model: served, type: 'completion' }, e.completionTokens);
    }
    if (m.costUsd > 0) this.#cost.inc({ model: served }, m.costUsd);
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
    this.#duration.observe({ model }, durationMs / 1000);
  }

  /** Counts an error answer (JSON or mid-stream) by its source and code. */
  errorAnswered(source: ErrorSource, code: string): void {
    this.#errors.inc({ source, code });
  }

  /** Counts a request refused by a client key's own rate limit. */
  clientRateLimited(): void {
    this.#rateLimited.inc({ scope: 'client' });
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
