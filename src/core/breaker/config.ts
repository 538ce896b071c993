import { ConfigError } from '../errors.js';
import type { ConfigIssue } from '../errors.js';
import type {
  CircuitBreakerConfig,
  RateTripConfig,
  ResolvedBreakerConfig,
  WindowConfig,
} from './state.js';

/** Defaults (docs/core.md, "Configuration"). */
export const BREAKER_DEFAULTS = Object.freeze({
  consecutive: 5,
  openMs: 30_000,
  backoffMultiplier: 2,
  maxOpenMs: 300_000,
  jitterRatio: 0.1,
  tripOnRetryAfter: true,
  probes: 1,
  probeSuccesses: 2,
  permitTimeoutMs: 60_000,
});

/** Most buckets a time window may have: memory stays small and eviction bounded. */
const MAX_TIME_BUCKETS = 3_600;
/** Most calls a count window may hold (one byte each). */
const MAX_COUNT_WINDOW = 1_000_000;

// Resolved configs are shared by every breaker built from the same input object (and the same
// base): the cost of a breaker is its state, not a copy of its configuration.
const caches = new WeakMap<ResolvedBreakerConfig, WeakMap<object, ResolvedBreakerConfig>>();
const resolvedConfigs = new WeakSet<object>();

type Issues = ConfigIssue[];

function isInt(v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

function isPositive(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0;
}

function checkWindow(w: WindowConfig | undefined, issues: Issues): void {
  const path = 'trip.rate.window';
  if (w === undefined) {
    issues.push({ path, message: 'is required' });
  } else if (w.type === 'count') {
    if (!isInt(w.size, 1, MAX_COUNT_WINDOW))
      issues.push({ path: `${path}.size`, message: `must be an integer 1..${MAX_COUNT_WINDOW}` });
  } else if ((w as { type: unknown }).type === 'time') {
    if (!isPositive(w.sizeMs))
      issues.push({ path: `${path}.sizeMs`, message: 'must be a positive number of ms' });
    if (!isInt(w.buckets, 1, MAX_TIME_BUCKETS))
      issues.push({
        path: `${path}.buckets`,
        message: `must be an integer 1..${MAX_TIME_BUCKETS}`,
      });
  } else {
    issues.push({ path: `${path}.type`, message: "must be 'count' or 'time'" });
  }
}

function checkRate(
  rate: RateTripConfig,
  slowCallMs: number | undefined,
  issues: Issues,
): RateTripConfig {
  checkWindow(rate.window, issues);
  if (!isInt(rate.minCalls, 1))
    issues.push({ path: 'trip.rate.minCalls', message: 'must be an integer >= 1' });
  const inUnit = (v: unknown): boolean => typeof v === 'number' && v > 0 && v <= 1;
  if (!inUnit(rate.failureRate))
    issues.push({ path: 'trip.rate.failureRate', message: 'must be in (0, 1]' });
  if (rate.slowRate !== undefined) {
    if (!inUnit(rate.slowRate))
      issues.push({ path: 'trip.rate.slowRate', message: 'must be in (0, 1]' });
    if (slowCallMs === undefined)
      issues.push({ path: 'trip.rate.slowRate', message: 'needs slowCallMs' });
  }
  return rate;
}

function numberOr(
  value: number | undefined,
  fallback: number,
  path: string,
  issues: Issues,
  valid: (v: number) => boolean,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !valid(value)) issues.push({ path, message: 'is out of range' });
  return value;
}

/**
 * Validates `config`, fills in defaults from `base` (or {@link BREAKER_DEFAULTS}) and freezes the
 * result. The same input object always yields the same resolved object, so breakers share it.
 *
 * @throws {ConfigError} listing every invalid field with its path.
 */
