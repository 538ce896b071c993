/**
 * A fault-injecting simulator of an OpenAI-compatible provider, for the demo, the tests and the
 * benchmarks: no API key, deterministic given a seed, fast enough to be the upstream of a
 * throughput benchmark (keep-alive, precomputed strings, one write per stream by default).
 * It imports nothing of the project: only `node:*`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkApiKey } from './auth.js';
import { CallStats } from './call-stats.js';
import { routeControl, type ControlTarget } from './control-routes.js';
import { Exchange, type ExchangeObserver } from './exchange.js';
import { FaultBook } from './fault-book.js';
import {
  handleChat,
  handleEmbeddings,
  type ModelRouteContext,
  type ResolvedModelOptions,
} from './model-routes.js';
import type {
  Faults,
  ModelStats,
  Scenario,
  ScheduledScenario,
  SimModelOptions,
  Simulator,
  SimulatorOptions,
} from './types.js';
import { parseScenario, positiveInteger } from './validate.js';
import { handleCompletions, handleResponses } from './text-routes.js';
import { sendError, sendJson, unknownRoute } from './wire.js';

const DEFAULT_EMBEDDING_DIMENSIONS = 256;
const DEFAULT_CONTEXT_WINDOW_TOKENS = 128_000;
/** `created` of every model object (a fixed date: the list is deterministic). */
const MODEL_CREATED_S = 1_700_000_000;
/** Longer than undici's client default (4 s), so the client always closes an idle socket first. */
const KEEP_ALIVE_TIMEOUT_MS = 30_000;

function resolveModelOptions(options: SimModelOptions, path: string): ResolvedModelOptions {
  const { embeddingDimensions, contextWindow, chunkCount } = options;
  return {
    embeddingDimensions:
      embeddingDimensions === undefined
        ? DEFAULT_EMBEDDING_DIMENSIONS
        : positiveInteger(embeddingDimensions, `${path}.embeddingDimensions`),
    contextWindowTokens:
      contextWindow === undefined
        ? DEFAULT_CONTEXT_WINDOW_TOKENS
        : positiveInteger(contextWindow, `${path}.contextWindow`),
    chunkCount:
      chunkCount === undefined ? undefined : positiveInteger(chunkCount, `${path}.chunkCount`),
  };
}

/** The running simulator. Built by {@link startSimulator}. */
class SimServer implements Simulator, ModelRouteContext {
  readonly faults: FaultBook;
  readonly callStats = new CallStats();
  readonly apiKey: string | undefined;
  readonly fingerprint: string;
  readonly #server: Server;
  readonly #models = new Map<string, ResolvedModelOptions>();
  readonly #defaultModel: ResolvedModelOptions;
  readonly #active = new Set<Exchange>();
  readonly #schedules = new Set<() => void>();
  readonly #observer: ExchangeObserver;
  readonly #controlTarget: ControlTarget;
  #requestCount = 0;
  #idPrefix = '';
  #port = 0;
  #url = '';
  #closing: Promise<void> | undefined;

