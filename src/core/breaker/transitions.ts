/**
 * The breaker's transition table as pure functions of `(state, config, event, nowMs)`. They read no
 * clock, emit nothing and draw randomness only from the event, so a Redis Lua script can run the
 * same table with `now` and a random number in ARGV. They update the `state` record they are given
 * in place (as a script updates its hash) and return the transition that happened, if any: on the
 * hot path nothing is allocated unless the state changes.
 */
import type { FailureOutcome, Outcome } from '../outcome.js';
import { FLAG_FAILURE, FLAG_SLOW, FORCED_OPEN_RETRY_AFTER_MS } from './state.js';
import type {
  BreakerState,
  BreakerStateName,
  HalfOpenState,
  PermitStamp,
  ResolvedBreakerConfig,
  Transition,
  TransitionReason,
} from './state.js';
import { createWindow } from './windows/window.js';

/** `record()` input. */
export interface RecordEvent {
  readonly permit: PermitStamp;
  readonly outcome: Outcome;
  /** Uniform in [0, 1); called only when the breaker opens (jitter). */
  readonly random: () => number;
}

/** States an operator can put a breaker in; `closed` is `reset()`. */
export type OperatorTarget = 'closed' | 'forced-open' | 'disabled' | 'metrics-only';

const OPERATOR_REASONS = {
  closed: 'reset',
  'forced-open': 'forced',
  disabled: 'disabled',
  'metrics-only': 'metrics_only',
} as const satisfies Record<OperatorTarget, TransitionReason>;

/** A fresh closed breaker at generation 0. */
export function createBreakerState(): BreakerState {
  return {
    state: 'closed',
    generation: 0,
    consecutiveFailures: 0,
    consecutiveOpens: 0,
    openUntilMs: 0,
    retryAfterUntilMs: -Infinity,
    halfOpen: null,
    shadow: null,
    window: null,
    totalCalls: 0,
    totalSuccesses: 0,
    totalFailures: 0,
    totalRejections: 0,
    totalNeutral: 0,
    totalStale: 0,
    totalExpiredProbes: 0,
  };
}

/**
 * The open period after the `consecutiveOpens`-th open since the breaker last closed:
 * `min(openMs × backoffMultiplier^(consecutiveOpens − 1), maxOpenMs) × (1 + jitterRatio × randomUnit)`.
 * Jitter is upward only, so the breaker is never open for less than the configured base.
 */
export function openDurationMs(
  config: ResolvedBreakerConfig,
  consecutiveOpens: number,
  randomUnit: number,
): number {
  const grown = config.openMs * config.backoffMultiplier ** Math.max(0, consecutiveOpens - 1);
  return Math.min(grown, config.maxOpenMs) * (1 + config.jitterRatio * randomUnit);
}

function enter(state: BreakerState, to: BreakerStateName, reason: TransitionReason): Transition {
  const from = state.state;
  state.state = to;
  // Every transition starts a new generation: permits handed out before it change nothing after.
  state.generation++;
  state.halfOpen = to === 'half-open' ? { probes: [], successes: 0, seq: 0 } : null;
  state.shadow =
    to === 'metrics-only'
      ? { wouldTripCount: 0, lastReason: null, lastAtMs: 0, openUntilMs: 0, wouldRejectCount: 0 }
      : null;
  state.openUntilMs = 0;
  return { from, to, reason, shadow: false };
}

function open(
  state: BreakerState,
  config: ResolvedBreakerConfig,
  reason: TransitionReason,
  nowMs: number,
  random: () => number,
): Transition {
  const t = enter(state, 'open', reason);
  state.consecutiveOpens++;
  state.consecutiveFailures = 0;
  state.window?.reset();
  const backoffUntilMs = nowMs + openDurationMs(config, state.consecutiveOpens, random());
  // Never shorter than a Retry-After the upstream gave us (LiteLLM #40130).
  state.openUntilMs = Math.max(backoffUntilMs, state.retryAfterUntilMs);
  return t;
}

function close(state: BreakerState, reason: TransitionReason): Transition {
  const t = enter(state, 'closed', reason);
  state.consecutiveFailures = 0;
  state.consecutiveOpens = 0;
  state.window?.reset();
  return t;
}