export function resolveBreakerConfig(
  config: CircuitBreakerConfig = {},
  base?: ResolvedBreakerConfig,
): ResolvedBreakerConfig {
  if (resolvedConfigs.has(config)) return config as ResolvedBreakerConfig;
  const b = base ?? defaultsResolved();
  let cache = caches.get(b);
  if (cache === undefined) {
    cache = new WeakMap();
    caches.set(b, cache);
  }
  const hit = cache.get(config);
  if (hit !== undefined) return hit;
  const issues: Issues = [];
  const fin = (v: number): boolean => Number.isFinite(v);
  const slowCallMs = numberOr(config.slowCallMs, b.slowCallMs, 'slowCallMs', issues, (v) => v > 0);
  const trip = config.trip;
  let consecutive = b.consecutive;
  let rate = b.rate;
  if (trip !== undefined) {
    consecutive = numberOr(trip.consecutive, Infinity, 'trip.consecutive', issues, (v) =>
      isInt(v, 1),
    );
    rate = trip.rate === undefined ? null : normaliseRate(trip.rate, config.slowCallMs, issues);
  }
  const openMs = numberOr(config.openMs, b.openMs, 'openMs', issues, (v) => fin(v) && v >= 0);
  const resolved: ResolvedBreakerConfig = Object.freeze({
    consecutive,
    rate,
    slowCallMs,
    openMs,
    backoffMultiplier: numberOr(
      config.backoffMultiplier,
      b.backoffMultiplier,
      'backoffMultiplier',
      issues,
      (v) => fin(v) && v >= 1,
    ),
    maxOpenMs: numberOr(config.maxOpenMs, b.maxOpenMs, 'maxOpenMs', issues, (v) => fin(v)),
    jitterRatio: numberOr(
      config.jitterRatio,
      b.jitterRatio,
      'jitterRatio',
      issues,
      (v) => v >= 0 && v <= 1,
    ),
    tripOnRetryAfter: config.tripOnRetryAfter ?? b.tripOnRetryAfter,
    probes: numberOr(config.halfOpen?.probes, b.probes, 'halfOpen.probes', issues, (v) =>
      isInt(v, 1),
    ),
    probeSuccesses: numberOr(
      config.halfOpen?.successes,
      b.probeSuccesses,
      'halfOpen.successes',
      issues,
      (v) => isInt(v, 1),
    ),
    permitTimeoutMs: numberOr(
      config.halfOpen?.permitTimeoutMs,
      b.permitTimeoutMs,
      'halfOpen.permitTimeoutMs',
      issues,
      isPositive,
    ),
    successNeedsClock: Number.isFinite(slowCallMs) || rate !== null,
  });
  if (resolved.maxOpenMs < resolved.openMs)
    issues.push({ path: 'maxOpenMs', message: 'must be >= openMs' });
  if (issues.length > 0) throw new ConfigError(issues);
  cache.set(config, resolved);
  resolvedConfigs.add(resolved);
  return resolved;
}

function normaliseRate(
  rate: RateTripConfig,
  slowCallMs: number | undefined,
  issues: Issues,
): Readonly<Required<RateTripConfig>> {
  checkRate(rate, slowCallMs, issues);
  const window: WindowConfig = Object.freeze({ ...rate.window });
  return Object.freeze({
    window,
    minCalls: rate.minCalls,
    failureRate: rate.failureRate,
    // 2 is unreachable (a rate is at most 1): no slow-rate trip.
    slowRate: rate.slowRate ?? 2,
  });
}

let defaults: ResolvedBreakerConfig | undefined;

/** The shared default configuration (5 consecutive failures, 30 s open, 1 probe, 2 successes). */
export function defaultsResolved(): ResolvedBreakerConfig {
  defaults ??= Object.freeze({
    consecutive: BREAKER_DEFAULTS.consecutive,
    rate: null,
    slowCallMs: Infinity,
    openMs: BREAKER_DEFAULTS.openMs,
    backoffMultiplier: BREAKER_DEFAULTS.backoffMultiplier,
    maxOpenMs: BREAKER_DEFAULTS.maxOpenMs,
    jitterRatio: BREAKER_DEFAULTS.jitterRatio,
    tripOnRetryAfter: BREAKER_DEFAULTS.tripOnRetryAfter,
    probes: BREAKER_DEFAULTS.probes,
    probeSuccesses: BREAKER_DEFAULTS.probeSuccesses,
    permitTimeoutMs: BREAKER_DEFAULTS.permitTimeoutMs,
    successNeedsClock: false,
  });
  resolvedConfigs.add(defaults);
  return defaults;
}
