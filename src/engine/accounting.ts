/**
 * The bookkeeping of every request: cost, stats, latency estimates and the events `bb.on()`
 * delivers. Telemetry only observes here; breaker state is driven by the router alone.
 */
import { AllCandidatesFailedError, Emitter } from '../core/index.js';
import type { AttemptRecord, Clock, Outcome } from '../core/index.js';
import type { CostLedger } from '../cost/index.js';
import type { FailoverSuccess } from '../router/index.js';
import type { RequestInput, StatsCollector } from '../telemetry/index.js';
import type { BreakerboxMeta, FallbackKind } from './meta.js';

/** Tokens one request used. */
export interface Usage {
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** Of `promptTokens`, those served from the provider's prompt cache (priced `cachedInput`). */
  readonly cachedPromptTokens?: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const NO_USAGE: Usage = { promptTokens: 0, completionTokens: 0 };

/** One finished request, for `bb.on('request', fn)`. */
export interface RequestEvent {
  readonly meta: BreakerboxMeta;
  /** The model route; `stream` for any stream (chat, Responses or completions). */
  readonly route: 'chat' | 'stream' | 'embeddings' | 'responses' | 'completions';
  readonly ok: boolean;
  readonly errorCode: string | undefined;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** For streams: time to the first content chunk, ms. */
  readonly ttftMs: number | undefined;
  /**
   * The winning attempt's own time, ms (for a stream: to its first content chunk); never the
   * earlier attempts'. Undefined when no deployment answered (an error, cache, static).
   */
  readonly attemptMs?: number;
}

/** Events `bb.on()` delivers. */
export interface BreakerboxEvents {
  request: RequestEvent;
  attempt: AttemptRecord & { readonly requestId: string };
  transition: { deployment: string; from: string; to: string; reason: string; atMs: number };
}

/** A request a deployment answered (for streams: once the stream has ended). */
export interface Answer {
  readonly route: RequestEvent['route'];
  readonly requestedModel: string;
  readonly win: FailoverSuccess<unknown>;
  readonly requestId: string;
  /** The request's time: to the full answer (JSON) or to the end of the stream, ms. */
  readonly durationMs: number;
  /** The winning attempt's own time, from its start (never the earlier attempts'), ms. */
  readonly attemptMs: number;
  readonly usage: Usage;
  readonly budgetFallback: FallbackKind;
  readonly clientKey: string | undefined;
  readonly ttftMs: number | undefined;
  /** How the call ended: success for JSON; for streams, whatever ended it. */
  readonly outcome: Outcome;
}

/** The meta of a request a deployment answered. */
export function describe(
  answer: Omit<Answer, 'usage' | 'clientKey' | 'ttftMs' | 'outcome' | 'route'>,
  cost = { costUsd: 0, costIfRequestedUsd: 0 },
): BreakerboxMeta {
  const { win, requestedModel } = answer;
  const served = win.candidate.deployment.model;
  let fallback: FallbackKind = 'none';
  if (win.candidate.role === 'context') fallback = 'context';
  else if (served !== requestedModel)
    fallback = answer.budgetFallback === 'budget' ? 'budget' : 'model';
  return {
    requestId: answer.requestId,
    requestedModel,
    model: served,
    deployment: win.candidate.deployment.id,
    fallbackUsed: fallback !== 'none',
    fallback,
    attempts: win.attempts,
    calls: win.calls,
    cached: false,
    costUsd: cost.costUsd,
    costIfRequestedUsd: cost.costIfRequestedUsd,
    durationMs: answer.durationMs,
  };
}

/** Bookkeeping for one engine. */
export class Accounting {
  readonly events = {
    request: new Emitter<RequestEvent>(),
    attempt: new Emitter<BreakerboxEvents['attempt']>(),
    transition: new Emitter<BreakerboxEvents['transition']>(),
  };
  readonly #clock: Clock;
  readonly #ledger: CostLedger;
  readonly #stats: StatsCollector;

  constructor(deps: { clock: Clock; ledger: CostLedger; stats: StatsCollector }) {
    this.#clock = deps.clock;
    this.#ledger = deps.ledger;
    this.#stats = deps.stats;
  }

