/**
 * The one schema of breakerbox's configuration, for the library's config object and the YAML file
 * alike. Every object is strict, so a typo (`opneMs`) is an error, not a silently ignored key.
 *
 * The schema describes what a user may write: settings that inherit (`breaker`, `retry`,
 * `timeouts`) are partial at every level and completed by `resolve.ts`, which also checks what
 * only the merged result can tell (a rate trip with no window anywhere, `maxOpenMs < openMs`).
 * `null` on an inheritable optional setting (`trip.consecutive: null`) turns an inherited value off.
 */
import { z } from 'zod';

const count = z.number().int().positive();
const positiveMs = z.number().positive();
const nonNegativeMs = z.number().nonnegative();
const ratio = z.number().min(0).max(1);
const fraction = z.number().gt(0).max(1);
const usd = z.number().nonnegative();
const name = z.string().min(1);

const countWindow = z.strictObject({
  type: z.literal('count'),
  size: count.max(100_000),
});

const timeWindow = z.strictObject({
  type: z.literal('time'),
  sizeMs: positiveMs,
  buckets: count.max(3600),
});

const rateTrip = z.strictObject({
  window: z.discriminatedUnion('type', [countWindow, timeWindow]).optional(),
  minCalls: count.optional(),
  failureRate: fraction.optional(),
  slowRate: fraction.nullable().optional(),
});

/** Breaker settings as written at any level; all optional, completed by inheritance. */
export const breakerInputSchema = z.strictObject({
  trip: z
    .strictObject({
      consecutive: count.nullable().optional(),
      rate: rateTrip.nullable().optional(),
    })
    .optional(),
  slowCallMs: positiveMs.nullable().optional(),
  openMs: positiveMs.optional(),
  maxOpenMs: positiveMs.optional(),
  backoffMultiplier: z.number().min(1).optional(),
  jitterRatio: ratio.optional(),
  tripOnRetryAfter: z.boolean().optional(),
  halfOpen: z
    .strictObject({
      probes: count.optional(),
      successes: count.optional(),
      permitTimeoutMs: positiveMs.optional(),
    })
    .optional(),
});

/** Retry settings as written at any level; all optional, completed by inheritance. */
export const retryInputSchema = z.strictObject({
  attempts: z.number().int().min(0).max(10).optional(),
  budget: ratio.optional(),
  minPerSecond: z.number().nonnegative().optional(),
  backoff: z
    .strictObject({
      initialMs: positiveMs.optional(),
      maxMs: positiveMs.optional(),
    })
    .optional(),
});

const timeoutsInput = z.strictObject({
  connectMs: positiveMs.optional(),
  firstByteMs: positiveMs.optional(),
  idleMs: positiveMs.optional(),
  totalMs: positiveMs.optional(),
});

const providerName = z.string().regex(/^[^/\s]+$/, {
  error: 'a provider name must be non-empty, without "/" or spaces',
});

const providerSchema = z.strictObject({
  baseURL: z.url({ protocol: /^https?$/ }),
  apiKey: name.optional(),
  rpm: count.optional(),
  tpm: count.optional(),
  maxConcurrent: count.optional(),
  timeouts: timeoutsInput.optional(),
  headers: z.record(z.string().min(1), z.string()).optional(),
});

const deploymentSchema = z.strictObject({
  provider: name,
  model: name.optional(),
  weight: z.number().positive().optional(),
  rpm: count.optional(),
  tpm: count.optional(),
  maxConcurrent: count.optional(),
  attemptTimeoutMs: positiveMs.optional(),
  breaker: breakerInputSchema.optional(),
  retry: retryInputSchema.optional(),
});

/** Provider statuses a model may add to the ones that fail over (docs/errors.md, "Failure kinds"). */
const failoverStatus = z.number().int().min(400).max(499);

/** The ways a model picks among its deployments. */
export const STRATEGIES = ['priority', 'weighted', 'least-latency', 'least-cost'] as const;

const modelSchema = z.strictObject({
  deployments: z.array(deploymentSchema).min(1, { error: 'a model needs at least one deployment' }),
  fallbacks: z.array(name).optional(),
  contextWindowFallbacks: z.array(name).optional(),
  strategy: z.enum(STRATEGIES).optional(),
  embeddingDimensions: count.optional(),
  staticFallback: z.strictObject({ content: z.string() }).optional(),
  attemptTimeoutMs: positiveMs.optional(),
  failoverOn: z.array(failoverStatus).optional(),
  budget: z
    .strictObject({
      usdPerDay: usd,
      onExceeded: z.enum(['refuse', 'downgrade']).optional(),
      downgradeTo: name.optional(),
    })
    .optional(),
  breaker: breakerInputSchema.optional(),
  retry: retryInputSchema.optional(),
});

