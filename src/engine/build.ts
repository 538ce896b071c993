/**
 * Turns a resolved configuration into the runtime graph: one upstream client (connection pool)
 * per provider, one breaker per deployment, and the limits each deployment must pass.
 */
import { BreakerRegistry, Bulkhead, RateLimiter } from '../core/index.js';
import type { Clock } from '../core/index.js';
import type { ResolvedConfig, ResolvedDeployment, ResolvedProvider } from '../config/index.js';
import { priceFor } from '../cost/index.js';
import type { AdmissionLimit, Deployment, ModelRoute } from '../router/index.js';
import { createUpstream } from '../upstream/index.js';
import type { Upstream } from '../upstream/index.js';
import type { Dispatcher } from 'undici';
import { RedisBreakerStore } from '../state/index.js';
import { concurrencyLimit, rateLimit } from './limits.js';

/** Seams for tests and embedding: every I/O dependency can be injected. */
export interface BuildDeps {
  readonly clock: Clock;
  /** An undici dispatcher for every provider (a MockAgent in tests). */
  readonly dispatcher?: Dispatcher;
}

/** The runtime graph built from a config. */
export interface Runtime {
  readonly models: ReadonlyMap<string, ModelRoute>;
  readonly deployments: ReadonlyMap<string, Deployment>;
  readonly upstreams: ReadonlyMap<string, Upstream>;
  readonly breakers: BreakerRegistry;
  /** Breaker state shared through Redis (`state.store: redis`); undefined: this process alone. */
  readonly stateStore: RedisBreakerStore | undefined;
}

/**
 * A rpm/tpm limit: in this process's memory, or in Redis when a fleet shares state (`name` then
 * identifies it across replicas).
 */
function rpmLimit(
  name: string,
  limits: { rpm?: number; tpm?: number },
  clock: Clock,
  store: RedisBreakerStore | undefined,
): AdmissionLimit {
  const { rpm, tpm } = limits;
  if (store !== undefined) {
    return store.rateLimit(name, {
      ...(rpm !== undefined && { rpm }),
      ...(tpm !== undefined && { tpm }),
    });
  }
  return rateLimit(new RateLimiter({ rpm, tpm, clock }));
}

function providerLimits(
  p: ResolvedProvider,
  clock: Clock,
  store: RedisBreakerStore | undefined,
): AdmissionLimit[] {
  const limits: AdmissionLimit[] = [];
  if (p.rpm !== undefined || p.tpm !== undefined) {
    limits.push(rpmLimit(`provider:${p.name}`, p, clock, store));
  }
  if (p.maxConcurrent !== undefined) {
    limits.push(concurrencyLimit(new Bulkhead({ maxConcurrent: p.maxConcurrent, clock })));
  }
  return limits;
}

function deploymentLimits(
  d: ResolvedDeployment,
  clock: Clock,
  store: RedisBreakerStore | undefined,
): AdmissionLimit[] {
  const limits: AdmissionLimit[] = [];
  if (d.rpm !== undefined || d.tpm !== undefined) {
    limits.push(rpmLimit(`deployment:${d.id}`, d, clock, store));
  }
  if (d.maxConcurrent !== undefined) {
    limits.push(concurrencyLimit(new Bulkhead({ maxConcurrent: d.maxConcurrent, clock })));
  }
  return limits;
}

/** Builds the graph. Deployments with the same id (provider and upstream model) share one breaker. */
export function buildRuntime(config: ResolvedConfig, deps: BuildDeps): Runtime {
  const { clock } = deps;
  const breakers = new BreakerRegistry({ clock, maxBreakers: 100_000 });
  const { state } = config;
  const stateStore =
    state.store === 'redis'
      ? new RedisBreakerStore(
          {
            url: state.url,
            keyPrefix: state.keyPrefix,
            syncMs: state.syncMs,
            commandTimeoutMs: state.commandTimeoutMs,
            ...(state.replicaId !== undefined && { replicaId: state.replicaId }),
          },
          { clock, registry: breakers },
        )
      : undefined;
  const upstreams = new Map<string, Upstream>();
  const providerLimitMap = new Map<string, AdmissionLimit[]>();
  for (const p of Object.values(config.providers)) {
    upstreams.set(
      p.name,
      createUpstream({
        name: p.name,
        baseURL: p.baseURL,
        ...(p.apiKey !== undefined && { apiKey: p.apiKey }),
        headers: p.headers,
        timeouts: p.timeouts,
        ...(p.maxConcurrent !== undefined && { maxConnections: p.maxConcurrent }),
        ...(deps.dispatcher !== undefined && { dispatcher: deps.dispatcher }),
        clock,
      }),
    );
    providerLimitMap.set(p.name, providerLimits(p, clock, stateStore));
  }
  // Configured deployments never leave the registry: a fleet breaker keeps its local one.
  const breakerFor = (id: string, cfg: ResolvedDeployment['breaker']): Deployment['breaker'] => {
    const local = breakers.get(id, cfg);
    return stateStore === undefined ? local : stateStore.wrap(id, local);
  };
  const deployments = new Map<string, Deployment>();
  const models = new Map<string, ModelRoute>();
  for (const m of Object.values(config.models)) {
    const list: Deployment[] = m.deployments.map((d) => {
      const existing = deployments.get(d.id);
      if (existing && existing.model === m.name) return existing;
      const provider = config.providers[d.provider] as ResolvedProvider;
      const price = priceFor(m.name, config.pricing);
      const deployment: Deployment = {
        id: d.id,
        model: m.name,
        provider: d.provider,
        upstreamModel: d.model,
        weight: d.weight,
        upstream: upstreams.get(d.provider) as Upstream,
        breaker: breakerFor(d.id, d.breaker),
        limits: [
          ...(providerLimitMap.get(d.provider) ?? []),
          ...deploymentLimits(d, clock, stateStore),
        ],
        timeouts: provider.timeouts,
        attemptTimeoutMs: d.attemptTimeoutMs,
        failoverOn: m.failoverOn,
        priceScore: price ? price.input + price.output : 0,
        latencyEwmaMs: undefined,
      };
      deployments.set(d.id, deployment);
      return deployment;
    });
    models.set(m.name, {
      name: m.name,
      deployments: list,
      fallbacks: m.fallbacks,
      contextWindowFallbacks: m.contextWindowFallbacks,
      strategy: m.strategy,
      embeddingDimensions: m.embeddingDimensions,
      retryAttempts: m.retry.attempts,
    });
  }
  return { models, deployments, upstreams, breakers, stateStore };
}
