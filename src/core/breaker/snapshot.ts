/**
 * Breaker state ↔ plain JSON. Monotonic times become wall-clock epoch ms on the way out and come
 * back through the restoring clock, so a snapshot survives a restart or a move to another replica.
 */
import { ConfigError } from '../errors.js';
import { retryAfterMsAt } from './transitions.js';
import type {
  BreakerSnapshot,
  BreakerState,
  BreakerStateName,
  ResolvedBreakerConfig,
  WindowStats,
} from './state.js';
import { createWindow } from './windows/window.js';

/** The two readings of one instant: the clock's monotonic ms and wall-clock epoch ms. */
export interface ClockReading {
  readonly nowMs: number;
  readonly epochMs: number;
}

/** Every state a breaker can be in, in the order dashboards and metrics list them. */
export const BREAKER_STATES: readonly BreakerStateName[] = [
  'closed',
  'open',
  'half-open',
  'forced-open',
  'disabled',
  'metrics-only',
];

function windowStats(state: BreakerState, config: ResolvedBreakerConfig, nowMs: number) {
  if (config.rate === null) return null;
  const w = state.window;
  if (w === null) return { calls: 0, failures: 0, slowCalls: 0, failureRate: 0, slowRate: 0 };
  w.advance(nowMs);
  const stats: WindowStats = {
    calls: w.calls,
    failures: w.failures,
    slowCalls: w.slowCalls,
    failureRate: w.calls === 0 ? 0 : w.failures / w.calls,
    slowRate: w.calls === 0 ? 0 : w.slowCalls / w.calls,
  };
  return stats;
}

function nextProbeAtMs(state: BreakerState, config: ResolvedBreakerConfig, nowMs: number) {
  if (state.state === 'open') return state.openUntilMs;
  if (state.state === 'half-open') return nowMs + retryAfterMsAt(state, config, nowMs);
  return null;
}

/** Builds the JSON snapshot of `state` at `at`. Evicts aged-out window buckets (invisible). */
export function toSnapshot(
  state: BreakerState,
  config: ResolvedBreakerConfig,
  name: string,
  at: ClockReading,
): BreakerSnapshot {
  const { nowMs, epochMs } = at;
  const toEpoch = (ms: number): number => ms - nowMs + epochMs;
  const nextProbe = nextProbeAtMs(state, config, nowMs);
  const isOpen = state.state === 'open';
  const halfOpen = state.state === 'half-open' ? state.halfOpen : null;
  const shadow = state.state === 'metrics-only' ? state.shadow : null;
  return {
    version: 1,
    name,
    atEpochMs: epochMs,
    state: state.state,
    generation: state.generation,
    consecutiveFailures: state.consecutiveFailures,
    consecutiveOpens: state.consecutiveOpens,
    openUntilEpochMs: isOpen ? toEpoch(state.openUntilMs) : null,
    nextProbeAtEpochMs: nextProbe === null ? null : toEpoch(nextProbe),
    retryAfterMs: retryAfterMsAt(state, config, nowMs),
    retryAfterUntilEpochMs:
      state.retryAfterUntilMs > nowMs ? toEpoch(state.retryAfterUntilMs) : null,
    window: windowStats(state, config, nowMs),
    windowData: state.window === null ? null : state.window.exportData(nowMs),
    totals: {
      calls: state.totalCalls,
      successes: state.totalSuccesses,
      failures: state.totalFailures,
      rejections: state.totalRejections,
      neutral: state.totalNeutral,
      stale: state.totalStale,
      expiredProbes: state.totalExpiredProbes,
    },
    halfOpen:
      halfOpen === null
        ? null
        : {
            probesOut: halfOpen.probes.length,
            successes: halfOpen.successes,
            probeSeq: halfOpen.seq,
            probes: halfOpen.probes.map((p) => ({
              id: p.id,
              expiresAtEpochMs: toEpoch(p.expiresAtMs),
            })),
          },
    wouldTrip:
      shadow === null
        ? null
        : {
            count: shadow.wouldTripCount,
            lastReason: shadow.lastReason,
            lastAtEpochMs: shadow.lastReason === null ? null : toEpoch(shadow.lastAtMs),
            openUntilEpochMs: shadow.openUntilMs > nowMs ? toEpoch(shadow.openUntilMs) : null,
            rejections: shadow.wouldRejectCount,
          },
  };
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/**
 * Loads `snapshot` into a fresh `state` (from `createBreakerState()`).
 *
 * @throws {ConfigError} when the snapshot is not a version-1 breaker snapshot.
 */
export function restoreState(
  state: BreakerState,
  config: ResolvedBreakerConfig,
  snapshot: BreakerSnapshot,
  at: ClockReading,
): void {
  // A snapshot is read from disk or Redis: check what the transitions rely on.
  if (
    (snapshot.version as unknown) !== 1 ||
    !BREAKER_STATES.includes(snapshot.state) ||
    !isCount(snapshot.generation)
  ) {
    throw new ConfigError([{ path: 'snapshot', message: 'is not a version 1 breaker snapshot' }]);
  }
  const toMono = (epoch: number): number => epoch - at.epochMs + at.nowMs;
  state.state = snapshot.state;
  state.generation = snapshot.generation;
  state.consecutiveFailures = snapshot.consecutiveFailures;
  state.consecutiveOpens = snapshot.consecutiveOpens;
  state.openUntilMs = snapshot.openUntilEpochMs === null ? 0 : toMono(snapshot.openUntilEpochMs);
  state.retryAfterUntilMs =
    snapshot.retryAfterUntilEpochMs === null ? -Infinity : toMono(snapshot.retryAfterUntilEpochMs);
  const t = snapshot.totals;
  state.totalCalls = t.calls;
  state.totalSuccesses = t.successes;
  state.totalFailures = t.failures;
  state.totalRejections = t.rejections;
  state.totalNeutral = t.neutral;
  state.totalStale = t.stale;
  state.totalExpiredProbes = t.expiredProbes;
  if (snapshot.state === 'half-open') {
    const h = snapshot.halfOpen ?? { probes: [], successes: 0, probeSeq: 0 };
    state.halfOpen = {
      // Probes out when the snapshot was taken keep their slots until they expire: their callers
      // may still be running (and may still record here), so the probe limit holds across restore.
      probes: h.probes.map((p) => ({ id: p.id, expiresAtMs: toMono(p.expiresAtEpochMs) })),
      successes: h.successes,
      seq: h.probeSeq,
    };
  }
  const w = snapshot.wouldTrip;
  if (snapshot.state === 'metrics-only' && w !== null) {
    state.shadow = {
      wouldTripCount: w.count,
      lastReason: w.lastReason,
      lastAtMs: w.lastAtEpochMs === null ? 0 : toMono(w.lastAtEpochMs),
      openUntilMs: w.openUntilEpochMs === null ? 0 : toMono(w.openUntilEpochMs),
      wouldRejectCount: w.rejections,
    };
  }
  if (config.rate !== null && snapshot.windowData !== null) {
    const window = createWindow(config.rate.window);
    window.importData(snapshot.windowData, at.nowMs, at.epochMs - snapshot.atEpochMs);
    state.window = window;
  }
}