  constructor(options: SimulatorOptions) {
    const seed = options.seed ?? 1;
    this.faults = new FaultBook(seed);
    this.apiKey = options.apiKey;
    this.fingerprint = `fp_sim${(seed >>> 0).toString(16)}`;
    const models = options.models ?? {};
    // Listed models inherit the settings they leave out from '*'; faults fall back to '*' at
    // decision time instead (FaultBook.get), so setFaults('*') still reaches them.
    const fallback = models['*'] ?? {};
    for (const [name, model] of Object.entries(models)) {
      const path = `models[${JSON.stringify(name)}]`;
      this.#models.set(name, resolveModelOptions({ ...fallback, ...model }, path));
      if (model.faults !== undefined) this.faults.set(name, model.faults);
    }
    this.#defaultModel = this.#models.get('*') ?? resolveModelOptions({}, 'models');
    this.#observer = {
      onHead: (model, status, isStream) => {
        if (model !== undefined) this.callStats.countHead(model, status, isStream);
      },
      onClose: (exchange) => {
        this.#active.delete(exchange);
      },
    };
    this.#controlTarget = {
      setFaults: (model, faults) => {
        this.setFaults(model, faults);
      },
      schedule: (scenario) => this.schedule(scenario),
      reset: () => {
        for (const cancel of [...this.#schedules]) cancel();
        this.clearFaults();
        this.resetCounts();
      },
      statsBody: () => ({ calls: this.callStats.calls(), models: this.callStats.snapshot() }),
    };
    this.#server = createServer((req, res) => {
      this.#route(req, res);
    });
    this.#server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return this.#url;
  }

  /** Starts listening. */
  async listen(host: string, port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    const address = this.#server.address() as AddressInfo;
    this.#port = address.port;
    const hostname = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.#url = `http://${hostname}:${this.#port}/v1`;
    this.#idPrefix = `sim${this.#port.toString(36)}x`;
  }

  modelOptions(model: string): ResolvedModelOptions {
    return this.#models.get(model) ?? this.#defaultModel;
  }

  setFaults(model: string, faults: Faults | null): void {
    this.faults.set(model, faults);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  schedule(scenario: Scenario): ScheduledScenario {
    const { steps } = parseScenario(scenario);
    const timers: NodeJS.Timeout[] = [];
    const cancel = (): void => {
      for (const timer of timers) clearTimeout(timer);
      this.#schedules.delete(cancel);
    };
    // A stable sort keeps the given order of steps with the same atMs; equal timeouts fire in
    // the order they were set.
    for (const step of [...steps].sort((a, b) => a.atMs - b.atMs)) {
      if (step.atMs <= 0) {
        this.faults.set(step.model, step.faults);
        continue;
      }
      const timer = setTimeout(() => {
        this.faults.set(step.model, step.faults);
      }, step.atMs);
      timer.unref();
      timers.push(timer);
    }
    this.#schedules.add(cancel);
    return { cancel };
  }

  calls(model?: string): number {
    return this.callStats.calls(model);
  }

  stats(): Record<string, ModelStats> {
    return this.callStats.snapshot();
  }

  resetCounts(): void {
    this.callStats.reset();
  }

  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      for (const cancel of [...this.#schedules]) cancel();
      this.#server.close(() => {
        resolve();
      });
      // Hung and stalled responses would hold close() forever: end them, then every socket.
      for (const exchange of [...this.#active]) exchange.destroy();
      this.#server.closeAllConnections();
    });
    return this.#closing;
  }

  #route(req: IncomingMessage, res: ServerResponse): void {
    const exchange = new Exchange(
      res,
      `req_${this.#idPrefix}${(++this.#requestCount).toString(36)}`,
      this.#observer,
    );
    this.#active.add(exchange);
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    const handled =
      this.#routeModel(method, path, req, exchange) ??
      routeControl({ target: this.#controlTarget, method, path, req, exchange });
    if (handled === undefined) sendError(exchange, unknownRoute(method, path));
    else {
      void handled.catch(() => {
        exchange.destroy();
      });
    }
  }

  #routeModel(
    method: string,
    path: string,
    req: IncomingMessage,
    exchange: Exchange,
  ): Promise<void> | undefined {
    if (method === 'POST' && path === '/v1/chat/completions')
      return handleChat(this, req, exchange);
    if (method === 'POST' && path === '/v1/embeddings')
      return handleEmbeddings(this, req, exchange);
    if (method === 'POST' && path === '/v1/responses') return handleResponses(this, req, exchange);
    if (method === 'POST' && path === '/v1/completions')
      return handleCompletions(this, req, exchange);
    if (method !== 'GET' || !path.startsWith('/v1/models')) return undefined;
    if (path !== '/v1/models' && !path.startsWith('/v1/models/')) return undefined;
    const denied = this.apiKey === undefined ? undefined : checkApiKey(req, this.apiKey);
    if (denied !== undefined) {
      sendError(exchange, denied);
      return Promise.resolve();
    }
    if (path === '/v1/models') {
      const ids = new Set([...this.#models.keys(), ...this.callStats.models()]);
      ids.delete('*');
      const data = [...ids].sort().map(modelObject);
      sendJson(exchange, 200, JSON.stringify({ object: 'list', data }));
    } else {
      sendJson(
        exchange,
        200,
        JSON.stringify(modelObject(decodeURIComponent(path.slice('/v1/models/'.length)))),
      );
    }
    return Promise.resolve();
  }
}

function modelObject(id: string): object {
  return { id, object: 'model', created: MODEL_CREATED_S, owned_by: 'breakerbox-sim' };
}

/**
 * Starts a simulator and resolves once it listens.
 * @throws SimValidationError when a model's options or faults, or the scenario, are not valid
 * @throws Error (EADDRINUSE, ...) when it cannot listen
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const simulator = new SimServer(options);
  await simulator.listen(options.host ?? '127.0.0.1', options.port ?? 0);
  if (options.scenario !== undefined) simulator.schedule(options.scenario);
  return simulator;
}
