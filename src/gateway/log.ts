/**
 * Structured logs: pino JSON, one line per request and one per breaker transition. Lines are
 * built from plain fields (never from headers or bodies), and pino's `redact` censors any key-like
 * field anyway, as a second line of defence against a future field carrying a secret.
 */
import { pino } from 'pino';
import type { DestinationStream, Level, Logger } from 'pino';

/** The logger the gateway writes to: a pino logger (tests pass a silent or capturing one). */
export type GatewayLogger = Logger;

/** Fields whose values pino replaces with `[redacted]`, wherever they appear. */
export const REDACT_PATHS: readonly string[] = [
  'authorization',
  '["api-key"]',
  'apiKey',
  'adminKey',
  'key',
  'cookie',
  '*.authorization',
  '*["api-key"]',
  '*.apiKey',
  '*.adminKey',
  '*.key',
  '*.cookie',
  '*.headers.authorization',
  '*.headers["api-key"]',
  '*.headers.cookie',
  'req.headers.authorization',
  'req.headers["api-key"]',
  'req.headers.cookie',
];

/** Options of {@link createLogger}. */
export interface CreateLoggerOptions {
  /** @default 'info' */
  readonly level?: Level | 'silent';
  /**
   * Where lines go. @default stdout through pino's asynchronous destination: lines written while
   * a write is in flight are batched into the next one (no syscall per request under load), and
   * pino flushes what is pending on exit.
   */
  readonly destination?: DestinationStream;
}

/** A pino logger with breakerbox's redaction rules. */
export function createLogger(options: CreateLoggerOptions = {}): GatewayLogger {
  const opts = {
    level: options.level ?? 'info',
    base: { service: 'breakerbox' },
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
  };
  return pino(opts, options.destination ?? pino.destination({ dest: 1, sync: false }));
}

/** A logger that writes nothing. */
export function silentLogger(): GatewayLogger {
  return pino({ level: 'silent' });
}

/** One candidate skipped or failed while serving a request, as logged. */
export interface AttemptLogEntry {
  readonly deployment: string;
  readonly result: 'skipped' | 'failed' | 'succeeded';
  /** An error code (`breaker_open`, ...) or a failure kind (`network`, `server_error`, ...). */
  readonly reason: string;
  readonly status?: number;
  /** For network failures: errno, `host:port` and TLS reason (`ECONNREFUSED 127.0.0.1:9`). */
  readonly detail?: string;
}

/**
 * One finished HTTP request, as logged. Every field is plain data without secrets. Tokens and
 * cost come from this request's own result (never from an event matched by request id).
 */
export interface RequestLogLine {
  readonly requestId: string;
  readonly method: string;
  readonly route: string;
  readonly status: number;
  /** `success`, `fallback`, `cached`, `static`, `error`, `cancelled`, or `ok` for non-model routes. */
  readonly outcome: string;
  readonly durationMs: number;
  readonly model?: string;
  readonly servedModel?: string | null;
  readonly deployment?: string | null;
  readonly fallback?: string;
  /** Upstream calls made. */
  readonly attempts?: number;
  /** Every candidate skipped or failed before the answer (or the error), in order. */
  readonly attemptLog?: readonly AttemptLogEntry[];
  readonly stream?: boolean;
  readonly promptTokens?: number;
  readonly completionTokens?: number;
  readonly costUsd?: number;
  readonly ttftMs?: number;
  readonly errorCode?: string;
  /** The network detail of a failed stream's error (errno, address, TLS reason), if any. */
  readonly errorDetail?: string;
  /** The client key's *name*. */
  readonly client?: string;
}

/** Writes a request line at `info` (`warn` for 5xx). */
export function logRequest(logger: GatewayLogger, line: RequestLogLine): void {
  if (line.status >= 500) logger.warn(line, 'request');
  else logger.info(line, 'request');
}

/** Writes a breaker transition at `warn` when it opens, `info` otherwise. */
export function logTransition(
  logger: GatewayLogger,
  t: { deployment: string; from: string; to: string; reason: string },
): void {
  const line = { event: 'transition', ...t };
  if (t.to === 'open' || t.to === 'forced-open') logger.warn(line, 'circuit transition');
  else logger.info(line, 'circuit transition');
}
