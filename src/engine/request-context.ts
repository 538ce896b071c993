/**
 * What every route (chat, stream, embeddings) does before and around its failover run: resolve
 * the model, apply its spend budget, open the one deadline, and describe the outcome.
 */
import { randomUUID } from 'node:crypto';
import {
  BudgetExceededError,
  DeadlineExceededError,
  ModelNotFoundError,
  exponentialBackoff,
  withoutStack,
} from '../core/index.js';
import type { CancelTimer, Clock, RetryBudget } from '../core/index.js';
import type { ResolvedConfig } from '../config/index.js';
import type { CostLedger } from '../cost/index.js';
import type { ModelRoute, RetryControl, RouterDeadline } from '../router/index.js';
import type { TraceHeaders } from '../telemetry/index.js';
import type { FallbackKind } from './meta.js';
import { LightSignal } from './light-signal.js';

/** Per-call options of `chat`, `stream` and `embed`. */
export interface CallOptions {
  /** The caller's cancellation: aborts the upstream call and frees every resource. */
  readonly signal?: AbortSignal;
  /**
   * The request's JSON exactly as it arrived (text, or UTF-8 bytes), for a caller that relays one
   * (the gateway, `bb.fetch`): it must be the text the request object was parsed from. When an
   * attempt has nothing to change in it (the deployment's model name is the one asked for),
   * breakerbox sends these bytes rather than serialising the request again. See `raw-body.ts`
   * for when it does not.
   */
  readonly rawBody?: string | Uint8Array;
  /** A tighter deadline for this request, ms; never longer than the configured `deadlineMs`. */
  readonly deadlineMs?: number;
  /** Propagated as `x-request-id`; generated when absent. */
  readonly requestId?: string;
  /** The gateway client key's name, for per-key spend. */
  readonly clientKey?: string;
  /**
   * Headers of an incoming request (the gateway passes its client's): with tracing on, the
   * request span continues their W3C trace context (`traceparent`, `tracestate`).
   */
  readonly traceHeaders?: TraceHeaders;
}

/** Generates a request id: `req_` and 24 hex digits. */
export function newRequestId(): string {
  // randomUUID draws from a pooled entropy cache: ~0.1 µs, where randomBytes(12) cost ~3 µs (a
  // syscall per request, 5.6% of the fail-fast path's CPU in a profile). 24 hex digits of a v4
  // UUID keep 94 random bits.
  return `req_${randomUUID().replaceAll('-', '').slice(0, 24)}`;
}

/** The resolved route of one request and why it was chosen. */
export interface RouteChoice {
  readonly route: ModelRoute;
  /** `budget` when the requested model's budget sent the request to its `downgradeTo`. */
  readonly fallback: FallbackKind;
}

/**
 * Finds the model's route and applies its daily budget.
 * @throws ModelNotFoundError the model is not configured
 * @throws BudgetExceededError the budget is spent and refusing is configured
 */
export function chooseRoute(
  name: string,
  models: ReadonlyMap<string, ModelRoute>,
  config: ResolvedConfig,
  ledger: CostLedger,
): RouteChoice {
  const route = models.get(name);
  if (!route) throw new ModelNotFoundError(name);
  const budget = config.models[name]?.budget;
  if (!budget || ledger.checkBudget(name, budget.usdPerDay) === 'ok') {
    return { route, fallback: 'none' };
  }
  const downgrade = budget.onExceeded === 'downgrade' ? budget.downgradeTo : undefined;
  const target = downgrade !== undefined ? models.get(downgrade) : undefined;
  if (!target) throw new BudgetExceededError(`model ${name}`);
  return { route: target, fallback: 'budget' };
}

/**
 * The request's one deadline: aborts its {@link signal} with `DeadlineExceededError` when its time
 * passes, or with the caller's reason when the caller's signal aborts. Like the core `Deadline`
 * (same errors, same timer), but its signal is a {@link LightSignal}: nothing outside breakerbox
 * sees it, and an AbortController per request cost ~2% of a request's CPU. Dispose it when the
 * request no longer needs it.
 */
export class RequestDeadline implements RouterDeadline {
  readonly budgetMs: number;
  readonly atMs: number;
  readonly #light = new LightSignal();
  readonly #clock: Clock;
  readonly #parent: AbortSignal | undefined;
  #cancelTimer: CancelTimer | undefined;

  constructor(budgetMs: number, clock: Clock, parent: AbortSignal | undefined) {
    this.budgetMs = budgetMs;
    this.#clock = clock;
    this.atMs = clock.now() + budgetMs;
    if (parent?.aborted === true) {
      this.#light.abort(parent.reason);
      return;
    }
    if (budgetMs <= 0) {
      this.#expire();
      return;
    }
    if (budgetMs !== Infinity) this.#cancelTimer = clock.setTimer(budgetMs, this.#expire);
    this.#parent = parent;
    parent?.addEventListener('abort', this.#onParentAbort);
  }

  /** Aborts when the time passes or the caller cancels. */
  get signal(): AbortSignal {
    return this.#light.asSignal;
  }

  /** Milliseconds left (>= 0); Infinity when there is no time limit. */
  remainingMs(): number {
    return Math.max(0, this.atMs - this.#clock.now());
  }

  /** Clears the timer and unhooks from the caller's signal. Idempotent; never aborts. */
  dispose(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#parent?.removeEventListener('abort', this.#onParentAbort);
  }

  readonly #expire = (): void => {
    this.dispose();
    this.#light.abort(withoutStack(() => new DeadlineExceededError(this.budgetMs)));
  };

  readonly #onParentAbort = (): void => {
    this.dispose();
    this.#light.abort((this.#parent as AbortSignal).reason);
  };
}

/** Opens the request's one deadline: the tighter of the caller's and the configured one. */
export function openDeadline(
  configuredMs: number,
  options: CallOptions,
  clock: Clock,
): RequestDeadline {
  return new RequestDeadline(
    Math.min(configuredMs, options.deadlineMs ?? Infinity),
    clock,
    options.signal,
  );
}

/** Retry control for one request: attempts from the model, the shared budget, backoff. */
export function retryControl(
  route: ModelRoute,
  config: ResolvedConfig,
  budget: RetryBudget,
  random: () => number,
): RetryControl {
  const { initialMs, maxMs } = config.models[route.name]?.retry.backoff ?? config.retry.backoff;
  const backoff = exponentialBackoff({ initialMs, maxMs, factor: 2, jitter: 'full', random });
  return {
    attempts: route.retryAttempts,
    tryRetry: () => budget.tryRetry(),
    backoffMs: (n) => backoff({ attempt: n, previousDelayMs: undefined }),
  };
}
