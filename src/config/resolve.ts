/**
 * From a validated {@link ConfigInput} to the {@link ResolvedConfig} the engine reads: defaults
 * applied, settings inherited, deployments named, prices merged, everything frozen.
 */
import { DEFAULT_PRICES } from '../cost/index.js';
import type { ModelPrice } from '../cost/index.js';
import { defaultKeyName } from './cross-check.js';
import {
  DEFAULT_BREAKER,
  DEFAULT_CACHE,
  DEFAULT_STATE,
  DEFAULT_DEADLINE_MS,
  DEFAULT_REQUEST_LOG,
  DEFAULT_RETRY,
  DEFAULT_SERVER,
  DEFAULT_TIMEOUTS,
  DEFAULT_WEIGHT,
} from './defaults.js';
import { deepFreeze } from './plain.js';
import { deepMerge } from './merge.js';
import type { ConfigInput, ModelInput } from './schema.js';
import type {
  BreakerSettings,
  ResolvedClientKey,
  ResolvedConfig,
  ResolvedDeployment,
  ResolvedModel,
  ResolvedProvider,
  RetrySettings,
  ServerSettings,
  TelemetrySettings,
  Timeouts,
} from './types.js';

type Tree = Record<string, unknown>;

// The merged trees are complete and well-typed: the schema validated every level and
// merge.ts checked what only the merged result can tell, before resolve runs.
const asBreaker = (t: Tree): BreakerSettings => t as unknown as BreakerSettings;
const asRetry = (t: Tree): RetrySettings => t as unknown as RetrySettings;
const tree = (settings: object): Tree => settings as Tree;

// Configurations this module built. A WeakSet rather than a brand property: the resolved object
// stays plain data that prints and compares cleanly.
const resolvedConfigs = new WeakSet<object>();

/** True for a configuration returned by `parseConfig`, `parseConfigText` or `loadConfigFile`. */
export function isResolvedConfig(value: unknown): value is ResolvedConfig {
  return typeof value === 'object' && value !== null && resolvedConfigs.has(value);
}

/**
 * Builds the resolved configuration. Call only on input that passed the schema and the cross
 * checks (`parseConfig` does both); on anything else the result is unspecified.
 */
export function resolveConfig(input: ConfigInput): ResolvedConfig {
  const breaker = asBreaker(deepMerge(tree(DEFAULT_BREAKER), input.breaker));
  const retry = asRetry(deepMerge(tree(DEFAULT_RETRY), input.retry));
  const providers = Object.fromEntries(
    Object.entries(input.providers).map(([name, p]): [string, ResolvedProvider] => [
      name,
      withoutUndefined({
        name,
        baseURL: p.baseURL,
        apiKey: p.apiKey,
        headers: Object.fromEntries(Object.entries(p.headers ?? {})),
        rpm: p.rpm,
        tpm: p.tpm,
        maxConcurrent: p.maxConcurrent,
        timeouts: deepMerge(tree(DEFAULT_TIMEOUTS), p.timeouts) as unknown as Timeouts,
      }),
    ]),
  );
  const models = Object.fromEntries(
    Object.entries(input.models).map(([name, m]) => [name, resolveModel(name, m, breaker, retry)]),
  );
  const pricing: Record<string, ModelPrice> = Object.fromEntries([
    ...Object.entries(DEFAULT_PRICES),
    ...Object.entries(input.pricing ?? {}).map(([k, p]): [string, ModelPrice] => [
      k,
      withoutUndefined(p),
    ]),
  ]);
  const resolved: ResolvedConfig = {
    providers,
    models,
    deadlineMs: input.deadlineMs ?? DEFAULT_DEADLINE_MS,
    breaker,
    retry,
    pricing,
    cache: { ...DEFAULT_CACHE, ...withoutUndefined(input.cache ?? {}) },
    server: resolveServer(input.server),
    state: { ...DEFAULT_STATE, ...withoutUndefined(input.state ?? {}) },
    telemetry: resolveTelemetry(input.telemetry),
  };
  resolvedConfigs.add(resolved);
  return deepFreeze(resolved);
}

function resolveModel(
  name: string,
  m: ModelInput,
  globalBreaker: BreakerSettings,
  globalRetry: RetrySettings,
): ResolvedModel {
  const breaker = deepMerge(tree(globalBreaker), m.breaker);
  const retry = deepMerge(tree(globalRetry), m.retry);
  const deployments = m.deployments.map((d): ResolvedDeployment => {
    const upstream = d.model ?? name;
    return withoutUndefined({
      id: `${d.provider}/${upstream}`,
      provider: d.provider,
      model: upstream,
      weight: d.weight ?? DEFAULT_WEIGHT,
      rpm: d.rpm,
      tpm: d.tpm,
      maxConcurrent: d.maxConcurrent,
      attemptTimeoutMs: d.attemptTimeoutMs ?? m.attemptTimeoutMs,
      breaker: asBreaker(deepMerge(breaker, d.breaker)),
      retry: asRetry(deepMerge(retry, d.retry)),
    });
  });
  return withoutUndefined({
    name,
    deployments,
    fallbacks: m.fallbacks ?? [],
    contextWindowFallbacks: m.contextWindowFallbacks ?? [],
    strategy: m.strategy ?? 'priority',
    embeddingDimensions: m.embeddingDimensions,
    staticFallback: m.staticFallback,
    failoverOn: [...new Set(m.failoverOn ?? [])],
    budget:
      m.budget && withoutUndefined({ ...m.budget, onExceeded: m.budget.onExceeded ?? 'refuse' }),
    breaker: asBreaker(breaker),
    retry: asRetry(retry),
  });
}

function resolveServer(server: ConfigInput['server']): ServerSettings {
  const { clientKeys = [], cors, metrics, requestLog, ...rest } = server ?? {};
  const keys = clientKeys.map((entry, i): ResolvedClientKey =>
    typeof entry === 'string'
      ? { key: entry, name: defaultKeyName(i) }
      : withoutUndefined({ ...entry, name: entry.name ?? defaultKeyName(i) }),
  );
  return {
    ...DEFAULT_SERVER,
    ...withoutUndefined(rest),
    cors: { origins: cors?.origins ?? DEFAULT_SERVER.cors.origins },
    metrics: { auth: metrics?.auth ?? DEFAULT_SERVER.metrics.auth },
    clientKeys: keys,
    ...(requestLog !== undefined && {
      requestLog: {
        path: requestLog.path,
        maxBytes: requestLog.maxBytes ?? DEFAULT_REQUEST_LOG.maxBytes,
        maxFiles: requestLog.maxFiles ?? DEFAULT_REQUEST_LOG.maxFiles,
        content: requestLog.content ?? false,
      },
    }),
  };
}

function resolveTelemetry(telemetry: ConfigInput['telemetry']): TelemetrySettings {
  const otlp = telemetry?.otlp;
  return {
    tracing: telemetry?.tracing ?? otlp !== undefined,
    ...(otlp !== undefined && { otlp: { endpoint: otlp.endpoint, headers: otlp.headers ?? {} } }),
  };
}

/** A copy without keys whose value is `undefined`, so the result prints and compares cleanly. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
