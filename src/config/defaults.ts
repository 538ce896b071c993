import { deepFreeze } from './plain.js';
import type {
  BreakerSettings,
  CacheSettings,
  RetrySettings,
  ServerSettings,
  Timeouts,
} from './types.js';

/** Built-in breaker settings, under every `breaker` in a configuration. */
export const DEFAULT_BREAKER: BreakerSettings = deepFreeze({
  trip: { consecutive: 5 },
  openMs: 30_000,
  maxOpenMs: 300_000,
  backoffMultiplier: 2,
  jitterRatio: 0.1,
  tripOnRetryAfter: true,
  halfOpen: { probes: 1, successes: 2, permitTimeoutMs: 60_000 },
});

/** Built-in retry settings, under every `retry` in a configuration. */
export const DEFAULT_RETRY: RetrySettings = deepFreeze({
  attempts: 2,
  budget: 0.2,
  minPerSecond: 10,
  backoff: { initialMs: 100, maxMs: 2000 },
});

/** Built-in provider timeouts. */
export const DEFAULT_TIMEOUTS: Timeouts = deepFreeze({
  connectMs: 5000,
  firstByteMs: 30_000,
  idleMs: 30_000,
  totalMs: 120_000,
});

/** Built-in request deadline, ms. */
export const DEFAULT_DEADLINE_MS = 60_000;

/** Built-in weight of a deployment under the `weighted` strategy. */
export const DEFAULT_WEIGHT = 1;

/** Built-in cache settings (disabled). */
export const DEFAULT_CACHE: CacheSettings = deepFreeze({
  enabled: false,
  maxEntries: 1000,
  maxBytes: 64 * 1024 * 1024,
  ttlMs: 300_000,
  staleIfOpen: false,
  staleTtlMs: 86_400_000,
});

/** Built-in gateway settings. */
export const DEFAULT_SERVER: Omit<ServerSettings, 'clientKeys' | 'adminKey'> = deepFreeze({
  host: '127.0.0.1',
  port: 8787,
  bodyLimitBytes: 4 * 1024 * 1024,
  maxJsonDepth: 64,
  shutdownGraceMs: 30_000,
  logLevel: 'info',
  allowedHosts: [],
  cors: { origins: [] },
  metrics: { auth: 'none' },
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  maxConnections: 1024,
  maxBufferedBodyBytes: 64 * 1024 * 1024,
});

/** Built-in state settings: breaker state in this process's memory. */
export const DEFAULT_STATE = {
  store: 'memory',
  url: 'redis://127.0.0.1:6379',
  keyPrefix: 'bb:',
  syncMs: 1000,
  commandTimeoutMs: 250,
} as const;
/** Built-in sizes of the JSONL request log (`server.requestLog`). */
export const DEFAULT_REQUEST_LOG = deepFreeze({ maxBytes: 10 * 1024 * 1024, maxFiles: 5 });
