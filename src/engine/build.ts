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
  /** The limits each provider's deployments share, by provider name. */
  readonly providerLimits: ReadonlyMap<string, AdmissionLimit[]>;
  /** Breaker state shared through Redis (`state.store: redis`); undefined: this process alone. */
  readonly stateStore: RedisBreakerStore | undefined;
}

/** A runtime being replaced by a reload, and the config it was built from. */
export interface PreviousRuntime {
  readonly config: ResolvedConfig;
  readonly runtime: Runtime;
}

/** What of a deployment decides whether a reload may keep it (with its breaker and limits). */
function deploymentSignature(config: ResolvedConfig, model: string, d: ResolvedDeployment): string {
  const m = config.models[model];
  return JSON.stringify([
    d,
    config.providers[d.provider],
    m?.failoverOn,
    priceFor(model, config.pricing),
  ]);
}

function previousSignatures(previous: PreviousRuntime | undefined): Map<string, string> {
  const signatures = new Map<string, string>();
  if (previous === undefined) return signatures;
  for (const m of Object.values(previous.config.models)) {
    for (const d of m.deployments) {
      signatures.set(`${m.name}\u0000${d.id}`, deploymentSignature(previous.config, m.name, d));
    }
  }
  return signatures;
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

/** One upstream client and the shared limits per provider; unchanged ones are taken over. */
function buildProviders(
  config: ResolvedConfig,
  deps: BuildDeps,
  previous: PreviousRuntime | undefined,
  store: RedisBreakerStore | undefined,
): { upstreams: Map<string, Upstream>; providerLimitMap: Map<string, AdmissionLimit[]> } {
  const { clock } = deps;
  const upstreams = new Map<string, Upstream>();
  const providerLimitMap = new Map<string, AdmissionLimit[]>();
  for (const p of Object.values(config.providers)) {
    const before = previous?.config.providers[p.name];
    const kept = previous?.runtime.upstreams.get(p.name);
    if (kept !== undefined && JSON.stringify(before) === JSON.stringify(p)) {
      upstreams.set(p.name, kept);
      providerLimitMap.set(p.name, previous?.runtime.providerLimits.get(p.name) ?? []);
      continue;
    }
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
    providerLimitMap.set(p.name, providerLimits(p, clock, store));
  }
  return { upstreams, providerLimitMap };
}

/**
 * Builds the graph. Deployments with the same id (provider and upstream model) share one breaker.
 * With `previous` (a reload), what did not change is taken over as it is: a provider's upstream
 * client and limits when its settings are equal, a deployment (its breaker, limits and latency
 * estimate) when it, its provider, its model's `failoverOn` and its price are equal. A changed
 * deployment gets a fresh breaker.
 */
export function buildRuntime(
  config: ResolvedConfig,
  deps: BuildDeps,
  previous?: PreviousRuntime,
): Runtime {
  const { clock } = deps;
  const breakers =
    previous?.runtime.breakers ?? new BreakerRegistry({ clock, maxBreakers: 100_000 });
  // A reload keeps the state store (and its connections): `state` takes effect at a restart.
  const stateStore = previous
    ? previous.runtime.stateStore
    : createStateStore(config, breakers, clock);
  const { upstreams, providerLimitMap } = buildProviders(config, deps, previous, stateStore);
  const before = previousSignatures(previous);
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
      const signature = before.get(`${m.name}\u0000${d.id}`);
      const old = previous?.runtime.deployments.get(d.id);
      if (signature !== undefined && old?.model === m.name) {
        if (signature === deploymentSignature(config, m.name, d)) {
          deployments.set(d.id, old);
          return old;
        }
        // Changed: its breaker starts afresh with the new settings.
        breakers.delete(d.id);
      }
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
  return {
    models,
    deployments,
    upstreams,
    breakers,
    providerLimits: providerLimitMap,
    stateStore,
  };
}

function createStateStore(
  config: ResolvedConfig,
  breakers: BreakerRegistry,
  clock: Clock,
): RedisBreakerStore | undefined {
  const { state } = config;
  if (state.store !== 'redis') return undefined;
  return new RedisBreakerStore(
    {
      url: state.url,
      keyPrefix: state.keyPrefix,
      syncMs: state.syncMs,
      commandTimeoutMs: state.commandTimeoutMs,
      ...(state.replicaId !== undefined && { replicaId: state.replicaId }),
    },
    { clock, registry: breakers },
  );
}
