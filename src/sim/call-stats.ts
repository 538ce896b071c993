import type { ModelStats } from './types.js';

/** Request counters: every call on a model route, per model, per status of the head sent. */
export class CallStats {
  #total = 0;
  readonly #models = new Map<string, ModelStats>();

  /** Counts a request on a model route; `model` is undefined when the body named none. */
  countCall(model: string | undefined): void {
    this.#total++;
    if (model !== undefined) this.#entry(model).calls++;
  }

  /** Counts a response head sent for `model`. */
  countHead(model: string, status: number, isStream: boolean): void {
    const entry = this.#entry(model);
    const key = String(status);
    entry.byStatus[key] = (entry.byStatus[key] ?? 0) + 1;
    if (isStream) entry.streams++;
  }

  /** Requests received: all of them, or for one model. */
  calls(model?: string): number {
    if (model === undefined) return this.#total;
    return this.#models.get(model)?.calls ?? 0;
  }

  /** Models that have been called, in first-call order. */
  models(): string[] {
    return [...this.#models.keys()];
  }

  /** A deep copy of the counters. */
  snapshot(): Record<string, ModelStats> {
    const out: Record<string, ModelStats> = {};
    for (const [model, entry] of this.#models) {
      out[model] = { calls: entry.calls, byStatus: { ...entry.byStatus }, streams: entry.streams };
    }
    return out;
  }

  /** Zeroes every counter. */
  reset(): void {
    this.#total = 0;
    this.#models.clear();
  }

  #entry(model: string): ModelStats {
    let entry = this.#models.get(model);
    if (entry === undefined) {
      entry = { calls: 0, byStatus: {}, streams: 0 };
      this.#models.set(model, entry);
    }
    return entry;
  }
}
