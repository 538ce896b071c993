/**
 * The numbers behind `bb.stats()` and the dashboard: per logical model and per deployment,
 * cumulative since start (or {@link StatsCollector.reset}).
 *
 * Recording is O(1) and allocation-free once a name and a reason have been seen: counters live in
 * per-name entries found with one `Map` lookup, latencies go to fixed-size
 * {@link LatencyHistogram}s. Memory is bounded: names beyond `maxKeys` per table fold into
 * `"other"`, reasons beyond {@link MAX_REASONS} per counter fold into `"other"`, and the
 * transition timeline is a ring. Percentiles are computed only in {@link StatsCollector.snapshot}.
 */
import { systemClock } from '../core/index.js';
import type { Clock } from '../core/index.js';
import { LatencyHistogram } from './histogram.js';
import type { LatencySummary } from './histogram.js';
import type {
  AttemptResult,
  AttemptInput,
  RequestInput,
  TransitionInput,
  TransitionRecord,
  AttemptCounts,
  DeploymentStats,
  ModelStats,
  FallbackFlow,
  StatsSnapshot,
  StatsCollectorOptions,
} from './stats-types.js';

/** Name that absorbs every model, deployment, reason or flow past its table's bound. */
export const OTHER = 'other';
/** Most distinct reasons (failure kinds, skip codes, error codes) kept per counter. */
export const MAX_REASONS = 64;
const EMPTY = new LatencyHistogram();

/** How one attempt on one deployment ended (a skip never reached the upstream). */
class Counter {
  readonly #map = new Map<string, number>();

