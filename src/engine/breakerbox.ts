/**
 * `createBreakerbox(config)`: the engine the library, the gateway and the batch runner share.
 * One request: resolve the model (and its budget), try the cache, open one deadline, run the
 * router's failover over the plan, settle the winner's permit, account for it.
 */
import { RetryBudget, systemClock } from '../core/index.js';
import type { Clock, Disposable } from '../core/index.js';
import { parseConfig } from '../config/index.js';
import type { ConfigInput, ResolvedConfig } from '../config/index.js';
import { CostLedger } from '../cost/index.js';
import { ResponseCache, cacheKey } from '../cache/index.js';
import { planCandidates, planContextFallbacks, runFailover } from '../router/index.js';
import type { Candidate, Deployment, FailoverRequest, ModelRoute } from '../router/index.js';
import { StatsCollector, Tracing, wireDiagnostics } from '../telemetry/index.js';
import type { RequestTrace } from '../telemetry/index.js';
import type { TracerProvider } from '@opentelemetry/api';
import type { Dispatcher } from 'undici';
import { Accounting } from './accounting.js';
import type { BreakerboxEvents } from './accounting.js';
import { buildRuntime } from './build.js';
import { Retirement, planReload } from './reload.js';
import type { ReloadReport } from './reload.js';
import { inspectJson, inspectStream, isObserved, observeRequest, tracedCall } from './observe.js';
import type { BuildDeps, Runtime } from './build.js';
import type { ChatStream } from './chat-stream.js';
import { createFetch } from './fetch.js';
import type { BreakerboxMeta } from './meta.js';
import type {
  AnyChatRequest,
  ChatChunk,
  ChatRequest,
  ChatResult,
  EmbeddingsRequest,
  EmbeddingsResult,
  ResponsesRequest,
  ResponsesResult,
} from './public-types.js';
import type { Response as OpenAIResponse } from 'openai/resources/responses/responses';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import type { CreateEmbeddingResponse } from 'openai/resources/embeddings';
import { chooseRoute, newRequestId, openDeadline, retryControl } from './request-context.js';
import type { CallOptions } from './request-context.js';
import { fromCache, rescue } from './rescue.js';
import type { RescueContext, UnaryResult } from './rescue.js';
import { openStream } from './stream-call.js';
import type { OpenedStream } from './stream-call.js';
import { callJson, upstreamRequest, usageOf } from './upstream-calls.js';
import type { JsonResponse } from './upstream-calls.js';
import { validateChatBody, validateEmbeddingsBody } from './validate.js';
import type { ChatBody } from './validate.js';
import { pinFor } from './pin.js';
import type { Pin } from './pin.js';
import type { ResponsesStream } from './responses-stream.js';
import { wrapStream } from './stream-wrap.js';
import {
  encodeJsonIds,
  estimateTokens,
  streamBody,
  streamHooks,
  validateBody,
} from './routes-body.js';
import type { AnyBody, Route, StreamRoute } from './routes-body.js';
import { outputText } from './text-apis.js';
import { rawBodyFor } from './raw-body.js';

/** Seams for embedding and tests. */
export interface BreakerboxDeps {
  /** @default systemClock */
  readonly clock?: Clock;
  /** Jitter and weighted choice. @default Math.random */
  readonly random?: () => number;
  /** An undici dispatcher used for every provider (a MockAgent in tests). */
  readonly dispatcher?: Dispatcher;
  /** Environment for `${VAR}` in the config. @default process.env */
  readonly env?: Record<string, string | undefined>;
  /** Spans go here when `telemetry.tracing` is on. @default the global tracer provider */
  readonly tracerProvider?: TracerProvider;
}

/** The engine. Build it with {@link createBreakerbox}. */
export class Breakerbox {
  #config: ResolvedConfig;
  /** Routes `/chat/completions`, `/embeddings` and `/models` for the official `openai` SDK. */
  readonly fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  /** When this engine was created, epoch ms (the `created` of `/models` entries). */
  readonly startedAtEpochMs: number;
  readonly #clock: Clock;
  readonly #random: () => number;
  #runtime: Runtime;
  readonly #ledger: CostLedger;
  readonly #cache: ResponseCache | undefined;
  readonly #stats: StatsCollector;
  readonly #retryBudget: RetryBudget;
  readonly #accounting: Accounting;
  #rescue: RescueContext;
  readonly #build: BuildDeps;
  readonly #retired: Retirement;
  readonly #subscriptions: Disposable[] = [];
  readonly #tracing: Tracing | undefined;
  #closed = false;