/**
 * The lazy, time-driven part of the table, run before admission (there are no timers): an open
 * breaker whose deadline has passed moves to half-open; a half-open breaker reclaims probe slots
 * whose permits were never recorded within `permitTimeoutMs`.
 */
export function advanceTime(
  state: BreakerState,
  _config: ResolvedBreakerConfig,
  nowMs: number,
): Transition | null {
  if (state.state === 'open') {
    if (nowMs < state.openUntilMs) return null;
    return enter(state, 'half-open', 'open_elapsed');
  }
  if (state.state === 'half-open') reclaimExpiredProbes(state, nowMs);
  return null;
}

function reclaimExpiredProbes(state: BreakerState, nowMs: number): void {
  const probes = state.halfOpen?.probes;
  if (probes === undefined || probes.length === 0) return;
  let kept = 0;
  for (const probe of probes) {
    if (probe.expiresAtMs > nowMs) probes[kept++] = probe;
    else state.totalExpiredProbes++;
  }
  probes.length = kept;
}

/**
 * Admission. Returns the probe id (> 0) of a half-open probe, 0 for an ordinary permit, or -1 when
 * the call is rejected (and counts the rejection). Run {@link advanceTime} first.
 */
export function takePermit(
  state: BreakerState,
  config: ResolvedBreakerConfig,
  nowMs: number,
): number {
  switch (state.state) {
    case 'closed':
    case 'disabled':
      return 0;
    case 'metrics-only': {
      const shadow = state.shadow;
      if (shadow !== null && nowMs < shadow.openUntilMs) shadow.wouldRejectCount++;
      return 0;
    }
    case 'half-open': {
      const halfOpen = (state.halfOpen ??= { probes: [], successes: 0, seq: 0 });
      // Exactly `probes` permits out however many callers race: admission is synchronous, and the
      // rest are rejected at once rather than queued behind a probe that may take a minute.
      if (halfOpen.probes.length < config.probes) {
        const id = ++halfOpen.seq;
        halfOpen.probes.push({ id, expiresAtMs: nowMs + config.permitTimeoutMs });
        return id;
      }
      state.totalRejections++;
      return -1;
    }
    case 'open':
    case 'forced-open':
      state.totalRejections++;
      return -1;
  }
}

/**
 * Ms until a call may be admitted: the time left while open; while half-open with every probe out,
 * the time until the oldest probe permit expires; {@link FORCED_OPEN_RETRY_AFTER_MS} when forced
 * open; 0 otherwise.
 */
export function retryAfterMsAt(
  state: BreakerState,
  config: ResolvedBreakerConfig,
  nowMs: number,
): number {
  switch (state.state) {
    case 'open':
      return Math.max(0, state.openUntilMs - nowMs);
    case 'forced-open':
      return FORCED_OPEN_RETRY_AFTER_MS;
    case 'half-open': {
      const probes = state.halfOpen?.probes;
      if (probes === undefined || probes.length < config.probes) return 0;
      let earliest = Infinity;
      for (const p of probes) earliest = Math.min(earliest, p.expiresAtMs);
      return Math.max(0, earliest - nowMs);
    }
    case 'closed':
    case 'disabled':
    case 'metrics-only':
      return 0;
  }
}

/** Counts one outcome. Returns its window flags, or -1 for a neutral outcome. */
function count(
  state: BreakerState,
  config: ResolvedBreakerConfig,
  permit: PermitStamp,
  outcome: Outcome,
  nowMs: number,
): number {
  if (outcome.type === 'neutral') {
    state.totalNeutral++;
    return -1;
  }
  let flags = 0;
  if (outcome.type === 'failure') {
    flags = FLAG_FAILURE;
    state.totalFailures++;
    state.consecutiveFailures++;
  } else {
    state.totalSuccesses++;
    state.consecutiveFailures = 0;
  }
  state.totalCalls++;
  if (config.slowCallMs !== Infinity) {
    const durationMs = outcome.durationMs ?? nowMs - permit.acquiredAtMs;
    if (durationMs > config.slowCallMs) flags |= FLAG_SLOW;
  }
  if (config.rate !== null) (state.window ??= createWindow(config.rate.window)).add(flags, nowMs);
  return flags;
}

