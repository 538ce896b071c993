/**
 * The configuration after validation, defaults and resolution: what the rest of breakerbox reads.
 * Every field is complete (no optional-with-default left), and the object is deeply frozen.
 */
import type { ModelPrice } from '../cost/index.js';

/** A sliding window of the last `size` calls. */
export interface CountWindow {
  readonly type: 'count';
  /** Number of most recent calls the failure rate is computed over. */
  readonly size: number;
}

/** A sliding window of the last `sizeMs` milliseconds, kept as `buckets` slices. */
export interface TimeWindow {
  readonly type: 'time';
  readonly sizeMs: number;
  readonly buckets: number;
}

/** Trip on the failure (or slow-call) rate over a sliding window. */
export interface RateTrip {
  readonly window: CountWindow | TimeWindow;
  /** No rate decision before this many calls are in the window. */
  readonly minCalls: number;
  /** Fraction of failed calls (0..1] that trips the breaker. */
  readonly failureRate: number;
  /** Fraction of slow calls (over `slowCallMs`) that trips the breaker. Unset: slowness alone never trips. */
  readonly slowRate?: number;
}

/** Circuit-breaker settings of one deployment; fed to the core `CircuitBreaker`. */
export interface BreakerSettings {
  readonly trip: {
    /** Trip after this many consecutive failures. @default 5 */
    readonly consecutive?: number;
    readonly rate?: RateTrip;
  };
  /** A call slower than this counts as slow (and, with `trip.rate.slowRate`, toward tripping). */
  readonly slowCallMs?: number;
  /** First open duration, ms. @default 30000 */
  readonly openMs: number;
  /** Cap of the growing open duration, ms. @default 300000 */
  readonly maxOpenMs: number;
  /** Each consecutive re-open multiplies the open duration by this. @default 2 */
  readonly backoffMultiplier: number;
  /** Random spread of the open duration, as a fraction (0..1). @default 0.1 */
  readonly jitterRatio: number;
  /** A 429 with Retry-After opens the breaker for at least that long. @default true */
  readonly tripOnRetryAfter: boolean;
  readonly halfOpen: {
    /** Probe calls admitted at once while half-open. @default 1 */
    readonly probes: number;
    /** Successful probes needed to close. @default 2 */
    readonly successes: number;
    /** A probe permit not returned within this many ms is reclaimed. @default 60000 */
    readonly permitTimeoutMs: number;
  };
}

/** Retry settings. Retries never multiply: one deadline and one budget cover every attempt. */
export interface RetrySettings {
  /** Extra calls allowed per request beyond one per candidate (0..10). @default 2 */
  readonly attempts: number;
  /** Retries may add at most this fraction (0..1) of first attempts. @default 0.2 */
  readonly budget: number;
  /** Retries always allowed per second regardless of the budget ratio. @default 10 */
  readonly minPerSecond: number;
  readonly backoff: {
    /** @default 100 */
    readonly initialMs: number;
    /** @default 2000 */
    readonly maxMs: number;
  };
}

/** Per-attempt timeouts of one provider, ms. */
export interface Timeouts {
  /** TCP + TLS connect. @default 5000 */
  readonly connectMs: number;
  /** Request sent → first response byte (first SSE chunk for streams). @default 30000 */
  readonly firstByteMs: number;
  /** Longest silence between two chunks of a body or stream. @default 30000 */
  readonly idleMs: number;
  /** Whole attempt. @default 120000 */
  readonly totalMs: number;
}

/** One upstream OpenAI-compatible provider (an account / key at a base URL). */
export interface ResolvedProvider {
  readonly name: string;
  readonly baseURL: string;
  /** Secret. Never log it; use {@link redactConfig} to print a config. */
  readonly apiKey?: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Requests per minute, enforced client-side. */
  readonly rpm?: number;
  /** Tokens per minute, enforced client-side. */
  readonly tpm?: number;
  readonly maxConcurrent?: number;
  readonly timeouts: Timeouts;
}

