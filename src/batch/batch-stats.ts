/**
 * Counts what a batch run did, per requested model and per deployment, in bounded memory
 * (one latency histogram per model, a capped number of models and examples).
 */
import { LatencyHistogram } from '../telemetry/index.js';
import type { LineMeta } from './target.js';

/** Models tracked by name; further ones are counted under {@link OTHER_MODEL}. */
export const MAX_MODELS = 200;
export const OTHER_MODEL = '(other)';
export const UNKNOWN_MODEL = '(none)';
/** Invalid-line messages kept for the report. */
export const MAX_INVALID_EXAMPLES = 50;

/** Per-model figures in the report. */
export interface ModelReport {
  /** Lines that asked for this model. */
  readonly lines: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Lines answered by anything but this model's own deployments. */
  readonly fallbackUsed: number;
  /** Times a deployment of this model opened its circuit during the run. */
  readonly circuitTrips: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** USD actually spent on lines that asked for this model. */
  readonly costUsd: number;
  /** USD those lines would have cost had the requested model answered each. */
  readonly costIfRequestedUsd: number;
  /** Latency of answered (2xx) lines, ms; null when none. */
  readonly latencyMs: { readonly p50: number | null; readonly p99: number | null };
}

interface ModelCounters {
  lines: number;
  succeeded: number;
  failed: number;
  fallbackUsed: number;
  circuitTrips: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  costIfRequestedUsd: number;
  latency: LatencyHistogram;
}

/** A live view for progress displays. */
export interface ProgressSnapshot {
  /** Lines accounted for: run, invalid, blank, or done in an earlier run. */
  readonly done: number;
  /** Lines in the input (undefined when not counted). */
  readonly total: number | undefined;
  /** Lines sent this run (with a result written). */
  readonly ran: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly invalid: number;
  readonly fallbacks: number;
  readonly skippedDone: number;
  readonly inFlight: number;
  /** USD spent this run. */
  readonly costUsd: number;
  readonly elapsedMs: number;
  /** Lines run per second this run. */
  readonly ratePerSec: number;
}

function newCounters(): ModelCounters {
  return {
    lines: 0,
    succeeded: 0,
    failed: 0,
    fallbackUsed: 0,
    circuitTrips: 0,
    promptTokens: 0,
    completionTokens: 0,
    costUsd: 0,
    costIfRequestedUsd: 0,
    latency: new LatencyHistogram(),
  };
}

/** The counters of one run. */
export class BatchStats {
  readonly #models = new Map<string, ModelCounters>();
  readonly #deployments = new Map<string, { lines: number; circuitTrips: number }>();
  readonly #errorCodes = new Map<string, number>();
  readonly invalidExamples: { line: number; message: string }[] = [];
  succeeded = 0;
  failed = 0;
  invalid = 0;
  blank = 0;
  fallbacks = 0;
  requeued = 0;
  skippedDone = 0;
  costUsd = 0;
  costIfRequestedUsd = 0;
  promptTokens = 0;
  completionTokens = 0;

  /** Lines run this run (a result written). */
  get ran(): number {
    return this.succeeded + this.failed;
  }

  #model(name: string | undefined): ModelCounters {
    let key = name ?? UNKNOWN_MODEL;
    if (!this.#models.has(key) && this.#models.size >= MAX_MODELS) key = OTHER_MODEL;
    let m = this.#models.get(key);
    if (!m) {
      m = newCounters();
      this.#models.set(key, m);
    }
    return m;
  }

  /** Records a line that ran: `ok` for a 2xx result. */
  recordLine(meta: LineMeta, ok: boolean, errorCode: string | null): void {
    const m = this.#model(meta.requestedModel);
    m.lines++;
    if (ok) {
      m.succeeded++;
      this.succeeded++;
      m.latency.record(meta.durationMs);
    } else {
      m.failed++;
      this.failed++;
      const code = errorCode ?? 'unknown';
      this.#errorCodes.set(code, (this.#errorCodes.get(code) ?? 0) + 1);
    }
    if (meta.fallbackUsed) {
      m.fallbackUsed++;
      this.fallbacks++;
    }
    m.promptTokens += meta.promptTokens;
    m.completionTokens += meta.completionTokens;
    m.costUsd += meta.costUsd;
    m.costIfRequestedUsd += meta.costIfRequestedUsd;
    this.promptTokens += meta.promptTokens;
    this.completionTokens += meta.completionTokens;
    this.costUsd += meta.costUsd;
    this.costIfRequestedUsd += meta.costIfRequestedUsd;
    if (meta.deployment !== null) this.#deployment(meta.deployment).lines++;
  }

  /** Records an invalid input line (reported, not run). */
  recordInvalid(line: number, message: string): void {
    this.invalid++;
    if (this.invalidExamples.length < MAX_INVALID_EXAMPLES) {
      this.invalidExamples.push({ line, message });
    }
  }

  /** Records a breaker opening; `model` is the deployment's logical model when known. */
  recordTrip(deployment: string, model: string | undefined): void {
    this.#deployment(deployment).circuitTrips++;
    if (model !== undefined) this.#model(model).circuitTrips++;
  }

  #deployment(id: string): { lines: number; circuitTrips: number } {
    let d = this.#deployments.get(id);
    if (!d) {
      d = { lines: 0, circuitTrips: 0 };
      // Deployment ids come from the configuration (or gateway headers): few, but bound them.
      if (this.#deployments.size < MAX_MODELS * 4) this.#deployments.set(id, d);
    }
    return d;
  }

  /** Per-model figures. */
  models(): Record<string, ModelReport> {
    const out: Record<string, ModelReport> = {};
    for (const [name, m] of this.#models) {
      const [p50 = null, p99 = null] = m.latency.count > 0 ? m.latency.quantiles([0.5, 0.99]) : [];
      out[name] = {
        lines: m.lines,
        succeeded: m.succeeded,
        failed: m.failed,
        fallbackUsed: m.fallbackUsed,
        circuitTrips: m.circuitTrips,
        promptTokens: m.promptTokens,
        completionTokens: m.completionTokens,
        costUsd: m.costUsd,
        costIfRequestedUsd: m.costIfRequestedUsd,
        latencyMs: { p50, p99 },
      };
    }
    return out;
  }

  /** Per-deployment lines answered and circuit trips. */
  deployments(): Record<string, { lines: number; circuitTrips: number }> {
    return Object.fromEntries([...this.#deployments].map(([id, d]) => [id, { ...d }]));
  }

  /** Failed lines by error code (or `http_<status>`). */
  errorCodes(): Record<string, number> {
    return Object.fromEntries(this.#errorCodes);
  }
}