/** Raises the Retry-After floor (never lowers it). True when the failure carried one. */
function noteRetryAfter(state: BreakerState, outcome: FailureOutcome, nowMs: number): boolean {
  const retryAfterMs = outcome.retryAfterMs;
  if (retryAfterMs === undefined || !(retryAfterMs >= 0) || retryAfterMs === Infinity) return false;
  state.retryAfterUntilMs = Math.max(state.retryAfterUntilMs, nowMs + retryAfterMs);
  return true;
}

/** Which trip policy fires now, if any. Rate comparisons are `>=` the threshold. */
function tripReason(
  state: BreakerState,
  config: ResolvedBreakerConfig,
  hadRetryAfter: boolean,
): TransitionReason | null {
  if (hadRetryAfter && config.tripOnRetryAfter) return 'retry_after';
  if (state.consecutiveFailures >= config.consecutive) return 'consecutive_failures';
  const rate = config.rate;
  const w = state.window;
  if (rate !== null && w !== null && w.calls >= rate.minCalls) {
    // Both rates are > 0 (config.ts), so a window with no failures (or no slow calls) cannot reach
    // one: a run of successes skips the divisions.
    if (w.failures !== 0 && w.failures / w.calls >= rate.failureRate) return 'failure_rate';
    if (w.slowCalls !== 0 && w.slowCalls / w.calls >= rate.slowRate) return 'slow_rate';
  }
  return null;
}

/**
 * Records how a permitted call ended. A permit from an older generation changes nothing (a late
 * success from before a trip must not close a half-open breaker), except that it frees its probe
 * slot and that a Retry-After it carries may lengthen — never shorten — an open period.
 */
export function recordOutcome(
  state: BreakerState,
  config: ResolvedBreakerConfig,
  event: RecordEvent,
  nowMs: number,
): Transition | null {
  return recordCall(state, config, event.permit, event.outcome, event.random, nowMs);
}

/**
 * {@link recordOutcome} with the event's fields as arguments: what `CircuitBreaker.record` calls,
 * so the hot path builds no event object.
 */
export function recordCall(
  state: BreakerState,
  config: ResolvedBreakerConfig,
  permit: PermitStamp,
  outcome: Outcome,
  random: () => number,
  nowMs: number,
): Transition | null {
  if (permit.generation !== state.generation) {
    recordStale(state, outcome, nowMs);
    return null;
  }
  switch (state.state) {
    case 'closed': {
      const flags = count(state, config, permit, outcome, nowMs);
      if (flags < 0) return null;
      const reason = tripReason(state, config, hasRetryAfter(state, outcome, nowMs));
      return reason === null ? null : open(state, config, reason, nowMs, random);
    }
    case 'half-open':
      return recordProbe(state, config, permit, outcome, random, nowMs);
    case 'disabled':
      if (count(state, config, permit, outcome, nowMs) >= 0) hasRetryAfter(state, outcome, nowMs);
      return null;
    case 'metrics-only':
      return recordShadow(state, config, permit, outcome, random, nowMs);
    case 'open':
    case 'forced-open':
      // Entering these states bumps the generation, so no current permit can belong to them.
      recordStale(state, outcome, nowMs);
      return null;
  }
}

function hasRetryAfter(state: BreakerState, outcome: Outcome, nowMs: number): boolean {
  return outcome.type === 'failure' && noteRetryAfter(state, outcome, nowMs);
}

// A stale probe needs no slot freed: every generation bump drops the half-open slots with it.
function recordStale(state: BreakerState, outcome: Outcome, nowMs: number): void {
  state.totalStale++;
  if (hasRetryAfter(state, outcome, nowMs) && state.state === 'open') {
    state.openUntilMs = Math.max(state.openUntilMs, state.retryAfterUntilMs);
  }
}

function releaseProbe(state: BreakerState, probeId: number): boolean {
  const probes = state.halfOpen?.probes;
  if (probes === undefined) return false;
  const i = probes.findIndex((p) => p.id === probeId);
  if (i < 0) return false;
  probes.splice(i, 1);
  return true;
}

