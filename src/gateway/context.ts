/**
 * What every handler shares: the engine, auth, limits, telemetry and the gateway's settings.
 */
import type { Breakerbox, ReloadReport } from '../engine/index.js';
import type { MetricsAuth } from '../config/index.js';
import type { Access } from './access.js';
import type { BodyBudget } from './body-budget.js';
import type { ClientLimits } from './client-limits.js';
import type { DashboardFeed } from './dashboard.js';
import type { GatewayLogger } from './log.js';
import type { GatewayMetrics } from './metrics.js';
import type { RequestLog } from './request-log.js';

/** The gateway's shared state, handed to each handler. */
export interface GatewayContext {
  readonly engine: Breakerbox;
  /** The configured model names (those of the config in force), for O(1) bounded labels. */
  readonly models: { has(name: string): boolean };
  readonly access: Access;
  readonly limits: ClientLimits;
  readonly metrics: GatewayMetrics;
  readonly dashboard: DashboardFeed;
  readonly logger: GatewayLogger;
  /** Largest request body read, bytes. */
  readonly bodyLimitBytes: number;
  /** Request body bytes buffered across all requests (`server.maxBufferedBodyBytes`). */
  readonly bodyBudget: BodyBudget;
  /** Deepest JSON nesting accepted. */
  readonly maxJsonDepth: number;
  /** The configured per-request deadline, ms (a client hint can only shorten it). */
  readonly deadlineMs: number;
  /** Who may read `/metrics`. */
  readonly metricsAuth: MetricsAuth;
  /** Re-reads the configuration and swaps it in (`POST /admin/reload`); unset: not available. */
  readonly reload?: (() => Promise<ReloadReport>) | undefined;
  /** The JSONL request log, when configured. */
  readonly requestLog?: RequestLog | undefined;
  /** True once `close()` has started: `/readyz` answers 503. */
  isDraining(): boolean;
}