const clientKeySchema = z.union(
  [
    name,
    z.strictObject({
      key: name,
      name: name.optional(),
      rpm: count.optional(),
      budgetUsdPerDay: usd.optional(),
    }),
  ],
  { error: 'expected a key string or { key, name?, rpm?, budgetUsdPerDay? }' },
);

/** A browser origin as the `Origin` header sends it: `scheme://host[:port]`, no path. */
const origin = z
  .string()
  .regex(
    /^[a-z][a-z0-9+.-]*:\/\/[^/\s?#]+$/i,
    'an origin is scheme://host[:port], with no path (http://localhost:3000)',
  );

/** Pino log levels accepted by `server.logLevel`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const serverSchema = z.strictObject({
  host: name.optional(),
  port: z.number().int().min(0).max(65_535).optional(),
  clientKeys: z.array(clientKeySchema).optional(),
  adminKey: name.optional(),
  bodyLimitBytes: count.optional(),
  maxJsonDepth: count.optional(),
  shutdownGraceMs: nonNegativeMs.optional(),
  logLevel: z.enum(LOG_LEVELS).optional(),
  allowedHosts: z.array(name).optional(),
  cors: z.strictObject({ origins: z.array(origin).optional() }).optional(),
  metrics: z.strictObject({ auth: z.enum(['admin', 'client', 'none']).optional() }).optional(),
  headersTimeoutMs: positiveMs.optional(),
  requestTimeoutMs: positiveMs.optional(),
  maxConnections: count.optional(),
  maxBufferedBodyBytes: count.optional(),
  requestLog: z
    .strictObject({
      path: name,
      maxBytes: count.optional(),
      maxFiles: count.optional(),
      content: z.boolean().optional(),
    })
    .optional(),
});

/** `telemetry`: OpenTelemetry traces (opt-in) and the OTLP export of `breakerbox serve`. */
const telemetrySchema = z.strictObject({
  tracing: z.boolean().optional(),
  otlp: z
    .strictObject({
      endpoint: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
      headers: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
});

const cacheSchema = z.strictObject({
  enabled: z.boolean().optional(),
  maxEntries: count.optional(),
  maxBytes: count.optional(),
  ttlMs: positiveMs.optional(),
  staleIfOpen: z.boolean().optional(),
  staleTtlMs: nonNegativeMs.optional(),
});

const redisUrl = z
  .string()
  .regex(
    /^rediss?:\/\/\S+$/,
    'a Redis URL is redis://[user:password@]host:port[/db] (or rediss://)',
  );

/** Where breaker state lives: this process's memory, or Redis shared by a fleet of replicas. */
const stateSchema = z.strictObject({
  store: z.enum(['memory', 'redis']).optional(),
  url: redisUrl.optional(),
  keyPrefix: name.optional(),
  replicaId: name.optional(),
  syncMs: positiveMs.min(50).optional(),
  commandTimeoutMs: positiveMs.optional(),
});

/** USD per 1M tokens; 0 is a valid, explicit price (a free local model). */
const priceSchema = z.strictObject({
  input: usd,
  output: usd,
  cachedInput: usd.optional(),
});

/** The whole configuration as a user writes it (YAML or a plain object). */
export const configSchema = z.strictObject({
  providers: z.record(providerName, providerSchema),
  models: z.record(name, modelSchema),
  breaker: breakerInputSchema.optional(),
  retry: retryInputSchema.optional(),
  deadlineMs: positiveMs.optional(),
  pricing: z.record(name, priceSchema).optional(),
  cache: cacheSchema.optional(),
  server: serverSchema.optional(),
  state: stateSchema.optional(),
  telemetry: telemetrySchema.optional(),
});

/** The configuration as written: what `createBreakerbox(config)` and the YAML file accept. */
export type ConfigInput = z.input<typeof configSchema>;
/** Breaker settings as written at one level (global, model or deployment). */
export type BreakerInput = z.input<typeof breakerInputSchema>;
/** Retry settings as written at one level. */
export type RetryInput = z.input<typeof retryInputSchema>;
/** One model as written. */
export type ModelInput = z.input<typeof modelSchema>;