function recordProbe(
  state: BreakerState,
  config: ResolvedBreakerConfig,
  permit: PermitStamp,
  outcome: Outcome,
  random: () => number,
  nowMs: number,
): Transition | null {
  // A probe whose slot was reclaimed (it expired) is as stale as one from an older generation.
  if (!releaseProbe(state, permit.probeId)) {
    state.totalStale++;
    return null;
  }
  const flags = count(state, config, permit, outcome, nowMs);
  if (flags < 0) return null;
  hasRetryAfter(state, outcome, nowMs);
  const slowCounts = config.rate !== null && config.rate.slowRate <= 1;
  if ((flags & FLAG_FAILURE) !== 0 || (slowCounts && (flags & FLAG_SLOW) !== 0)) {
    return open(state, config, 'probe_failed', nowMs, random);
  }
  const halfOpen = state.halfOpen as HalfOpenState; // releaseProbe found a slot in it
  halfOpen.successes++;
  return halfOpen.successes >= config.probeSuccesses ? close(state, 'probe_succeeded') : null;
}

/** metrics-only: count, and evaluate the trip policies on a shadow that never rejects. */
function recordShadow(
  state: BreakerState,
  config: ResolvedBreakerConfig,
  permit: PermitStamp,
  outcome: Outcome,
  random: () => number,
  nowMs: number,
): Transition | null {
  const shadow = (state.shadow ??= {
    wouldTripCount: 0,
    lastReason: null,
    lastAtMs: 0,
    openUntilMs: 0,
    wouldRejectCount: 0,
  });
  if (shadow.openUntilMs !== 0 && nowMs >= shadow.openUntilMs) {
    // The shadow's open period is over: evaluate afresh, as a re-closed breaker would.
    shadow.openUntilMs = 0;
    state.consecutiveFailures = 0;
    state.window?.reset();
  }
  if (count(state, config, permit, outcome, nowMs) < 0) return null;
  const reason = tripReason(state, config, hasRetryAfter(state, outcome, nowMs));
  // While the shadow would be open, the real breaker would have rejected these calls.
  if (reason === null || shadow.openUntilMs !== 0) return null;
  shadow.wouldTripCount++;
  shadow.lastReason = reason;
  shadow.lastAtMs = nowMs;
  const backoffUntilMs = nowMs + openDurationMs(config, 1, random());
  // `nowMs + 1`: a zero `openMs` must still mark the shadow open (0 means "not open").
  shadow.openUntilMs = Math.max(backoffUntilMs, state.retryAfterUntilMs, nowMs + 1);
  return { from: 'metrics-only', to: 'open', reason, shadow: true };
}

/** An operator command: `forceOpen()`, `disable()`, `metricsOnly()` or `reset()` (to closed). */
export function applyOperator(state: BreakerState, target: OperatorTarget): Transition {
  const t = enter(state, target, OPERATOR_REASONS[target]);
  if (target === 'closed') {
    state.consecutiveFailures = 0;
    state.consecutiveOpens = 0;
    state.retryAfterUntilMs = -Infinity;
    state.window?.reset();
  }
  return t;
}

/** A state decided elsewhere (another replica of a fleet) that this breaker takes over. */
export interface AdoptedState {
  /** `half-open` means: this breaker may send the probes. */
  readonly state: BreakerStateName;
  readonly reason: TransitionReason;
  /** While `open`: monotonic ms (this breaker's clock) when admission may be asked for again. */
  readonly openUntilMs: number;
  /** Opens since the fleet's breaker last closed (drives the next backoff). */
  readonly consecutiveOpens: number;
}

/**
 * Takes over a state decided elsewhere: the breaker enters it as if it had decided it (a new
 * generation, so permits handed out before change nothing). Returns null when the breaker is
 * already there: an `open` whose deadline is already at least as late, or the same other state.
 */
export function adoptState(state: BreakerState, target: AdoptedState): Transition | null {
  if (state.state === target.state) {
    if (target.state !== 'open') return null;
    if (state.openUntilMs >= target.openUntilMs) return null;
    state.openUntilMs = target.openUntilMs;
    state.consecutiveOpens = Math.max(state.consecutiveOpens, target.consecutiveOpens);
    return null;
  }
  const t = enter(state, target.state, target.reason);
  state.consecutiveFailures = 0;
  state.consecutiveOpens = target.consecutiveOpens;
  if (target.state === 'open') state.openUntilMs = target.openUntilMs;
  if (target.state === 'closed') {
    state.consecutiveOpens = 0;
    state.retryAfterUntilMs = -Infinity;
  }
  if (target.state !== 'metrics-only') state.window?.reset();
  return t;
}
