/**
 * The gateway's settings: explicit options first, then the engine's `server` config section
 * (which carries the defaults: 127.0.0.1:8787, 4 MiB bodies, JSON depth 64, 30 s grace).
 */
import type { LogLevel, MetricsAuth } from '../config/index.js';
import type { ClientKeyConfig } from './auth.js';
import type { GatewayOptions } from './server.js';

/** Resolved settings. */
export interface GatewaySettings {
  readonly host: string;
  readonly port: number;
  readonly clientKeys: readonly ClientKeyConfig[];
  readonly adminKey: string | undefined;
  readonly bodyLimitBytes: number;
  readonly maxJsonDepth: number;
  readonly shutdownGraceMs: number;
  readonly logLevel: LogLevel;
  readonly allowedHosts: readonly string[];
  readonly corsOrigins: readonly string[];
  readonly metricsAuth: MetricsAuth;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly maxConnections: number;
  readonly maxBufferedBodyBytes: number;
}

/** Merges the options over the config's `server` section. */
export function resolveSettings(options: GatewayOptions): GatewaySettings {
  const server = options.engine.config.server;
  return {
    host: options.host ?? server.host,
    port: options.port ?? server.port,
    clientKeys: options.clientKeys ?? server.clientKeys,
    adminKey: options.adminKey ?? server.adminKey,
    bodyLimitBytes: options.bodyLimitBytes ?? server.bodyLimitBytes,
    maxJsonDepth: options.maxJsonDepth ?? server.maxJsonDepth,
    shutdownGraceMs: options.shutdownGraceMs ?? server.shutdownGraceMs,
    logLevel: server.logLevel,
    allowedHosts: options.allowedHosts ?? server.allowedHosts,
    corsOrigins: options.corsOrigins ?? server.cors.origins,
    metricsAuth:
      options.metricsAuth ??
      (options.protectMetrics === true ? 'admin' : undefined) ??
      server.metrics.auth,
    headersTimeoutMs: options.headersTimeoutMs ?? server.headersTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs ?? server.requestTimeoutMs,
    maxConnections: options.maxConnections ?? server.maxConnections,
    maxBufferedBodyBytes: options.maxBufferedBodyBytes ?? server.maxBufferedBodyBytes,
  };
}