  /** A candidate was skipped or failed. */
  attempt(a: AttemptRecord, requestId: string): void {
    const neutral = a.scope === 'request';
    this.#stats.recordAttempt({
      model: a.model,
      deployment: a.deployment,
      result: a.result === 'skipped' ? 'skipped' : neutral ? 'neutral' : 'failure',
      reason: a.reason,
      ...(a.durationMs !== undefined && { durationMs: a.durationMs }),
    });
    if (this.events.attempt.size > 0) this.events.attempt.emit({ ...a, requestId });
  }

  /** A deployment answered: cost, stats, event. Returns the request's report. */
  answered(answer: Answer): RequestEvent {
    const d = answer.win.candidate.deployment;
    const cost = this.#ledger.record({
      requestedModel: answer.requestedModel,
      servedModel: d.model,
      deployment: d.id,
      ...answer.usage,
      ...(answer.clientKey !== undefined && { clientKey: answer.clientKey }),
    });
    const meta = describe(answer, cost);
    const { outcome } = answer;
    this.#stats.recordAttempt({
      model: d.model,
      deployment: d.id,
      result: outcome.type,
      ...(outcome.type === 'failure' && { reason: outcome.kind }),
      ...(outcome.type === 'neutral' && { reason: outcome.reason }),
      durationMs: answer.attemptMs,
    });
    let code: string | undefined;
    if (outcome.type === 'failure') code = 'upstream_error';
    else if (outcome.type === 'neutral') code = 'cancelled';
    return this.finish({
      route: answer.route,
      meta,
      errorCode: code,
      usage: answer.usage,
      ttftMs: answer.ttftMs,
      attemptMs: answer.attemptMs,
    });
  }

  /** A request ended without an upstream answer. */
  failed(failure: {
    readonly route: RequestEvent['route'];
    readonly requestedModel: string;
    readonly error: unknown;
    readonly requestId: string;
    readonly startedMs: number;
  }): RequestEvent {
    const { route, requestedModel, error, requestId, startedMs } = failure;
    const attempts = error instanceof AllCandidatesFailedError ? error.attempts : [];
    const meta: BreakerboxMeta = {
      requestId,
      requestedModel,
      model: null,
      deployment: null,
      fallbackUsed: false,
      fallback: 'none',
      attempts,
      calls: attempts.filter((a) => a.result !== 'skipped').length,
      cached: false,
      costUsd: 0,
      costIfRequestedUsd: 0,
      durationMs: this.#clock.now() - startedMs,
    };
    const code = (error as { code?: unknown } | null)?.code;
    return this.finish({
      route,
      meta,
      errorCode: typeof code === 'string' ? code : 'internal_error',
    });
  }

  /**
   * Records a finished request (an error when `errorCode` is set), emits its event and returns
   * it: callers read usage, cost and outcome from this value, never by matching events to ids.
   */
  finish(finished: {
    readonly route: RequestEvent['route'];
    readonly meta: BreakerboxMeta;
    readonly errorCode: string | undefined;
    readonly usage?: Usage;
    readonly ttftMs?: number | undefined;
    readonly attemptMs?: number | undefined;
  }): RequestEvent {
    const { route, meta, errorCode, usage = NO_USAGE, ttftMs, attemptMs } = finished;
    const ok = errorCode === undefined;
    let outcome: 'success' | 'error' | 'cached' | 'static' = ok ? 'success' : 'error';
    if (ok && meta.cached) outcome = 'cached';
    else if (ok && meta.fallback === 'static') outcome = 'static';
    // Optional fields assigned, not spread in: a conditional spread costs an object and a copy.
    const input: Mutable<RequestInput> = {
      requestedModel: meta.requestedModel,
      outcome,
      fallbackUsed: meta.fallbackUsed,
      attempts: meta.calls,
      durationMs: meta.durationMs,
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      costUsd: meta.costUsd,
      costIfRequestedUsd: meta.costIfRequestedUsd,
    };
    if (meta.model !== null) input.servedModel = meta.model;
    if (meta.deployment !== null) input.deployment = meta.deployment;
    if (errorCode !== undefined) input.errorCode = errorCode;
    if (ttftMs !== undefined) input.ttftMs = ttftMs;
    this.#stats.recordRequest(input);
    const event: Mutable<RequestEvent> & { cachedPromptTokens?: number } = {
      meta,
      route,
      ok,
      errorCode,
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      ttftMs,
    };
    if (usage.cachedPromptTokens !== undefined) event.cachedPromptTokens = usage.cachedPromptTokens;
    if (attemptMs !== undefined) event.attemptMs = attemptMs;
    if (this.events.request.size > 0) this.events.request.emit(event);
    return event;
  }
}