  constructor(config: ResolvedConfig, deps: BreakerboxDeps = {}) {
    this.#config = config;
    this.#clock = deps.clock ?? systemClock;
    this.#retired = new Retirement(this.#clock);
    this.#random = deps.random ?? Math.random;
    this.startedAtEpochMs = this.#clock.epochMs();
    this.#build = { clock: this.#clock, ...(deps.dispatcher && { dispatcher: deps.dispatcher }) };
    this.#runtime = buildRuntime(config, this.#build);
    this.#ledger = new CostLedger({
      prices: config.pricing,
      clock: this.#clock,
      ...(this.#runtime.stateStore !== undefined && { shared: this.#runtime.stateStore.spend }),
    });
    this.#cache = config.cache.enabled
      ? new ResponseCache({ ...config.cache, clock: this.#clock })
      : undefined;
    this.#stats = new StatsCollector({
      clock: this.#clock,
      models: Object.keys(config.models),
      deployments: Object.fromEntries(
        [...this.#runtime.deployments].map(([id, d]) => [id, d.model]),
      ),
    });
    this.#retryBudget = new RetryBudget({
      ratio: config.retry.budget,
      minPerSecond: config.retry.minPerSecond,
      clock: this.#clock,
    });
    this.#accounting = new Accounting({
      clock: this.#clock,
      ledger: this.#ledger,
      stats: this.#stats,
    });
    this.#rescue = {
      config,
      cache: this.#cache,
      accounting: this.#accounting,
      nowMs: () => this.#clock.now(),
      epochMs: () => this.#clock.epochMs(),
    };
    this.#subscriptions.push(
      this.#runtime.breakers.onTransition((t) => {
        const event = {
          deployment: t.breaker,
          from: t.from,
          to: t.to,
          reason: t.reason,
          atMs: t.atMs,
        };
        this.#stats.recordTransition(event);
        this.#accounting.events.transition.emit(event);
      }),
    );
    this.#subscriptions.push(...wireDiagnostics(this.#accounting.events));
    this.#tracing = config.telemetry.tracing
      ? new Tracing({
          provider: deps.tracerProvider,
          breakerState: (id) => this.#runtime.breakers.get(id).state,
        })
      : undefined;
    this.fetch = createFetch(this);
  }

  /** The validated configuration in force (the latest one {@link reload} took). */
  get config(): ResolvedConfig {
    return this.#config;
  }

  /** Swaps in a new configuration: running requests finish as they started (see reload.ts). */
  reload(config: ResolvedConfig): ReloadReport {
    const previous = { config: this.#config, runtime: this.#runtime };
    const plan = planReload(previous, config, this.#build);
    this.#config = config;
    this.#runtime = plan.runtime;
    this.#rescue = { ...this.#rescue, config };
    this.#retired.retire(plan.retired, previous.config.deadlineMs);
    return plan.report;
  }

  /** Subscribes to engine events; dispose the result to unsubscribe. */
  on<K extends keyof BreakerboxEvents>(
    event: K,
    listener: (e: BreakerboxEvents[K]) => void,
  ): Disposable {
    const emitter = this.#accounting.events[event] as unknown as {
      on(l: (e: BreakerboxEvents[K]) => void): Disposable;
    };
    return emitter.on(listener);
  }

  /** The configured logical models. */
  get models(): readonly string[] {
    return [...this.#runtime.models.keys()];
  }

  /** The deployments and their breakers, for admin and metrics. */
  get deployments(): ReadonlyMap<string, Deployment> {
    return this.#runtime.deployments;
  }

  /** Breakers by deployment id, for the admin API. */
  get breakers(): Runtime['breakers'] {
    return this.#runtime.breakers;
  }

  /** Breaker state shared with a fleet through Redis; undefined with the memory store. */
  get stateStore(): Runtime['stateStore'] {
    return this.#runtime.stateStore;
  }

  /** The cost ledger (spend per model, deployment and client key). */
  get ledger(): CostLedger {
    return this.#ledger;
  }

  /**
   * A chat completion through the router.
   * @throws InvalidRequestError, ModelNotFoundError, BudgetExceededError, CancelledError,
   *   DeadlineExceededError, UpstreamRejectedError, AllCandidatesFailedError
   */
  async chat(request: ChatRequest, options: CallOptions = {}): Promise<ChatResult> {
    const body = validateChatBody(request);
    if (body.stream === true) {
      throw new TypeError('chat() takes non-stream requests; use stream() for stream: true');
    }
    const r = await this.#unary('chat', body, options);
    // The provider's answer, checked to carry `choices`, relayed as the SDK would type it.
    return { ...(r.body as unknown as ChatCompletion), breakerbox: r.meta };
  }

  /** Embeddings through the router. Fails over only to models declaring the same dimension. */
  async embed(request: EmbeddingsRequest, options: CallOptions = {}): Promise<EmbeddingsResult> {
    const r = await this.#unary('embeddings', validateEmbeddingsBody(request), options);
    // The provider's answer, checked to carry `data`, relayed as the SDK would type it.
    return { ...(r.body as unknown as CreateEmbeddingResponse), breakerbox: r.meta };
  }

  /**
   * A Responses API call (non-stream; for streams see {@link openRouteStream}). A stateless
   * request fails over like {@link chat}; a stateful one (`previous_response_id`, `conversation`,
   * `item_reference`) is pinned to the deployment holding its state.
   * @throws as {@link chat}, and ResponseStateUnavailableError when the pinned deployment is down
   */
  async responses(request: ResponsesRequest, options: CallOptions = {}): Promise<ResponsesResult> {
    const body = validateBody('responses', request);
    if (body.stream === true) {
      throw new TypeError(
        "responses() takes non-stream requests; use openRouteStream('responses')",
      );
    }
    const r = await this.#unary('responses', body, options);
    // The provider's answer, checked to carry `output`, relayed as the SDK would type it.
    const answer = r.body as unknown as OpenAIResponse;
    return { ...answer, output_text: outputText(answer), breakerbox: r.meta };
  }

  /**
   * Like {@link chat} and {@link embed} but for relaying: the upstream's body text as it came
   * (not re-serialised) and the meta apart, for `bb.fetch`, the gateway and the batch runner.
   */
  async relay(route: Route, request: unknown, options: CallOptions = {}): Promise<UnaryResult> {
    return this.#unary(route, validateBody(route, request), options);
  }

  /**
   * Opens a Responses (`route: 'responses'`) or legacy completions stream, like
   * {@link openStream}: resolves once the first content event exists. A stateful Responses
   * request is pinned to the deployment holding its state (see `docs/gateway.md`).
   * @throws as {@link openStream}, and ResponseStateUnavailableError for a pinned request
   */
  async openRouteStream(
    route: 'responses',
    request: unknown,
    options?: CallOptions,
  ): Promise<ResponsesStream>;
  async openRouteStream(
    route: 'completions',
    request: unknown,
    options?: CallOptions,
  ): Promise<ChatStream>;
  async openRouteStream(
    route: 'responses' | 'completions',
    request: unknown,
    options: CallOptions = {},
  ): Promise<ResponsesStream | ChatStream> {
    return this.#openStream(route, validateBody(route, request), options);
  }

  /**
   * Opens a chat stream. Resolves once the first content chunk exists, so every failure before
   * it fails over and surfaces here as a rejection, never mid-stream.
   */
  async openStream(request: AnyChatRequest, options: CallOptions = {}): Promise<ChatStream> {
    return this.#openStream('chat', validateChatBody(request), options) as Promise<ChatStream>;
  }

  /**
   * A chat stream as parsed chunk objects: `for await (const chunk of bb.stream(req))`.
   * `meta` resolves once the stream has ended, with its real cost and duration (it rejects
   * when the stream could not be opened).
   */
  stream(
    request: AnyChatRequest,
    options: CallOptions = {},
  ): AsyncIterable<ChatChunk> & { readonly meta: Promise<BreakerboxMeta> } {
    const opened = this.openStream(request, options);
    opened.catch(() => undefined);
    const meta = opened.then(async (s) => (await s.report).meta);
    meta.catch(() => undefined);
    return {
      meta,
      async *[Symbol.asyncIterator]() {
        const s = await opened;
        for await (const data of s) yield JSON.parse(data) as ChatChunk;
      },
    };
  }

  /** Per model and deployment: calls, outcomes, fallbacks, latency, tokens, cost, breakers. */
  stats(): ReturnType<StatsCollector['snapshot']> & { breakers: Record<string, unknown> } {
    const breakers: Record<string, unknown> = {};
    for (const [id] of this.#runtime.deployments)
      breakers[id] = this.#runtime.breakers.get(id).snapshot();
    return { ...this.#stats.snapshot(), breakers };
  }

  /** Closes every upstream connection pool. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of this.#subscriptions) s.dispose();
    await Promise.all([
      ...[...this.#runtime.upstreams.values()].map((u) => u.close()),
      this.#runtime.stateStore?.close(),
    ]);
    await this.#retired.closeAll();
  }

  /** The failover request shared by every route, less its `call`. */
  #failover(req: {
    readonly kind: Route;
    readonly route: ModelRoute;
    readonly body: AnyBody;
    readonly options: CallOptions;
    readonly deadline: FailoverRequest<unknown>['deadline'];
    readonly requestId: string;
  }): Omit<FailoverRequest<unknown>, 'call'> & { readonly pin: Pin | undefined } {
    const { kind, route, body, options, deadline, requestId } = req;
    const lookup = (name: string): ModelRoute | undefined => this.#runtime.models.get(name);
    const contextPlan: Candidate[] =
      kind === 'chat' ? planContextFallbacks(route, lookup, this.#random) : [];
    const plan = planCandidates(route, kind === 'embeddings' ? kind : 'chat', lookup, this.#random);
    const pin =
      kind === 'responses' ? pinFor(body, route, plan, this.#runtime.deployments) : undefined;
    return {
      pin,
      model: route,
      plan: pin?.plan ?? plan,
      contextPlan: pin ? [] : contextPlan,
      clock: this.#clock,
      callerSignal: options.signal,
      deadline,
      estimatedTokens: estimateTokens(kind, body),
      retry: retryControl(route, this.config, this.#retryBudget, this.#random),
      onAttempt: (a) => {
        this.#accounting.attempt(a, requestId);
      },
    };
  }

  #unary(kind: Route, body: AnyBody, options: CallOptions): Promise<UnaryResult> {
    if (!isObserved(this.#tracing)) return this.#runUnary(kind, body, options, undefined);
    const seen = observeRequest(this.#tracing, { route: kind, model: body.model, options });
    if (seen === undefined) return this.#runUnary(kind, body, options, undefined);
    return seen.settle(this.#runUnary(kind, body, seen.options, seen.trace), (r) => r.report);
  }

  async #runUnary(
    kind: Route,
    body: AnyBody,
    options: CallOptions,
    trace: RequestTrace | undefined,
  ): Promise<UnaryResult> {
    const startedMs = this.#clock.now();
    const requestId = options.requestId ?? newRequestId();
    const choice = chooseRoute(body.model, this.#runtime.models, this.config, this.#ledger);
    const key = kind === 'chat' && this.#cache ? cacheKey(body) : undefined;
    const rescueReq = { kind, model: body.model, key, requestId, startedMs };
    const hit = key !== undefined ? this.#cache?.get(key) : undefined;
    if (hit?.fresh === true) return fromCache(this.#rescue, rescueReq, hit, []);
    const deadline = openDeadline(this.config.deadlineMs, options, this.#clock);
    this.#retryBudget.recordRequest();
    let win;
    let pin: Pin | undefined;
    try {
      const failover = this.#failover({
        kind,
        route: choice.route,
        body,
        options,
        deadline,
        requestId,
      });
      pin = failover.pin;
      const sent = pin?.body ?? body;
      const raw = pin ? undefined : rawBodyFor(body, options.rawBody);
      win = await runFailover<JsonResponse>({
        ...failover,
        call: tracedCall(
          trace,
          (d, attempt) => callJson(d, kind, upstreamRequest(d, sent, attempt, requestId, raw)),
          inspectJson,
        ),
      });
    } catch (thrown) {
      const error = pin ? pin.explain(thrown) : thrown;
      const rescued = rescue(this.#rescue, rescueReq, error);
      if (rescued) return rescued;
      this.#accounting.failed({
        route: kind,
        requestedModel: body.model,
        error,
        requestId,
        startedMs,
      });
      throw error;
    } finally {
      deadline.dispose();
    }
    const usage = usageOf(win.value.body);
    // The breaker, the limits and the latency estimate get the winning attempt's own time.
    win.settle(
      { type: 'success', durationMs: win.attemptMs },
      usage.promptTokens + usage.completionTokens,
    );
    const report = this.#accounting.answered({
      route: kind,
      requestedModel: body.model,
      win,
      requestId,
      durationMs: this.#clock.now() - startedMs,
      attemptMs: win.attemptMs,
      usage,
      budgetFallback: choice.fallback,
      clientKey: options.clientKey,
      ttftMs: undefined,
      outcome: { type: 'success' },
    });
    if (key !== undefined) this.#cache?.set(key, win.value.body, win.value.text);
    const value =
      kind === 'responses' ? encodeJsonIds(win.value, win.candidate.deployment.id) : win.value;
    return { body: value.body, text: value.text, meta: report.meta, report };
  }

  #openStream(
    kind: StreamRoute,
    body: AnyBody,
    options: CallOptions,
  ): Promise<ChatStream | ResponsesStream> {
    if (!isObserved(this.#tracing)) return this.#runStream(kind, body, options, undefined);
    const seen = observeRequest(this.#tracing, { route: 'stream', model: body.model, options });
    if (seen === undefined) return this.#runStream(kind, body, options, undefined);
    return seen.settle(this.#runStream(kind, body, seen.options, seen.trace), (s) => s.report);
  }

  async #runStream(
    kind: StreamRoute,
    body: AnyBody,
    options: CallOptions,
    trace: RequestTrace | undefined,
  ): Promise<ChatStream | ResponsesStream> {
    const startedMs = this.#clock.now();
    const requestId = options.requestId ?? newRequestId();
    const choice = chooseRoute(body.model, this.#runtime.models, this.config, this.#ledger);
    const deadline = openDeadline(this.config.deadlineMs, options, this.#clock);
    this.#retryBudget.recordRequest();
    let win;
    let pin: Pin | undefined;
    try {
      const failover = this.#failover({
        kind,
        route: choice.route,
        body,
        options,
        deadline,
        requestId,
      });
      pin = failover.pin;
      const upstreamBody = streamBody(kind, pin?.body ?? body);
      const raw = pin ? undefined : rawBodyFor(body, options.rawBody, kind);
      win = await runFailover<OpenedStream>({
        ...failover,
        call: tracedCall(
          trace,
          (d, attempt) =>
            openStream({
              deployment: d,
              request: upstreamRequest(d, upstreamBody, attempt, requestId, raw),
              deadlineSignal: attempt.signal,
              callerSignal: options.signal,
              clock: this.#clock,
              attemptMs: attempt.attemptMs,
              ...streamHooks(kind, d),
            }),
          inspectStream,
        ),
      });
    } catch (thrown) {
      const error = pin ? pin.explain(thrown) : thrown;
      this.#accounting.failed({
        route: 'stream',
        requestedModel: body.model,
        error,
        requestId,
        startedMs,
      });
      throw error;
    } finally {
      // The deadline covers the first chunk; from here the stream lives on its own controller.
      deadline.dispose();
    }
    const ttftMs = this.#clock.now() - startedMs;
    return wrapStream({
      kind,
      win,
      answer: {
        route: 'stream',
        requestedModel: body.model,
        requestId,
        durationMs: ttftMs,
        // A stream's attempt is timed to its first content: its length is the model's answer.
        attemptMs: win.attemptMs,
        budgetFallback: choice.fallback,
        clientKey: options.clientKey,
        ttftMs,
      },
      callerWantsUsage: (body as ChatBody).stream_options?.include_usage === true,
      startedMs,
      clock: this.#clock,
      accounting: this.#accounting,
    });
  }
}

/**
 * Builds the engine from a config object (the same shape as the YAML file), or from an already
 * resolved config.
 * @throws ConfigError listing every problem with its path
 */
export function createBreakerbox(
  config: ConfigInput | ResolvedConfig,
  deps: BreakerboxDeps = {},
): Breakerbox {
  const resolved = parseConfig(config, { env: deps.env ?? process.env });
  return new Breakerbox(resolved, deps);
}
