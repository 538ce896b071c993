/**
 * Public types of the simulated OpenAI-compatible provider. Plain data only: the same shapes
 * travel over the control routes (`POST /sim/faults`, `POST /sim/scenario`) as JSON.
 */

/** A latency: a fixed number of milliseconds, or a uniform draw from `[minMs, maxMs]`. */
export type LatencySpec = number | { minMs: number; maxMs: number };

/** How a 429 is produced. Both headers are optional; `Retry-After` is always sent. */
export interface RateLimitFault {
  /** Fraction of calls rejected, 0..1. @default 1 */
  rate?: number;
  /**
   * `Retry-After` in seconds. @default ceil(retryAfterMs / 1000) when `retryAfterMs` is set,
   * else 1
   */
  retryAfterS?: number;
  /** Sends `retry-after-ms` (the non-standard header both SDKs prefer) when set. */
  retryAfterMs?: number;
}

/** A fraction of successful answers that take much longer than the others: a latency tail. */
export interface SlowFault {
  /** Fraction of 200 answers delayed by `ms` instead of `latencyMs`, 0..1. */
  rate: number;
  /** Their delay before the response head, ms. */
  ms: number;
}

/**
 * Faults for one model. Every rate is a fraction in 0..1 drawn from the simulator's seeded
 * PRNG (one stream per model), so a run is reproducible given the seed and the order of calls
 * per model. Decisions are taken in this order, the first that fires wins: `rateLimit`, `down`,
 * `errorRate`, `hangRate`, context length, `malformedRate`, then success. Errors answer at
 * once; `latencyMs` delays only 200 answers (success and malformed). The stream faults apply
 * only to `stream: true` calls (chat, Responses, completions) that reached success; a
 * Responses stream's error event is a Responses `error` event.
 */
export interface Faults {
  /** Fraction of calls answered with `errorStatus`. */
  errorRate?: number;
  /** HTTP status for `errorRate`: any 4xx/5xx (529 included). @default 500 */
  errorStatus?: number;
  /** Delay before the response head of a 200 answer, ms. */
  latencyMs?: LatencySpec;
  /** A fraction of 200 answers delayed by `slow.ms` instead of `latencyMs` (a p99 tail). */
  slow?: SlowFault;
  /** Delay between stream events, ms. @default 0 (the whole stream in one write) */
  chunkDelayMs?: number;
  /** 429 `rate_limit_exceeded` with `Retry-After` (and `retry-after-ms` when set). */
  rateLimit?: RateLimitFault;
  /** Every call answers 503 (engine overloaded). */
  down?: boolean;
  /** Fraction of calls that never answer, until the client goes away or the sim closes. */
  hangRate?: number;
  /**
   * Closes the connection (FIN, after flushing what was written) after this many content
   * chunks, with no finish chunk and no `[DONE]`. If the answer is shorter, it is cut after its
   * last content chunk: the fault always shows.
   */
  streamCutAfterChunks?: number;
  /**
   * Stops writing after this many content chunks and keeps the socket open, until the client
   * goes away or the sim closes. Shorter answers stall after their last content chunk.
   */
  streamStallAfterChunks?: number;
  /**
   * Fraction of streams answered 200 then `data: {"error":{...overloaded...}}` as the first
   * event, then the end of the response (no `[DONE]`).
   */
  errorEventBeforeContentRate?: number;
  /** Fraction of calls answered 200 with a truncated JSON body (streams: a broken SSE event). */
  malformedRate?: number;
  /**
   * Every call answers 400 `context_length_exceeded`. It also happens, without this flag, when
   * the prompt's tokens exceed the model's `contextWindow`.
   */
  contextLengthError?: boolean;
  /** Error bodies in old vLLM's flat shape `{"object":"error","message",...,"code":<status>}`. */
  flatErrorBody?: boolean;
}

/**
 * Per-model settings. The key `'*'` in {@link SimulatorOptions.models} is the default: models not
 * listed use it, listed models inherit the settings they leave out, and its faults apply to every
 * model without faults of its own.
 */
export interface SimModelOptions {
  /** Faults active from the start (replaced by {@link Simulator.setFaults}). */
  faults?: Faults;
  /** Length of embedding vectors unless the request sets `dimensions`. @default 256 */
  embeddingDimensions?: number;
  /** Prompt tokens above which a call answers 400 `context_length_exceeded`. @default 128000 */
  contextWindow?: number;
  /**
   * Length of a full chat answer in tokens, which is also the number of content chunks per
   * choice in a stream. @default the natural answer: a 4-token prefix ("Simulated answer from
   * <model>:") plus up to 8 words echoed from the last user message, padded to at least 8 tokens
   */
  chunkCount?: number;
}

/** One step of a {@link Scenario}. */
export interface ScenarioStep {
  /** When the step applies, ms after the schedule starts. */
  atMs: number;
  /** The model whose faults are replaced (`'*'`: the default for every model). */
  model: string;
  /** The new faults; `null` clears them. */
  faults: Faults | null;
}

/** Fault changes over time, e.g. "down at 100 ms, healthy again at 300 ms". */
export interface Scenario {
  steps: ScenarioStep[];
}

/** A running scenario. */
export interface ScheduledScenario {
  /** Cancels the steps not applied yet. Calling it twice is harmless. */
  cancel(): void;
}

/** Options of {@link startSimulator}. */
export interface SimulatorOptions {
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number;
  /** Seed of the fault PRNG. @default 1 */
  seed?: number;
  /** When set, other Bearer keys get 401 `invalid_api_key` (no key: 401 with code null). */
  apiKey?: string;
  /** Per-model settings; `'*'` applies to models not listed. */
  models?: Record<string, SimModelOptions>;
  /** A scenario started as soon as the server listens. */
  scenario?: Scenario;
}

/** Counters for one model. */
export interface ModelStats {
  /** Requests received for the model, counted before any fault applied. */
  calls: number;
  /** Responses by HTTP status of the head sent (`"200"`, `"429"`, ...). Hung calls send none. */
  byStatus: Record<string, number>;
  /** Responses started as SSE streams (200 `text/event-stream`). */
  streams: number;
}

/** A running simulator. */
export interface Simulator {
  /** Base URL including `/v1`, e.g. `http://127.0.0.1:41234/v1`: pass it as `baseURL`. */
  readonly url: string;
  /** The TCP port listened on. */
  readonly port: number;
  /**
   * Replaces the faults of `model` (`'*'`: every model without its own), `null` clears them.
   * @throws SimValidationError when `faults` is not valid
   */
  setFaults(model: string, faults: Faults | null): void;
  /** Clears every model's faults, including those given at start. */
  clearFaults(): void;
  /**
   * Applies each step at `atMs` after now (steps at 0 apply before this returns).
   * @throws SimValidationError when the scenario is not valid
   */
  schedule(scenario: Scenario): ScheduledScenario;
  /** Requests received on model routes: all of them, or those naming `model`. */
  calls(model?: string): number;
  /** Counters per model. */
  stats(): Record<string, ModelStats>;
  /** Zeroes every counter. */
  resetCounts(): void;
  /** Stops listening, ends hung and stalled responses, cancels scenarios and frees timers. */
  close(): Promise<void>;
}
