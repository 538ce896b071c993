/**
 * `startGateway()`: breakerbox as an OpenAI-compatible HTTP server on `node:http`. The hot path
 * is plain Node: no WHATWG Request/Response, the upstream's body text relayed as it came, stream
 * chunks written straight to the socket with backpressure.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { routeError } from '../engine/index.js';
import type { MetricsAuth, RequestLogSettings } from '../config/index.js';
import type { Breakerbox, ReloadReport } from '../engine/index.js';
import { Access } from './access.js';
import { BodyBudget } from './body-budget.js';
import type { ClientKeyConfig } from './auth.js';
import { ClientLimits } from './client-limits.js';
import type { GatewayContext } from './context.js';
import type { AttemptRecord } from '../core/index.js';
import { circuitStates, modelBudgets } from './engine-view.js';
import { Exchange, clientRequestId } from './exchange.js';
import { createHttpServer } from './http-server.js';
import { cutExchange } from './shutdown-cut.js';
import { RequestGuard, checkJsonBody } from './guard.js';
import { handleCircuitAction, handleCircuits } from './handlers/admin.js';
import { handleReload } from './handlers/reload.js';
import { MidStreamFailure, handleModelCall, handleModels } from './handlers/openai.js';
import {
  handleDashboard,
  handleDashboardEvents,
  handleHealth,
  handleMetrics,
  handleReady,
} from './handlers/ops.js';
import { LiveDashboard } from './live-dashboard.js';
import { createLogger, logRequest, logTransition } from './log.js';
import type { GatewayLogger } from './log.js';
import { logStateStore } from './state-store-log.js';
import { GatewayMetrics } from './metrics.js';
import { HttpError, attemptsOf, codeOf, detailOf, sendError } from './respond.js';
import { RequestIds } from './request-id.js';
import { openRequestLog } from './request-log.js';
import { resolveRoute, splitTarget } from './routes.js';
import type { RouteMatch } from './routes.js';
import { errorSource } from './taxonomy.js';
import type { ErrorSource } from './taxonomy.js';
import { resolveSettings } from './settings.js';
import type { GatewaySettings } from './settings.js';

/** The routes that call a model (their errors carry what was attempted). */
const MODEL_ROUTES: ReadonlySet<string> = new Set([
  'chat',
  'embeddings',
  'responses',
  'completions',
]);

/** Options of {@link startGateway}. Anything left out comes from `engine.config.server`. */
export interface GatewayOptions {
  /** The engine to serve. The gateway does not close it (the caller, or the signal handler, does). */
  readonly engine: Breakerbox;
  /** @default config `server.host`, else '127.0.0.1' */
  readonly host?: string;
  /** 0 picks a free port. @default config `server.port` */
  readonly port?: number;
  /** @default a pino logger at config `server.logLevel` on stdout */
  readonly logger?: GatewayLogger;
  /** @default config `server.clientKeys` */
  readonly clientKeys?: readonly ClientKeyConfig[];
  /** @default config `server.adminKey` */
  readonly adminKey?: string;
  /** @default config `server.bodyLimitBytes` */
  readonly bodyLimitBytes?: number;
  /** @default config `server.maxJsonDepth` */
  readonly maxJsonDepth?: number;
  /** Default grace period of {@link Gateway.close}, ms. @default config `server.shutdownGraceMs` */
  readonly shutdownGraceMs?: number;
  /** Require the admin key on `/metrics` too (same as `metricsAuth: 'admin'`). @default false */
  readonly protectMetrics?: boolean;
  /** Who may read `/metrics`. @default config `server.metrics.auth` ('none') */
  readonly metricsAuth?: MetricsAuth;
  /** Dashboard push interval, ms. @default 1000 */
  readonly dashboardIntervalMs?: number;
  /** Extra `Host` names accepted (`name` or `name:port`). @default config `server.allowedHosts` */
  readonly allowedHosts?: readonly string[];
  /** Origins allowed cross-origin (CORS). @default config `server.cors.origins` */
  readonly corsOrigins?: readonly string[];
  /** Longest wait for a request's headers, ms. @default config `server.headersTimeoutMs` */
  readonly headersTimeoutMs?: number;
  /** Longest wait for a whole request, ms. @default config `server.requestTimeoutMs` */
  readonly requestTimeoutMs?: number;
  /** Open connections at once. @default config `server.maxConnections` */
  readonly maxConnections?: number;
  /** Body bytes buffered across requests. @default config `server.maxBufferedBodyBytes` */
  readonly maxBufferedBodyBytes?: number;
  /** Re-reads the config for `POST /admin/reload` (serve: the config file). @default none */
  readonly reload?: () => Promise<ReloadReport>;
  /** The JSONL request log. @default config `server.requestLog` (none) */
  readonly requestLog?: RequestLogSettings;
}

