/**
 * The faults in force per model and the seeded decision of what each call gets. Each model has
 * its own PRNG stream (seed mixed with the model name), so one model's outcomes depend only on
 * the order of that model's calls, not on traffic to other models.
 */
import { hashString, mulberry32, type Prng } from './prng.js';
import type { Faults } from './types.js';
import { parseFaults } from './validate.js';

/** What happens to a stream that reached success. */
export interface StreamFaults {
  /** Delay between events, ms (0: the whole stream in one write). */
  chunkDelayMs: number;
  cutAfterChunks: number | undefined;
  stallAfterChunks: number | undefined;
  /** Answer the stream with an overloaded error event before any content. */
  isErrorEvent: boolean;
}

/** The outcome chosen for one call. */
export type Decision =
  | { kind: 'rate_limited'; retryAfterS: number; retryAfterMs: number | undefined }
  | { kind: 'down' }
  | { kind: 'error'; status: number }
  | { kind: 'hang' }
  | { kind: 'context_length' }
  | { kind: 'malformed'; latencyMs: number }
  | { kind: 'ok'; latencyMs: number; stream: StreamFaults };

/** The facts about a call that decisions depend on. */
export interface CallFacts {
  model: string;
  isStream: boolean;
  promptTokens: number;
  contextWindowTokens: number;
}

const NO_STREAM_FAULTS: StreamFaults = {
  chunkDelayMs: 0,
  cutAfterChunks: undefined,
  stallAfterChunks: undefined,
  isErrorEvent: false,
};

/** Faults per model (`'*'`: every model without its own) and the decisions they lead to. */
export class FaultBook {
  readonly #seed: number;
  readonly #faults = new Map<string, Faults>();
  readonly #random = new Map<string, Prng>();

  constructor(seed: number) {
    this.#seed = seed >>> 0;
  }

  /**
   * Replaces the faults of `model`; `null` clears them.
   * @throws SimValidationError when `faults` is not valid
   */
  set(model: string, faults: Faults | null): void {
    if (faults === null) this.#faults.delete(model);
    else this.#faults.set(model, parseFaults(faults, `faults[${JSON.stringify(model)}]`));
  }

  /** Clears every model's faults. */
  clear(): void {
    this.#faults.clear();
  }

  /** The faults that apply to `model`. */
  get(model: string): Faults | undefined {
    return this.#faults.get(model) ?? this.#faults.get('*');
  }

  /** Draws the outcome of one call, in the documented order; the first fault that fires wins. */
  decide(facts: CallFacts): Decision {
    const faults = this.get(facts.model);
    if (faults === undefined) {
      if (facts.promptTokens > facts.contextWindowTokens) return { kind: 'context_length' };
      return { kind: 'ok', latencyMs: 0, stream: NO_STREAM_FAULTS };
    }
    const chance = (rate: number | undefined): boolean => this.#chance(facts.model, rate);
    const { rateLimit } = faults;
    if (rateLimit !== undefined && chance(rateLimit.rate ?? 1)) {
      const { retryAfterMs } = rateLimit;
      const retryAfterS =
        rateLimit.retryAfterS ?? (retryAfterMs === undefined ? 1 : Math.ceil(retryAfterMs / 1000));
      return { kind: 'rate_limited', retryAfterS, retryAfterMs };
    }
    if (faults.down === true) return { kind: 'down' };
    if (chance(faults.errorRate)) return { kind: 'error', status: faults.errorStatus ?? 500 };
    if (chance(faults.hangRate)) return { kind: 'hang' };
    if (faults.contextLengthError === true || facts.promptTokens > facts.contextWindowTokens) {
      return { kind: 'context_length' };
    }
    const latencyMs = this.#latencyMs(facts.model, faults);
    if (chance(faults.malformedRate)) return { kind: 'malformed', latencyMs };
    const stream: StreamFaults = facts.isStream
      ? {
          chunkDelayMs: faults.chunkDelayMs ?? 0,
          cutAfterChunks: faults.streamCutAfterChunks,
          stallAfterChunks: faults.streamStallAfterChunks,
          isErrorEvent: chance(faults.errorEventBeforeContentRate),
        }
      : NO_STREAM_FAULTS;
    return { kind: 'ok', latencyMs, stream };
  }

  #prng(model: string): Prng {
    let random = this.#random.get(model);
    if (random === undefined) {
      random = mulberry32(hashString(model, this.#seed));
      this.#random.set(model, random);
    }
    return random;
  }

  // Rates of 0 and 1 draw nothing, so turning a certain fault on or off leaves the sequence of
  // the uncertain ones unchanged.
  #chance(model: string, rate: number | undefined): boolean {
    if (rate === undefined || rate <= 0) return false;
    if (rate >= 1) return true;
    return this.#prng(model)() < rate;
  }

  #latencyMs(model: string, faults: Faults): number {
    const { latencyMs, slow } = faults;
    if (slow !== undefined && this.#chance(model, slow.rate)) return slow.ms;
    if (latencyMs === undefined) return 0;
    if (typeof latencyMs === 'number') return latencyMs;
    return latencyMs.minMs + (latencyMs.maxMs - latencyMs.minMs) * this.#prng(model)();
  }
}
