import { systemClock } from '../clock.js';
import type { Clock } from '../clock.js';
import { BreakerOpenError, CancelledError, withoutStack } from '../errors.js';
import { Emitter } from '../events.js';
import type { Disposable, ListenerErrorHandler } from '../events.js';
import { SUCCESS } from '../outcome.js';
import type { Outcome } from '../outcome.js';
import type { ExecuteOptions, Policy, PolicyContext } from '../policy/policy.js';
import { GENERIC_FAILURE, classifyError } from './classify.js';
import type { ErrorClassifier } from './classify.js';
import { defaultsResolved, resolveBreakerConfig } from './config.js';
import { restoreState, toSnapshot } from './snapshot.js';
import type {
  AcquireResult,
  BreakerSnapshot,
  BreakerState,
  BreakerStateName,
  CircuitBreakerConfig,
  Permit,
  Rejection,
  RejectionEvent,
  ResolvedBreakerConfig,
  Transition,
  TransitionEvent,
  WouldTripEvent,
} from './state.js';
import { FORCED_OPEN_RETRY_AFTER_MS } from './state.js';
import {
  adoptState,
  advanceTime,
  applyOperator,
  createBreakerState,
  recordCall,
  retryAfterMsAt,
  takePermit,
} from './transitions.js';
import type { AdoptedState, OperatorTarget } from './transitions.js';

/** Where a breaker's events go. A {@link BreakerRegistry} shares one sink across its breakers. */
export interface BreakerEventSink {
  readonly transitions: Emitter<TransitionEvent>;
  readonly rejections: Emitter<RejectionEvent>;
  readonly wouldTrips: Emitter<WouldTripEvent>;
}

/** What a {@link CircuitBreaker} is built with besides its configuration. */
export interface CircuitBreakerDeps {
  /** @default systemClock */
  readonly clock?: Clock;
  /** Uniform in [0, 1), for jitter. @default Math.random */
  readonly random?: () => number;
  /** Shown in events and errors (the deployment id). @default '' */
  readonly name?: string;
  /** Default error classifier of `execute()`. @default {@link classifyError} */
  readonly classify?: ErrorClassifier;
  /** Default result check of `execute()`: true counts the result as a failure. */
  readonly isResultFailure?: (result: unknown) => boolean;
  /** Also deliver every event here (how a registry forwards its members' events). */
  readonly sink?: BreakerEventSink;
  /** Receives errors thrown by listeners. */
  readonly onListenerError?: ListenerErrorHandler;
}

/** Options of {@link CircuitBreaker.execute}. */
export interface BreakerExecuteOptions<T> extends ExecuteOptions {
  /**
   * When the breaker refuses the call, resolve to this instead of rejecting with
   * `BreakerOpenError`: no error, no stack, no rejected promise on the fast-fail path.
   */
  readonly fallback?: (rejection: Rejection) => T | Promise<T>;
  /** Overrides the breaker's error classifier for this call. */
  readonly classify?: ErrorClassifier;
  /** True counts a returned value as a failure (kind `'error'`). */
  readonly isResultFailure?: (result: T) => boolean;
}

class BreakerPermit implements Permit {
  readonly admitted = true as const;
  readonly generation: number;
  readonly acquiredAtMs: number;
  readonly probeId: number;
  readonly isProbe: boolean;
  constructor(generation: number, acquiredAtMs: number, probeId: number) {
    this.generation = generation;
    this.acquiredAtMs = acquiredAtMs;
    this.probeId = probeId;
    this.isProbe = probeId > 0;
  }
}

class BreakerRejection implements Rejection {
  readonly admitted = false as const;
  readonly retryAfterMs: number;
  readonly state: BreakerStateName;
  constructor(retryAfterMs: number, state: BreakerStateName) {
    this.retryAfterMs = retryAfterMs;
    this.state = state;
  }
}

/**
 * The permits of closed breakers that need no time (the hot path), one per generation below
 * {@link CACHED_GENERATIONS}, shared by every breaker: such a permit says nothing but its
 * generation, so `acquire()` need not allocate one per call. Higher generations (a breaker that
 * has flapped hundreds of times) get a fresh permit each call.
 */
const CLOSED_PERMITS: BreakerPermit[] = [];
const CACHED_GENERATIONS = 256;

function closedPermit(generation: number): BreakerPermit {
  if (generation >= CACHED_GENERATIONS) return new BreakerPermit(generation, NaN, 0);
  return (CLOSED_PERMITS[generation] ??= new BreakerPermit(generation, NaN, 0));
}