/** A running gateway. */
export interface Gateway {
  /** `http://host:port`, without `/v1`. */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly engine: Breakerbox;
  readonly metrics: GatewayMetrics;
  readonly logger: GatewayLogger;
  /** True once {@link close} has started. */
  readonly draining: boolean;
  /** Request body bytes reserved right now, across requests (≤ `maxBufferedBodyBytes`). */
  readonly bufferedBodyBytes: number;
  /**
   * Drains and stops: stops accepting, closes idle keep-alive sockets, answers `/readyz` with
   * 503, lets in-flight requests and streams finish for up to `graceMs`, then cuts what is left
   * (each cut cancels its upstream call). Resolves when every socket is closed. Idempotent.
   */
  close(graceMs?: number): Promise<void>;
}

/**
 * Starts the gateway and resolves once it listens.
 * @throws ConfigError when no client key is configured and the host is not loopback
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const gateway = new GatewayServer(options, resolveSettings(options));
  await gateway.listen();
  return gateway;
}

class GatewayServer implements Gateway {
  readonly engine: Breakerbox;
  readonly metrics: GatewayMetrics;
  readonly logger: GatewayLogger;
  readonly #settings: GatewaySettings;
  readonly #ctx: GatewayContext;
  readonly #server: Server;
  readonly #dashboard: LiveDashboard;
  readonly #inFlight = new Set<Exchange>();
  readonly #subscriptions: { dispose(): void }[] = [];
  readonly #ids = new RequestIds();
  readonly #guard: RequestGuard;
  #draining = false;
  #closing: Promise<void> | undefined;
  #onIdle: (() => void) | undefined;
  #port = 0;

  constructor(options: GatewayOptions, settings: GatewaySettings) {
    this.engine = options.engine;
    this.#settings = settings;
    this.logger = options.logger ?? createLogger({ level: settings.logLevel });
    const access = new Access(settings);
    this.metrics = new GatewayMetrics({
      events: this.engine,
      circuits: () => circuitStates(this.engine),
      models: this.engine.models,
      deployments: [...this.engine.deployments.values()],
      budgets: () => modelBudgets(this.engine),
      ...(this.engine.stateStore !== undefined && {
        stateStore: this.engine.stateStore.status.bind(this.engine.stateStore),
      }),
    });
    this.#dashboard = new LiveDashboard(this.engine, options.dashboardIntervalMs ?? 1000);
    this.#ctx = {
      engine: this.engine,
      // Live: a config reload may add or remove models.
      models: { has: (name) => Object.hasOwn(this.engine.config.models, name) },
      access,
      limits: new ClientLimits({ identities: access.keys.identities, ledger: this.engine.ledger }),
      metrics: this.metrics,
      dashboard: this.#dashboard.feed,
      logger: this.logger,
      bodyLimitBytes: settings.bodyLimitBytes,
      bodyBudget: new BodyBudget(settings.maxBufferedBodyBytes),
      maxJsonDepth: settings.maxJsonDepth,
      deadlineMs: this.engine.config.deadlineMs,
      metricsAuth: settings.metricsAuth,
      isDraining: () => this.#draining,
      requestLog: openRequestLog(options, this.logger),
      reload: options.reload,
    };
    this.#guard = new RequestGuard({
      host: settings.host,
      port: () => this.#port,
      allowedHosts: settings.allowedHosts,
      corsOrigins: settings.corsOrigins,
    });
    this.#subscribe();
    this.#server = createHttpServer({
      headersTimeoutMs: settings.headersTimeoutMs,
      requestTimeoutMs: settings.requestTimeoutMs,
      maxConnections: settings.maxConnections,
      handle: (req, res) => {
        this.#handle(req, res);
      },
      onRefused: (error) => {
        this.#errorAnswered(errorSource(error.code), error.code);
      },
    });
  }

  get url(): string {
    const h = this.#settings.host.includes(':') ? `[${this.#settings.host}]` : this.#settings.host;
    return `http://${h}:${this.#port}`;
  }

  get port(): number {
    return this.#port;
  }

  get host(): string {
    return this.#settings.host;
  }

  get draining(): boolean {
    return this.#draining;
  }

  get bufferedBodyBytes(): number {
    return this.#ctx.bodyBudget.usedBytes;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ host: this.#settings.host, port: this.#settings.port }, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#port = (this.#server.address() as AddressInfo).port;
    this.logger.info(
      { event: 'listening', url: this.url, clientKeys: this.#ctx.access.keys.size },
      `breakerbox gateway listening on ${this.url}`,
    );
  }

  close(graceMs = this.#settings.shutdownGraceMs): Promise<void> {
    this.#closing ??= this.#drain(graceMs);
    return this.#closing;
  }

  #subscribe(): void {
    this.#subscriptions.push(
      this.engine.on('transition', (t) => {
        logTransition(this.logger, t);
      }),
    );
    const store = this.engine.stateStore;
    if (store !== undefined) this.#subscriptions.push(logStateStore(this.logger, store));
  }

  /** Counts an answered error in the metrics and the dashboard's history. */
  #errorAnswered(
    source: ErrorSource,
    code: string,
    model?: string,
    tried?: readonly AttemptRecord[],
  ) {
    this.metrics.errorAnswered(source, code, model);
    this.#dashboard.error(source, tried);
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const { path, query } = splitTarget(req.url ?? '/');
    const ex = new Exchange({
      req,
      res,
      requestId: clientRequestId(req) ?? this.#ids.next(),
      startedMs: performance.now(),
      path,
      query,
    });
    this.#inFlight.add(ex);
    // A request on a kept-alive socket during the drain is served, then that socket closes.
    if (this.#draining) res.setHeader('connection', 'close');
    res.once('close', () => {
      this.#finished(ex);
    });
    this.#serve(ex).catch((error: unknown) => {
      // Only a bug gets here (answering an error threw): never leave the socket hanging.
      this.logger.error({ err: error, requestId: ex.requestId }, 'failed to answer');
      res.destroy();
    });
  }

  async #serve(ex: Exchange): Promise<void> {
    try {
      if (this.#guard.check(ex.req, ex.res) === 'preflight') return;
      const resolution = resolveRoute(ex.method, ex.path);
      if (resolution.kind !== 'match') {
        const { status, error, headers } = routeError(resolution, ex.method, ex.path);
        throw new HttpError(status, error, headers);
      }
      ex.route = resolution.route.id;
      if (ex.method === 'POST') checkJsonBody(ex.req);
      await this.#route(ex, resolution.route);
    } catch (thrown) {
      this.#fail(ex, thrown);
    }
  }

  async #route(ex: Exchange, route: RouteMatch): Promise<void> {
    const ctx = this.#ctx;
    switch (route.id) {
      case 'chat':
      case 'embeddings':
      case 'responses':
      case 'completions':
        ex.endInFlight = this.metrics.requestStarted();
        await handleModelCall(ctx, ex, { id: route.id });
        break;
      case 'models':
      case 'model':
        await handleModels(ctx, ex, {
          id: route.id,
          ...(route.name !== undefined && { name: route.name }),
        });
        break;
      case 'metrics':
        await handleMetrics(ctx, ex);
        break;
      case 'healthz':
        handleHealth(ex);
        break;
      case 'readyz':
        handleReady(ctx, ex);
        break;
      case 'circuits':
        handleCircuits(ctx, ex);
        break;
      case 'circuit-action':
        handleCircuitAction(ctx, ex, route.name ?? '', route.action ?? 'reset');
        break;
      case 'reload':
        await handleReload(ctx, ex);
        break;
      case 'dashboard':
        handleDashboard(ctx, ex);
        break;
      case 'dashboard-events':
        handleDashboardEvents(ctx, ex);
        break;
    }
  }

  #fail(ex: Exchange, thrown: unknown): void {
    // The shutdown already answered (and counted) it; what the handler throws next is its echo.
    if (ex.cutByShutdown) return;
    if (thrown instanceof MidStreamFailure) {
      const code = codeOf(thrown.error);
      ex.errorCode = code;
      ex.errorDetail = detailOf(thrown.error);
      const tried = attemptsOf(thrown.error);
      this.#errorAnswered(errorSource(code, tried), code, ex.model, tried);
      return;
    }
    const headers = ex.baseHeaders();
    if (MODEL_ROUTES.has(ex.route)) {
      // What the request tried comes from the error it failed with, not from an engine event.
      ex.errorAttempts = attemptsOf(thrown);
      ex.errorDetail = detailOf(thrown);
      const calls = ex.errorAttempts.filter((a) => a.result !== 'skipped').length;
      headers['x-breakerbox-deployment'] = ex.meta?.deployment ?? 'none';
      headers['x-breakerbox-fallback'] = ex.meta?.fallback ?? 'none';
      headers['x-breakerbox-attempts'] = String(ex.meta?.calls ?? calls);
    }
    const answered = sendError(ex.res, thrown, headers);
    ex.errorCode = answered.code;
    const source = errorSource(answered.code, answered.attempts);
    this.#errorAnswered(source, answered.code, ex.model, answered.attempts);
    if (answered.code === 'internal_error') {
      this.logger.error({ err: thrown, requestId: ex.requestId }, 'unexpected error');
    }
  }

  #finished(ex: Exchange): void {
    // The client went away before the response ended: cancel the engine's upstream call.
    if (!ex.res.writableFinished) ex.cancel();
    ex.bodyHold?.release();
    ex.endInFlight?.();
    this.#inFlight.delete(ex);
    const now = performance.now();
    if (ex.model !== undefined) this.metrics.observeDuration(ex.model, now - ex.startedMs);
    // The line is written at warn for a 5xx, at info otherwise (see logRequest).
    if (this.logger.isLevelEnabled(ex.res.statusCode >= 500 ? 'warn' : 'info')) {
      // A stream's report (tokens, cost) arrives when it ends: at the latest while this same
      // 'close' is emitted, since the stream's own close listener cancels it.
      if (ex.reportPending === undefined) logRequest(this.logger, ex.logLine(now));
      else
        void ex.reportPending.then(() => {
          logRequest(this.logger, ex.logLine(now));
        });
    }
    this.#ctx.requestLog?.record(ex, now);
    if (this.#draining) {
      this.#server.closeIdleConnections();
      if (this.#inFlight.size === 0) this.#onIdle?.();
    }
  }

  async #drain(graceMs: number): Promise<void> {
    this.#draining = true;
    this.logger.info({ event: 'draining', inFlight: this.#inFlight.size, graceMs }, 'draining');
    this.#dashboard.close();
    const closed = new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve();
      });
    });
    for (const ex of this.#inFlight) {
      if (!ex.res.headersSent) ex.res.setHeader('connection', 'close');
    }
    this.#server.closeIdleConnections();
    if (this.#inFlight.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.#onIdle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    const cut = this.#inFlight.size;
    // Past the grace period: what is left gets `shutting_down` (an error event for a stream)
    // where it can still carry one, then is cut; each cut aborts its request's upstream call.
    const answered = await Promise.all([...this.#inFlight].map((ex) => cutExchange(ex, graceMs)));
    const told = answered.filter(Boolean).length;
    for (let i = 0; i < told; i++) this.#errorAnswered('policy', 'shutting_down');
    this.#server.closeAllConnections();
    await closed;
    for (const s of this.#subscriptions) s.dispose();
    this.metrics.dispose();
    await this.#ctx.requestLog?.close();
    this.logger.info({ event: 'closed', cut, told }, 'gateway closed');
  }
}