/** One way to serve a model: a provider and the model's name there. */
export interface ResolvedDeployment {
  /** `${provider}/${model}`; unique within its model. Names the breaker and metrics. */
  readonly id: string;
  readonly provider: string;
  /** The upstream model name (defaults to the logical model's name). */
  readonly model: string;
  /** Share of traffic under the `weighted` strategy. @default 1 */
  readonly weight: number;
  readonly rpm?: number;
  readonly tpm?: number;
  readonly maxConcurrent?: number;
  /**
   * The longest one attempt on this deployment may take (for a stream: to its first content
   * chunk), ms; never more than what is left of the deadline. Unset: an attempt with another
   * candidate behind it gets half of the remaining deadline, the last candidate all of it.
   * Deployment over model.
   */
  readonly attemptTimeoutMs?: number;
  /** Deployment over model over global over built-in defaults. */
  readonly breaker: BreakerSettings;
  readonly retry: RetrySettings;
}

/** How a model picks among its deployments. */
export type Strategy = 'priority' | 'weighted' | 'least-latency' | 'least-cost';

/** Spend cap of one model, USD per UTC day. */
export interface ModelBudget {
  readonly usdPerDay: number;
  /** `refuse`: fail with `budget_exceeded`; `downgrade`: serve `downgradeTo` instead. @default 'refuse' */
  readonly onExceeded: 'refuse' | 'downgrade';
  readonly downgradeTo?: string;
}

/** A logical model, as callers name it. */
export interface ResolvedModel {
  readonly name: string;
  readonly deployments: readonly ResolvedDeployment[];
  readonly fallbacks: readonly string[];
  /** Models to try when the request exceeds this model's context window. */
  readonly contextWindowFallbacks: readonly string[];
  /** @default 'priority' */
  readonly strategy: Strategy;
  /** Set for embedding models; they fail over only to models of the same dimension. */
  readonly embeddingDimensions?: number;
  /** Served, marked as such, when every candidate is unavailable. */
  readonly staticFallback?: { readonly content: string };
  /**
   * 4xx statuses that, from this model's providers, fail over and count against the deployment,
   * besides the defaults (401, 402, 403, 404, 408, 409, 429). 400, 413 and 422 come back to the
   * caller unchanged unless listed here. @default []
   */
  readonly failoverOn: readonly number[];
  readonly budget?: ModelBudget;
  /** Model over global over built-in defaults (deployments may override further). */
  readonly breaker: BreakerSettings;
  readonly retry: RetrySettings;
}

/** The opt-in exact-match response cache. */
export interface CacheSettings {
  /** @default false */
  readonly enabled: boolean;
  /** @default 1000 */
  readonly maxEntries: number;
  /** @default 67108864 (64 MiB) */
  readonly maxBytes: number;
  /** @default 300000 */
  readonly ttlMs: number;
  /** Serve an expired entry (marked stale) when every candidate is open. @default false */
  readonly staleIfOpen: boolean;
  /** How long past its TTL an entry may still be served stale, ms. @default 86400000 */
  readonly staleTtlMs: number;
}

/** A key clients of the gateway authenticate with. */
export interface ResolvedClientKey {
  /** Secret. */
  readonly key: string;
  /** Used in logs, metrics and per-key budgets. @default `key-${index + 1}` */
  readonly name: string;
  readonly rpm?: number;
  readonly budgetUsdPerDay?: number;
}

/** Pino log level names. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The gateway (`breakerbox serve`). */
export interface ServerSettings {
  /** @default '127.0.0.1' */
  readonly host: string;
  /** @default 8787 */
  readonly port: number;
  /** Empty: the gateway accepts unauthenticated clients. */
  readonly clientKeys: readonly ResolvedClientKey[];
  /** Secret guarding the admin API; unset disables it. */
  readonly adminKey?: string;
  /** @default 4194304 (4 MiB) */
  readonly bodyLimitBytes: number;
  /** @default 64 */
  readonly maxJsonDepth: number;
  /** @default 30000 */
  readonly shutdownGraceMs: number;
  /** @default 'info' */
  readonly logLevel: LogLevel;
  /**
   * Extra names (`name` for any port, or `name:port`) accepted in the `Host` header, besides the
   * bound address, `localhost`, `127.0.0.1` and `[::1]` on the gateway's port. @default []
   */
  readonly allowedHosts: readonly string[];
  /** Cross-origin browser access (opt-in). */
  readonly cors: CorsSettings;
  /** `/metrics` protection. */
  readonly metrics: MetricsSettings;
  /** Longest wait for a request's headers, ms. @default 10000 */
  readonly headersTimeoutMs: number;
  /** Longest wait for a whole request (headers and body), ms. @default 30000 */
  readonly requestTimeoutMs: number;
  /** Open connections at once; more are answered 503 and closed. @default 1024 */
  readonly maxConnections: number;
  /** Request body bytes buffered across all requests at once. @default 67108864 (64 MiB) */
  readonly maxBufferedBodyBytes: number;
  /** The JSONL request log; unset: no request log. */
  readonly requestLog?: RequestLogSettings;
}