  bump(reason: string, by = 1): void {
    const n = this.#map.get(reason);
    if (n !== undefined) this.#map.set(reason, n + by);
    else if (this.#map.size < MAX_REASONS) this.#map.set(reason, by);
    else this.#map.set(OTHER, (this.#map.get(OTHER) ?? 0) + by);
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries(this.#map);
  }
}

class Attempts {
  successes = 0;
  failures = 0;
  neutral = 0;
  skipped = 0;
  readonly failuresByKind = new Counter();
  readonly neutralByReason = new Counter();
  readonly skipsByReason = new Counter();

  record(result: AttemptResult, reason: string): void {
    switch (result) {
      case 'success':
        this.successes++;
        return;
      case 'failure':
        this.failures++;
        this.failuresByKind.bump(reason);
        return;
      case 'neutral':
        this.neutral++;
        this.neutralByReason.bump(reason);
        return;
      case 'skipped':
        this.skipped++;
        this.skipsByReason.bump(reason);
        return;
    }
  }

  toJSON(): AttemptCounts {
    return {
      calls: this.successes + this.failures + this.neutral,
      successes: this.successes,
      failures: this.failures,
      failuresByKind: this.failuresByKind.toJSON(),
      neutral: this.neutral,
      neutralByReason: this.neutralByReason.toJSON(),
      skipped: this.skipped,
      skipsByReason: this.skipsByReason.toJSON(),
    };
  }
}

/** What models and deployments both keep. */
class Usage {
  readonly attempts = new Attempts();
  latency: LatencyHistogram | undefined;
  ttft: LatencyHistogram | undefined;
  promptTokens = 0;
  completionTokens = 0;
  costUsd = 0;

  addUsage(r: RequestInput): void {
    this.promptTokens += finite(r.promptTokens);
    this.completionTokens += finite(r.completionTokens);
    this.costUsd += finite(r.costUsd);
  }

  recordLatency(ms: number | undefined): void {
    if (ms !== undefined) (this.latency ??= new LatencyHistogram()).record(ms);
  }

  recordTtft(ms: number | undefined): void {
    if (ms !== undefined) (this.ttft ??= new LatencyHistogram()).record(ms);
  }
}

class DeploymentEntry extends Usage {
  model: string | null;
  state: string | null = null;
  trips = 0;

  constructor(model: string | null) {
    super();
    this.model = model;
  }
}

class ModelEntry extends Usage {
  /** The table key this entry lives under (`"other"` when folded). */
  readonly name: string;
  requests = 0;
  successes = 0;
  errors = 0;
  cached = 0;
  static = 0;
  fallbacks = 0;
  fallbacksServed = 0;
  failovers = 0;
  attemptsSum = 0;
  costIfRequestedUsd = 0;
  readonly errorsByCode = new Counter();

  constructor(name: string) {
    super();
    this.name = name;
  }

  /** Counts a request for this model (or the totals), leaving tokens and cost to the caller. */
  countRequest(r: RequestInput): void {
    this.requests++;
    this.attemptsSum += finite(r.attempts);
    this.costIfRequestedUsd += finite(r.costIfRequestedUsd ?? r.costUsd);
    this.recordLatency(r.durationMs);
    this.recordTtft(r.ttftMs);
    if (r.fallbackUsed) this.failovers++;
    switch (r.outcome) {
      case 'success':
        this.successes++;
        return;
      case 'error':
        this.errors++;
        this.errorsByCode.bump(r.errorCode ?? 'unknown');
        return;
      case 'cached':
        this.cached++;
        return;
      case 'static':
        this.static++;
        return;
    }
  }
}

/**
 * Collects request, attempt and transition statistics. Telemetry only observes: nothing here
 * feeds back into routing or breaker state.
 *
 * @example
 * const stats = new StatsCollector({ clock, models: ['gpt-4o'], deployments: { 'azure-4o': 'gpt-4o' } });
 * stats.recordAttempt({ model: 'gpt-4o', deployment: 'azure-4o', result: 'success', durationMs: 812 });
 * stats.snapshot().deployments['azure-4o'].latency.p99Ms;
 */
export class StatsCollector {
  readonly #clock: Clock;
  readonly #options: StatsCollectorOptions;
  readonly #maxKeys: number;
  readonly #ring: (TransitionRecord | undefined)[];
  #models = new Map<string, ModelEntry>();
  #deployments = new Map<string, DeploymentEntry>();
  /** from → to → count; keys are already-folded model names. */
  #flows = new Map<string, Map<string, number>>();
  #flowCount = 0;
  #total = new ModelEntry('*');
  #ringNext = 0;
  #ringSize = 0;
  #sinceEpochMs = 0;

  constructor(options: StatsCollectorOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#options = options;
    this.#maxKeys = Math.max(1, options.maxKeys ?? 1000);
    this.#ring = new Array<TransitionRecord | undefined>(
      Math.max(1, options.maxTransitions ?? 200),
    );
    this.reset();
  }

  /** Records one attempt (or skip) of one candidate. O(1). */
  recordAttempt(a: AttemptInput): void {
    const reason = a.reason ?? 'unknown';
    const dep = this.#deployment(a.deployment);
    dep.model ??= a.model;
    dep.attempts.record(a.result, reason);
    if (a.result === 'success') dep.recordLatency(a.durationMs);
    this.#model(a.model).attempts.record(a.result, reason);
    this.#total.attempts.record(a.result, reason);
  }

  /** Records one finished request. O(1). */
  recordRequest(r: RequestInput): void {
    const requested = this.#model(r.requestedModel);
    const served = r.servedModel === undefined ? requested : this.#model(r.servedModel);
    requested.countRequest(r);
    this.#total.countRequest(r);
    served.addUsage(r);
    this.#total.addUsage(r);
    if (r.deployment !== undefined) {
      const dep = this.#deployment(r.deployment);
      dep.addUsage(r);
      dep.recordTtft(r.ttftMs);
    }
    // Compare names, not entries: two models folded into "other" are still a fallback.
    if (
      r.outcome === 'success' &&
      r.servedModel !== undefined &&
      r.servedModel !== r.requestedModel
    ) {
      requested.fallbacks++;
      served.fallbacksServed++;
      this.#total.fallbacks++;
      this.#countFlow(requested.name, served.name);
    }
  }

  /** Records one breaker transition; a transition to `open` is a trip. O(1). */
  recordTransition(t: TransitionInput): void {
    const dep = this.#deployment(t.deployment);
    dep.state = t.to;
    if (t.to === 'open') dep.trips++;
    const atEpochMs = this.#clock.epochMs() - (this.#clock.now() - t.atMs);
    const { deployment, from, to, reason } = t;
    this.#ring[this.#ringNext] = { deployment, from, to, reason, atEpochMs };
    this.#ringNext = (this.#ringNext + 1) % this.#ring.length;
    this.#ringSize = Math.min(this.#ringSize + 1, this.#ring.length);
  }

  /** Forgets every count and transition; configured names stay listed. */
  reset(): void {
    this.#models = new Map();
    this.#deployments = new Map();
    for (const name of this.#options.models ?? []) this.#models.set(name, new ModelEntry(name));
    for (const [name, model] of Object.entries(this.#options.deployments ?? {})) {
      this.#deployments.set(name, new DeploymentEntry(model));
      if (!this.#models.has(model)) this.#models.set(model, new ModelEntry(model));
    }
    this.#flows = new Map();
    this.#flowCount = 0;
    this.#total = new ModelEntry('*');
    this.#ring.fill(undefined);
    this.#ringNext = 0;
    this.#ringSize = 0;
    this.#sinceEpochMs = this.#clock.epochMs();
  }

  /** Plain JSON with percentiles computed now. O(names × buckets). */
  snapshot(): StatsSnapshot {
    const tripsByModel = new Map<string, number>();
    let trips = 0;
    // Object.fromEntries, not assignment: a name like "__proto__" must stay a plain key.
    const deployments: [string, DeploymentStats][] = [];
    for (const [name, d] of this.#deployments) {
      deployments.push([name, deploymentStats(d)]);
      trips += d.trips;
      if (d.model !== null) {
        const model = this.#models.has(d.model) ? d.model : OTHER;
        tripsByModel.set(model, (tripsByModel.get(model) ?? 0) + d.trips);
      }
    }
    const models: [string, ModelStats][] = [];
    for (const [name, m] of this.#models)
      models.push([name, modelStats(m, tripsByModel.get(name))]);
    const fallbackFlows: FallbackFlow[] = [];
    for (const [from, tos] of this.#flows) {
      for (const [to, count] of tos) fallbackFlows.push({ from, to, count });
    }
    fallbackFlows.sort((a, b) => b.count - a.count);
    const totals = modelStats(this.#total, trips);
    const { p50Ms, p95Ms, p99Ms } = totals.latency;
    return {
      sinceEpochMs: this.#sinceEpochMs,
      atEpochMs: this.#clock.epochMs(),
      models: Object.fromEntries(models),
      deployments: Object.fromEntries(deployments),
      totals: { ...totals, p50Ms, p95Ms, p99Ms },
      fallbackFlows,
      transitions: this.#transitions(),
    };
  }

  #model(name: string): ModelEntry {
    return fold(this.#models, name, this.#maxKeys, (key) => new ModelEntry(key));
  }

  #deployment(name: string): DeploymentEntry {
    return fold(this.#deployments, name, this.#maxKeys, () => new DeploymentEntry(null));
  }

  #countFlow(from: string, to: string): void {
    let tos = this.#flows.get(from);
    if (tos?.has(to) !== true && this.#flowCount >= this.#maxKeys) {
      [from, to] = [OTHER, OTHER];
      tos = this.#flows.get(from);
    }
    if (tos === undefined) {
      tos = new Map();
      this.#flows.set(from, tos);
    }
    const n = tos.get(to);
    if (n === undefined) this.#flowCount++;
    tos.set(to, (n ?? 0) + 1);
  }

  #transitions(): TransitionRecord[] {
    const out: TransitionRecord[] = [];
    const len = this.#ring.length;
    for (let i = 0; i < this.#ringSize; i++) {
      const t = this.#ring[(this.#ringNext - this.#ringSize + i + len) % len];
      if (t !== undefined) out.push(t);
    }
    return out;
  }
}

/** The entry for `name`, created while the table has room, else the shared `"other"` entry. */
function fold<E>(map: Map<string, E>, name: string, maxKeys: number, make: (key: string) => E): E {
  let e = map.get(name);
  if (e !== undefined) return e;
  const key = map.size < maxKeys ? name : OTHER;
  e = map.get(key);
  if (e === undefined) {
    e = make(key);
    map.set(key, e);
  }
  return e;
}

function finite(n: number | undefined): number {
  return n !== undefined && Number.isFinite(n) ? n : 0;
}

function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}

function deploymentStats(d: DeploymentEntry): DeploymentStats {
  const { successes, failures } = d.attempts;
  return {
    model: d.model,
    state: d.state,
    trips: d.trips,
    attempts: d.attempts.toJSON(),
    failureRate: ratio(failures, successes + failures),
    latency: summarize(d.latency),
    ttft: summarize(d.ttft),
    tokens: { prompt: d.promptTokens, completion: d.completionTokens },
    costUsd: d.costUsd,
  };
}

function modelStats(m: ModelEntry, trips = 0): ModelStats {
  return {
    requests: m.requests,
    successes: m.successes,
    errors: m.errors,
    errorsByCode: m.errorsByCode.toJSON(),
    cached: m.cached,
    static: m.static,
    successRate: ratio(m.successes, m.requests),
    fallbacks: m.fallbacks,
    fallbacksServed: m.fallbacksServed,
    failovers: m.failovers,
    attemptsPerRequest: ratio(m.attemptsSum, m.requests),
    trips,
    attempts: m.attempts.toJSON(),
    latency: summarize(m.latency),
    ttft: summarize(m.ttft),
    tokens: { prompt: m.promptTokens, completion: m.completionTokens },
    costUsd: m.costUsd,
    costIfRequestedUsd: m.costIfRequestedUsd,
  };
}

function summarize(h: LatencyHistogram | undefined): LatencySummary {
  return (h ?? EMPTY).summary();
}
