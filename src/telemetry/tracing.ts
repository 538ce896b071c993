/**
 * OpenTelemetry traces through `@opentelemetry/api` only: one span per request and a child span
 * per upstream call, named and attributed after the GenAI semantic conventions
 * (https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/) plus `breakerbox.*`.
 *
 * Opt-in (`telemetry.tracing`): with it off the engine holds no {@link Tracing} and creates no
 * span object at all. With it on and no SDK registered, the API hands out non-recording spans.
 */
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { Attributes, Context, Span, Tracer, TracerProvider } from '@opentelemetry/api';
import type { AttemptRecord } from '../core/index.js';
import type { AttemptContext, CallResult, Deployment } from '../router/index.js';
import { extractTraceContext, injectTraceContext } from './trace-context.js';
import type { TraceHeaders } from './trace-context.js';

/** The instrumentation scope name of every breakerbox span. */
export const TRACER_NAME = 'breakerbox';

/** What a finished request looked like, for its span (the engine's `RequestEvent`, narrowed). */
export interface TracedRequestEnd {
  readonly meta: {
    readonly requestId: string;
    readonly model: string | null;
    readonly deployment: string | null;
    readonly fallbackUsed: boolean;
    readonly fallback: string;
    readonly attempts: readonly AttemptRecord[];
    readonly calls: number;
    readonly cached: boolean;
    readonly costUsd: number;
  };
  readonly ok: boolean;
  readonly errorCode: string | undefined;
  readonly promptTokens: number;
  readonly completionTokens: number;
}

/** What a successful call answered, as far as the span cares. */
export interface TracedAnswer {
  /** The `model` the provider says answered. */
  readonly responseModel?: string | undefined;
  readonly inputTokens?: number | undefined;
  readonly outputTokens?: number | undefined;
}

/** One request's trace; see {@link Tracing.startRequest}. */
export interface RequestTraceInit {
  readonly operation: 'chat' | 'embeddings' | 'text_completion';
  readonly model: string;
  readonly stream: boolean;
  /** An incoming request's headers: the request span continues their W3C trace (a server span). */
  readonly headers?: TraceHeaders | undefined;
}

/** The engine's tracer; built only when `telemetry.tracing` is on. */
export class Tracing {
  readonly #tracer: Tracer;
  readonly #breakerState: (deploymentId: string) => string | undefined;

  /**
   * @param deps.provider the tracer provider; default: the global one (`trace.setGlobalTracerProvider`)
   * @param deps.breakerState the breaker state of a deployment, read at admission
   */
  constructor(deps: {
    provider?: TracerProvider | undefined;
    version?: string;
    breakerState: (deploymentId: string) => string | undefined;
  }) {
    this.#tracer = (deps.provider ?? trace.getTracerProvider()).getTracer(
      TRACER_NAME,
      deps.version,
    );
    this.#breakerState = deps.breakerState;
  }

  /** Opens a request span: a child of the incoming headers' trace, else of the active context. */
  startRequest(init: RequestTraceInit): RequestTrace {
    const remote = init.headers === undefined ? undefined : extractTraceContext(init.headers);
    const parent = remote ?? context.active();
    const span = this.#tracer.startSpan(
      `${init.operation} ${init.model}`,
      {
        kind: init.headers !== undefined ? SpanKind.SERVER : SpanKind.INTERNAL,
        attributes: {
          'gen_ai.operation.name': init.operation,
          'gen_ai.request.model': init.model,
          'breakerbox.stream': init.stream,
        },
      },
      parent,
    );
    return new RequestTrace({
      tracer: this.#tracer,
      span,
      ctx: trace.setSpan(parent, span),
      init,
      breakerState: this.#breakerState,
    });
  }
}

/** The spans of one request. */
export class RequestTrace {
  readonly #tracer: Tracer;
  readonly #span: Span;
  readonly #ctx: Context;
  readonly #init: RequestTraceInit;
  readonly #breakerState: (deploymentId: string) => string | undefined;
  #calls = 0;
  #responseModel: string | undefined;
  #ended = false;

  constructor(o: {
    tracer: Tracer;
    span: Span;
    ctx: Context;
    init: RequestTraceInit;
    breakerState: (deploymentId: string) => string | undefined;
  }) {
    this.#tracer = o.tracer;
    this.#span = o.span;
    this.#ctx = o.ctx;
    this.#init = o.init;
    this.#breakerState = o.breakerState;
  }