// Shared by every call made without a caller signal: nobody holds its controller, so it never aborts.
const NEVER_ABORTED: AbortSignal = new AbortController().signal;
const NO_DEPS: CircuitBreakerDeps = Object.freeze({});
const NO_CONTEXT: PolicyContext = Object.freeze({ signal: NEVER_ABORTED, deadlineMs: undefined });

/**
 * A permit-based circuit breaker (docs/core.md, "Circuit breaker"). `acquire()` hands out a permit or a
 * rejection, `record(permit, outcome)` reports how the call ended; `execute()` does both around a
 * function and composes with the other policies. No timers: an open breaker moves to half-open on
 * the first `acquire()` at or after its deadline, so `state` may read `open` until then.
 *
 * @example
 * const breaker = new CircuitBreaker({ openMs: 10_000 }, { name: 'openai/gpt-4.1' });
 * const reply = await breaker.execute((signal) => client.chat(req, { signal }));
 */
export class CircuitBreaker implements Policy {
  /** The breaker's name (the deployment id). */
  readonly name: string;
  readonly #config: ResolvedBreakerConfig;
  readonly #state: BreakerState = createBreakerState();
  readonly #clock: Clock;
  // Kept as given (clock, random, classifiers, sink), so a registry's members can share one deps
  // object and an idle breaker stays small.
  readonly #deps: CircuitBreakerDeps;
  #own: BreakerEventSink | null = null;
  /**
   * Monotonic ms of the last use; NaN after an `acquire()` that skipped the clock, which
   * {@link lastUsedMs} turns into a time (one field rather than a time and a flag).
   */
  #lastUsedMs: number;

  /**
   * @param config trip, open and half-open settings; defaults: 5 consecutive failures, open
   *   30 s (doubling per re-open up to 5 min, +0-10% jitter), 1 probe, 2 successes to close.
   * @throws {ConfigError} when `config` is invalid.
   */
  constructor(config?: CircuitBreakerConfig, deps: CircuitBreakerDeps = NO_DEPS) {
    this.#config = config === undefined ? defaultsResolved() : resolveBreakerConfig(config);
    this.#clock = deps.clock ?? systemClock;
    this.name = deps.name ?? '';
    this.#deps = deps;
    this.#lastUsedMs = this.#clock.now();
  }