/** `server.requestLog`: one JSON line per request, rotated by size. */
export interface RequestLogSettings {
  /** The file written; rotated files are `<path>.1` (newest) … `<path>.<maxFiles>`. */
  readonly path: string;
  /** Size at which the file is rotated, bytes. @default 10485760 (10 MiB) */
  readonly maxBytes: number;
  /** Rotated files kept besides the current one. @default 5 */
  readonly maxFiles: number;
  /** Log the request's messages/input and the answer's content too. @default false */
  readonly content: boolean;
}

/** `telemetry`. */
export interface TelemetrySettings {
  /**
   * Creates OpenTelemetry spans (request and attempt) through `@opentelemetry/api`; the
   * application registers the SDK. On by itself when `otlp` is set. @default false
   */
  readonly tracing: boolean;
  /** OTLP/HTTP trace export by `breakerbox serve`; unset: none (unless `OTEL_EXPORTER_OTLP_*`). */
  readonly otlp?: OtlpSettings;
}

/** `telemetry.otlp`. */
export interface OtlpSettings {
  /** The collector's traces URL, e.g. `http://127.0.0.1:4318/v1/traces`. */
  readonly endpoint: string;
  /** Extra HTTP headers sent to the collector (e.g. an API key). @default {} */
  readonly headers: Readonly<Record<string, string>>;
}

/** Who may read `/metrics`: the admin key, any client key (or the admin key), or anyone. */
export type MetricsAuth = 'admin' | 'client' | 'none';

/** `server.metrics`. */
export interface MetricsSettings {
  /** @default 'none' */
  readonly auth: MetricsAuth;
}

/** `server.cors`. */
export interface CorsSettings {
  /** Origins (`https://app.example.com`) allowed to call the gateway from a browser. @default [] */
  readonly origins: readonly string[];
}

/** Where breaker state lives (docs/scaling.md). */
export interface StateSettings {
  /** `memory`: this process alone; `redis`: shared by every replica with the same `keyPrefix`. @default memory */
  readonly store: 'memory' | 'redis';
  /** @default redis://127.0.0.1:6379 */
  readonly url: string;
  /** Prefix of every key and channel: one fleet per prefix. @default bb: */
  readonly keyPrefix: string;
  /** This replica's name in the fleet. @default host:pid:random */
  readonly replicaId?: string;
  /** How often a replica re-reads the fleet's state and says it is alive, ms. @default 1000 */
  readonly syncMs: number;
  /** The longest a Redis command may take before the replica runs on its own, ms. @default 250 */
  readonly commandTimeoutMs: number;
}

/** The whole configuration, validated, defaulted, resolved and frozen. */
export interface ResolvedConfig {
  readonly providers: Readonly<Record<string, ResolvedProvider>>;
  readonly models: Readonly<Record<string, ResolvedModel>>;
  /** One deadline for a request, across every attempt and fallback. @default 60000 */
  readonly deadlineMs: number;
  /** Global breaker settings (built-in defaults under the file's `breaker`). */
  readonly breaker: BreakerSettings;
  readonly retry: RetrySettings;
  /** USD per 1M tokens: built-in prices with the file's `pricing` over them. */
  readonly pricing: Readonly<Record<string, ModelPrice>>;
  readonly cache: CacheSettings;
  readonly server: ServerSettings;
  readonly state: StateSettings;
  readonly telemetry: TelemetrySettings;
}

/** Options of `parseConfig`, `parseConfigText` and `loadConfigFile`. */
export interface ParseConfigOptions {
  /** Variables for `${VAR}` interpolation. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** File name shown in errors. */
  readonly file?: string;
}
