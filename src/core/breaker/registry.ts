import { systemClock } from '../clock.js';
import type { Clock } from '../clock.js';
import { Emitter } from '../events.js';
import type { Disposable, ListenerErrorHandler } from '../events.js';
import { CircuitBreaker } from './circuit-breaker.js';
import type { BreakerEventSink, CircuitBreakerDeps } from './circuit-breaker.js';
import type { ErrorClassifier } from './classify.js';
import { resolveBreakerConfig } from './config.js';
import type {
  CircuitBreakerConfig,
  RejectionEvent,
  ResolvedBreakerConfig,
  TransitionEvent,
  WouldTripEvent,
} from './state.js';

/** Options of a {@link BreakerRegistry}. */
export interface BreakerRegistryOptions {
  /** @default systemClock */
  readonly clock?: Clock;
  /** Jitter source of every member. @default Math.random */
  readonly random?: () => number;
  /** Configuration of members created without their own (and the base theirs extends). */
  readonly defaults?: CircuitBreakerConfig;
  /** Closed breakers beyond this many are evicted, least recently fetched first. @default 10_000 */
  readonly maxBreakers?: number;
  /** A closed breaker unused (no `acquire()`) this long may be evicted. @default 900_000 (15 min) */
  readonly idleMs?: number;
  /** Default error classifier of every member's `execute()`. */
  readonly classify?: ErrorClassifier;
  /** Receives errors thrown by listeners. */
  readonly onListenerError?: ListenerErrorHandler;
}

/** How many least-recently-fetched entries one creating `get()` inspects for idleness. */
const IDLE_SWEEP = 8;

/**
 * One breaker per name (deployment), created on demand and bounded. Eviction is lazy — it runs
 * when `get()` creates a breaker, never on a timer — and only ever drops a `closed` breaker: an
 * open, half-open, forced-open, disabled or metrics-only one holds state an operator or the
 * upstream put there, so the registry may exceed `maxBreakers` rather than forget it.
 */
export class BreakerRegistry {
  readonly #breakers = new Map<string, CircuitBreaker>();
  readonly #clock: Clock;
  readonly #defaults: ResolvedBreakerConfig;
  readonly #maxBreakers: number;
  readonly #idleMs: number;
  readonly #sink: BreakerEventSink;
  readonly #deps: CircuitBreakerDeps;

  /** @throws {ConfigError} when `defaults` is invalid. */
  constructor(options: BreakerRegistryOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#defaults = resolveBreakerConfig(options.defaults);
    this.#maxBreakers = options.maxBreakers ?? 10_000;
    this.#idleMs = options.idleMs ?? 900_000;
    this.#sink = {
      transitions: new Emitter<TransitionEvent>(options.onListenerError),
      rejections: new Emitter<RejectionEvent>(options.onListenerError),
      wouldTrips: new Emitter<WouldTripEvent>(options.onListenerError),
    };
    this.#deps = {
      clock: this.#clock,
      random: options.random,
      classify: options.classify,
      sink: this.#sink,
      onListenerError: options.onListenerError,
    };
  }

  /**
   * The breaker called `name`, created on first use. `config` (merged over the registry's
   * defaults; `trip` and `halfOpen` replace theirs whole) applies only when the breaker is created.
   * @throws {ConfigError} when `config` is invalid.
   */
  get(name: string, config?: CircuitBreakerConfig): CircuitBreaker {
    const map = this.#breakers;
    const existing = map.get(name);
    if (existing !== undefined) {
      // Re-insert: Map order is the LRU order, least recently fetched first.
      map.delete(name);
      map.set(name, existing);
      return existing;
    }
    const resolved =
      config === undefined ? this.#defaults : resolveBreakerConfig(config, this.#defaults);
    this.#evict(this.#clock.now());
    // One own field per member; clock, classifier and sink are inherited from the shared deps.
    const deps = Object.create(this.#deps) as {
      -readonly [K in keyof CircuitBreakerDeps]: CircuitBreakerDeps[K];
    };
    deps.name = name;
    const breaker = new CircuitBreaker(resolved, deps);
    map.set(name, breaker);
    return breaker;
  }

  /** True when a breaker called `name` exists. */
  has(name: string): boolean {
    return this.#breakers.has(name);
  }

  /** Drops the breaker called `name`, whatever its state. True when it existed. */
  delete(name: string): boolean {
    return this.#breakers.delete(name);
  }

  /** Number of breakers held. */
  get size(): number {
    return this.#breakers.size;
  }

  /** Every `[name, breaker]`, least recently fetched first (for metrics and the admin API). */
  entries(): IterableIterator<[string, CircuitBreaker]> {
    return this.#breakers.entries();
  }

  /** Listens to every member's transitions. */
  onTransition(listener: (event: TransitionEvent) => void): Disposable {
    return this.#sink.transitions.on(listener);
  }

  /** Listens to every member's rejections. */
  onRejection(listener: (event: RejectionEvent) => void): Disposable {
    return this.#sink.rejections.on(listener);
  }

  /** Listens to every metrics-only member's "would trip" reports. */
  onWouldTrip(listener: (event: WouldTripEvent) => void): Disposable {
    return this.#sink.wouldTrips.on(listener);
  }

  #evict(nowMs: number): void {
    const map = this.#breakers;
    // Idle sweep over the few least recently fetched, in place (the LRU order stays intact):
    // bounded work per creation, and per-request fetching keeps idle breakers at the front.
    let budget = IDLE_SWEEP;
    for (const [name, breaker] of map) {
      if (budget-- === 0) break;
      if (breaker.state === 'closed' && nowMs - breaker.lastUsedMs >= this.#idleMs) {
        map.delete(name);
      }
    }
    if (map.size < this.#maxBreakers) return;
    // At capacity: drop the least recently fetched closed breaker, if any.
    for (const [name, breaker] of map) {
      if (breaker.state === 'closed') {
        map.delete(name);
        return;
      }
    }
  }
}