  /**
   * Rebuilds a breaker from {@link snapshot} output; times go through this breaker's clock.
   * @throws {ConfigError} when the snapshot or the config is invalid.
   */
  static fromSnapshot(
    snapshot: BreakerSnapshot,
    config?: CircuitBreakerConfig,
    deps: CircuitBreakerDeps = NO_DEPS,
  ): CircuitBreaker {
    const breaker = new CircuitBreaker(config, { name: snapshot.name, ...deps });
    restoreState(breaker.#state, breaker.#config, snapshot, breaker.#reading());
    return breaker;
  }

  /** The current state (lazy: `open` until the first `acquire()` after the deadline). */
  get state(): BreakerStateName {
    return this.#state.state;
  }

  /** Bumped by every transition. */
  get generation(): number {
    return this.#state.generation;
  }

  /** The validated, frozen configuration (shared with breakers built from the same config). */
  get config(): ResolvedBreakerConfig {
    return this.#config;
  }

  /**
   * Monotonic ms of the last `acquire()` (or of construction). A closed breaker that needs no
   * time for its calls does not read the clock per call; a use since the previous read is then
   * reported as now, so an idle sweep may evict a breaker late, never early.
   */
  get lastUsedMs(): number {
    if (Number.isNaN(this.#lastUsedMs)) this.#lastUsedMs = this.#clock.now();
    return this.#lastUsedMs;
  }

  /**
   * Asks to make one call. Returns a {@link Permit} (`admitted: true`) to pass to {@link record},
   * or a {@link Rejection} (`admitted: false`) with `retryAfterMs`. Never throws, never waits.
   */
  acquire(): AcquireResult {
    const state = this.#state;
    // The hot path: a clock read costs ~45 ns, about half of the success path, and a closed
    // breaker needs the time of a permit only to time it against `slowCallMs` (a rate window
    // takes the time once, when the call is recorded).
    if (state.state === 'closed' && this.#config.slowCallMs === Infinity) {
      this.#lastUsedMs = NaN;
      return closedPermit(state.generation);
    }
    // Forced open rejects whatever the time: no clock read (an event, if anyone listens, reads it).
    if (state.state === 'forced-open') {
      this.#lastUsedMs = NaN;
      state.totalRejections++;
      this.#emitRejection(FORCED_OPEN_RETRY_AFTER_MS, NaN);
      return new BreakerRejection(FORCED_OPEN_RETRY_AFTER_MS, 'forced-open');
    }
    const nowMs = this.#clock.now();
    this.#lastUsedMs = nowMs;
    // The fast-fail path: open and not yet due. The same as the general path below (no
    // transition, a counted rejection), without its dispatch.
    if (state.state === 'open' && nowMs < state.openUntilMs) {
      state.totalRejections++;
      const retryAfterMs = state.openUntilMs - nowMs;
      this.#emitRejection(retryAfterMs, nowMs);
      return new BreakerRejection(retryAfterMs, 'open');
    }
    const t = advanceTime(state, this.#config, nowMs);
    if (t !== null) this.#emitTransition(t, nowMs);
    const probeId = takePermit(state, this.#config, nowMs);
    if (probeId >= 0) return new BreakerPermit(state.generation, nowMs, probeId);
    const retryAfterMs = retryAfterMsAt(state, this.#config, nowMs);
    this.#emitRejection(retryAfterMs, nowMs);
    return new BreakerRejection(retryAfterMs, state.state);
  }

  /**
   * Milliseconds until {@link acquire} would admit a call (0: now), without taking a permit or
   * changing state. An open breaker past its deadline reads 0 (its next acquire probes).
   */
  msUntilAdmission(): number {
    return retryAfterMsAt(this.#state, this.#config, this.#clock.now());
  }

  /**
   * Reports how a permitted call ended. Call it exactly once per permit. A neutral outcome frees
   * the permit and counts nothing; a permit from before the last transition changes nothing.
   */
  record(permit: Permit, outcome: Outcome): void {
    const state = this.#state;
    const config = this.#config;
    // A clock read costs ~50 ns, half the success-path budget; a closed-state success needs the
    // time only for slow calls and rate windows, so otherwise the permit's own time stands in.
    const nowMs =
      outcome.type === 'success' && state.state === 'closed' && !config.successNeedsClock
        ? 0
        : this.#clock.now();
    const t = recordCall(state, config, permit, outcome, this.#deps.random ?? Math.random, nowMs);
    if (t !== null) this.#emitTransition(t, nowMs);
  }

  /**
   * Runs `fn` under the breaker: acquires, runs, classifies, records. A thrown error is recorded
   * per `classify` and rethrown; a returned value is a success unless `isResultFailure` says not.
   * When refused, resolves to `options.fallback(rejection)` if given.
   *
   * @throws {BreakerOpenError} (stackless) when refused and no fallback is given.
   * @throws {CancelledError} when `options.signal` is already aborted.
   */
  execute<T>(
    fn: (signal: AbortSignal, context: PolicyContext) => Promise<T>,
    options?: BreakerExecuteOptions<T>,
  ): Promise<T> {
    const signal = options?.signal;
    if (signal?.aborted === true) {
      return Promise.reject(
        withoutStack(() => new CancelledError(undefined, { cause: signal.reason })),
      );
    }
    const result = this.acquire();
    if (result.admitted) return this.#run(fn, result, options);
    const fallback = options?.fallback;
    if (fallback !== undefined) {
      try {
        return Promise.resolve(fallback(result));
      } catch (error) {
        return rejectWith(error);
      }
    }
    const name = this.name === '' ? undefined : this.name;
    return Promise.reject(withoutStack(() => new BreakerOpenError(result.retryAfterMs, name)));
  }

  /**
   * Runs `fn` and records its outcome. Written with `.then` rather than `async`/`await`: one
   * promise and no generator state on the success path (about 15 ns a call).
   */
  #run<T>(
    fn: (signal: AbortSignal, context: PolicyContext) => Promise<T>,
    permit: Permit,
    options: BreakerExecuteOptions<T> | undefined,
  ): Promise<T> {
    const signal = options?.signal ?? NEVER_ABORTED;
    const context = options === undefined ? NO_CONTEXT : { signal, deadlineMs: options.deadlineMs };
    let pending: Promise<T>;
    try {
      pending = Promise.resolve(fn(signal, context));
    } catch (error) {
      // A synchronous throw is a failed call like any other.
      this.record(permit, this.#classifyThrown(error, signal, options));
      return rejectWith(error);
    }
    return pending.then(
      (value) => {
        const isFailure = options?.isResultFailure ?? this.#deps.isResultFailure;
        let outcome: Outcome = SUCCESS;
        try {
          if (isFailure !== undefined && isFailure(value)) outcome = GENERIC_FAILURE;
        } finally {
          // A throwing result check must not leak the permit: it is recorded as it stood.
          this.record(permit, outcome);
        }
        return value;
      },
      (error: unknown) => {
        this.record(permit, this.#classifyThrown(error, signal, options));
        throw error;
      },
    );
  }

  #classifyThrown<T>(
    error: unknown,
    signal: AbortSignal,
    options: BreakerExecuteOptions<T> | undefined,
  ): Outcome {
    try {
      return (options?.classify ?? this.#deps.classify ?? classifyError)(error, signal);
    } catch {
      return GENERIC_FAILURE;
    }
  }

  /** Rejects every call until {@link reset}. Rejections carry `FORCED_OPEN_RETRY_AFTER_MS`. */
  forceOpen(): void {
    this.#operate('forced-open');
  }

  /** Passes every call and never trips; still counts. */
  disable(): void {
    this.#operate('disabled');
  }

  /** Passes every call, counts, and reports when it would have tripped (`onWouldTrip`). */
  metricsOnly(): void {
    this.#operate('metrics-only');
  }

  /** Back to closed with trip counters, backoff and Retry-After floor cleared (totals kept). */
  reset(): void {
    this.#operate('closed');
  }

  /**
   * Takes over a state decided elsewhere (another replica of a fleet sharing breaker state): a
   * transition like any other, with the reason the deciding breaker gave. Times in `target` are
   * on this breaker's clock. Returns true when the state changed.
   */
  adopt(target: AdoptedState): boolean {
    const t = adoptState(this.#state, target);
    if (t === null) return false;
    this.#emitTransition(t, this.#clock.now());
    return true;
  }

  #operate(target: OperatorTarget): void {
    this.#emitTransition(applyOperator(this.#state, target), this.#clock.now());
  }

  /** The breaker's state as plain JSON (restorable with {@link CircuitBreaker.fromSnapshot}). */
  snapshot(): BreakerSnapshot {
    return toSnapshot(this.#state, this.#config, this.name, this.#reading());
  }

  /** Listens to every transition. */
  onTransition(listener: (event: TransitionEvent) => void): Disposable {
    return this.#events().transitions.on(listener);
  }

  /** Listens to every refused `acquire()`. */
  onRejection(listener: (event: RejectionEvent) => void): Disposable {
    return this.#events().rejections.on(listener);
  }

  /** Listens to "would trip" reports of a metrics-only breaker. */
  onWouldTrip(listener: (event: WouldTripEvent) => void): Disposable {
    return this.#events().wouldTrips.on(listener);
  }

  #reading(): { nowMs: number; epochMs: number } {
    return { nowMs: this.#clock.now(), epochMs: this.#clock.epochMs() };
  }

  #events(): BreakerEventSink {
    // Emitters are created on the first subscription: an unobserved breaker stays small.
    const onError = this.#deps.onListenerError;
    this.#own ??= {
      transitions: new Emitter(onError),
      rejections: new Emitter(onError),
      wouldTrips: new Emitter(onError),
    };
    return this.#own;
  }

  #emitTransition(t: Transition, nowMs: number): void {
    const own = this.#own;
    const sink = this.#deps.sink;
    if (t.shadow) {
      const a = own?.wouldTrips;
      const b = sink?.wouldTrips;
      if (!hasListeners(a, b)) return;
      const event: WouldTripEvent = {
        breaker: this.name,
        reason: t.reason,
        atMs: nowMs,
        generation: this.#state.generation,
      };
      a?.emit(event);
      b?.emit(event);
      return;
    }
    const a = own?.transitions;
    const b = sink?.transitions;
    if (!hasListeners(a, b)) return;
    const event: TransitionEvent = {
      breaker: this.name,
      from: t.from,
      to: t.to,
      reason: t.reason,
      atMs: nowMs,
      atEpochMs: nowMs - this.#clock.now() + this.#clock.epochMs(),
      generation: this.#state.generation,
    };
    a?.emit(event);
    b?.emit(event);
  }

  /** `nowMs` NaN: the caller skipped the clock; it is read only if someone listens. */
  #emitRejection(retryAfterMs: number, nowMs: number): void {
    const a = this.#own?.rejections;
    const b = this.#deps.sink?.rejections;
    if (!hasListeners(a, b)) return;
    const event: RejectionEvent = {
      breaker: this.name,
      state: this.#state.state,
      retryAfterMs,
      atMs: Number.isNaN(nowMs) ? this.#clock.now() : nowMs,
    };
    a?.emit(event);
    b?.emit(event);
  }
}

/** A promise rejected with `error`, whatever it is (a fallback may throw anything). */
function rejectWith<T>(error: unknown): Promise<T> {
  return new Promise<T>(() => {
    throw error;
  });
}

function hasListeners(a: { size: number } | undefined, b: { size: number } | undefined): boolean {
  return (a !== undefined && a.size > 0) || (b !== undefined && b.size > 0);
}