  /**
   * Wraps a router call so that each upstream call gets its own client span (active while the
   * call runs) and forwards `traceparent` upstream through `attempt.traceHeaders`.
   */
  wrapCall<T>(
    call: (d: Deployment, attempt: AttemptContext) => Promise<CallResult<T>>,
    inspect: (value: T) => TracedAnswer,
  ): (d: Deployment, attempt: AttemptContext) => Promise<CallResult<T>> {
    return async (d, attempt) => {
      const span = this.#startAttempt(d, attempt);
      const ctx = trace.setSpan(this.#ctx, span);
      const traced = { ...attempt, traceHeaders: injectTraceContext(ctx) };
      try {
        const result = await context.with(ctx, () => call(d, traced));
        this.#endAttempt(span, result, inspect);
        return result;
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: 'internal_error' });
        span.setAttribute('error.type', 'internal_error');
        span.end();
        throw error;
      }
    };
  }

  #startAttempt(d: Deployment, attempt: AttemptContext): Span {
    this.#calls++;
    const attributes: Attributes = {
      'gen_ai.operation.name': this.#init.operation,
      'gen_ai.request.model': d.upstreamModel,
      'gen_ai.provider.name': d.provider,
      'gen_ai.system': d.provider,
      'breakerbox.deployment': d.id,
      'breakerbox.model': d.model,
      'breakerbox.attempt': this.#calls,
      'breakerbox.retry': attempt.retry ?? 0,
      'breakerbox.fallback_used': d.model !== this.#init.model,
    };
    const state = this.#breakerState(d.id);
    if (state !== undefined) attributes['breakerbox.breaker.state'] = state;
    return this.#tracer.startSpan(
      `${this.#init.operation} ${d.upstreamModel}`,
      { kind: SpanKind.CLIENT, attributes },
      this.#ctx,
    );
  }

  #endAttempt<T>(span: Span, result: CallResult<T>, inspect: (value: T) => TracedAnswer): void {
    if (result.type === 'success') {
      const answer = inspect(result.value);
      if (answer.responseModel !== undefined) {
        this.#responseModel = answer.responseModel;
        span.setAttribute('gen_ai.response.model', answer.responseModel);
      }
      if (answer.inputTokens !== undefined)
        span.setAttribute('gen_ai.usage.input_tokens', answer.inputTokens);
      if (answer.outputTokens !== undefined)
        span.setAttribute('gen_ai.usage.output_tokens', answer.outputTokens);
    } else {
      const code = result.type === 'failure' ? result.outcome.kind : errorTypeOf(result);
      span.setAttribute('error.type', code);
      span.setAttribute('breakerbox.error_code', code);
      span.setStatus({ code: SpanStatusCode.ERROR, message: code });
      if ('status' in result && result.status !== undefined)
        span.setAttribute('http.response.status_code', result.status);
    }
    span.end();
  }

  /** Ends the request span with what the request came to (ok or not). Idempotent. */
  end(report: TracedRequestEnd): void {
    if (this.#ended) return;
    this.#ended = true;
    const { meta } = report;
    const span = this.#span;
    const attributes: Attributes = {
      'breakerbox.request_id': meta.requestId,
      'breakerbox.fallback_used': meta.fallbackUsed,
      'breakerbox.fallback': meta.fallback,
      'breakerbox.calls': meta.calls,
      'breakerbox.cached': meta.cached,
      'breakerbox.cost_usd': meta.costUsd,
      'gen_ai.usage.input_tokens': report.promptTokens,
      'gen_ai.usage.output_tokens': report.completionTokens,
    };
    if (meta.deployment !== null) {
      attributes['breakerbox.deployment'] = meta.deployment;
      const provider = meta.deployment.slice(0, meta.deployment.indexOf('/'));
      attributes['gen_ai.provider.name'] = provider;
      attributes['gen_ai.system'] = provider;
    }
    const responseModel = this.#responseModel ?? meta.model;
    if (responseModel !== null) attributes['gen_ai.response.model'] = responseModel;
    span.setAttributes(attributes);
    this.#skips(meta.attempts);
    if (!report.ok) this.#error(report.errorCode ?? 'internal_error');
    span.end();
  }

  /** Ends the request span for a request that threw. Idempotent. */
  fail(error: unknown, requestId: string | undefined): void {
    if (this.#ended) return;
    this.#ended = true;
    if (requestId !== undefined) this.#span.setAttribute('breakerbox.request_id', requestId);
    const attempts = (error as { attempts?: unknown } | null)?.attempts;
    if (Array.isArray(attempts)) this.#skips(attempts as AttemptRecord[]);
    if (error instanceof Error) this.#span.recordException(error);
    const code = (error as { code?: unknown } | null)?.code;
    this.#error(typeof code === 'string' ? code : 'internal_error');
    this.#span.end();
  }

  /** Candidates passed over: one span event each and a `breakerbox.skip_reasons` list. */
  #skips(attempts: readonly AttemptRecord[]): void {
    const reasons: string[] = [];
    for (const a of attempts) {
      if (a.result !== 'skipped') continue;
      reasons.push(`${a.deployment}=${a.reason}`);
      this.#span.addEvent('breakerbox.skip', {
        'breakerbox.deployment': a.deployment,
        'breakerbox.skip_reason': a.reason,
        ...(a.retryAfterMs !== undefined && { 'breakerbox.retry_after_ms': a.retryAfterMs }),
      });
    }
    if (reasons.length > 0) this.#span.setAttribute('breakerbox.skip_reasons', reasons);
  }

  #error(code: string): void {
    this.#span.setAttribute('error.type', code);
    this.#span.setAttribute('breakerbox.error_code', code);
    this.#span.setStatus({ code: SpanStatusCode.ERROR, message: code });
  }
}

function errorTypeOf(result: { readonly type: string; readonly outcome?: unknown }): string {
  if (result.type === 'caller_error') {
    const reason = (result.outcome as { reason?: unknown } | undefined)?.reason;
    return typeof reason === 'string' ? reason : 'caller_error';
  }
  return result.type;
}
