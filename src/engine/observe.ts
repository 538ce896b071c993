/**
 * The observation of one request beyond metrics: its OpenTelemetry spans (when tracing is on) and
 * the `breakerbox:request:start` diagnostics channel (when subscribed). With neither, nothing here
 * runs: the engine takes its plain path and allocates nothing for it.
 */
import { hasRequestStartSubscribers, publishRequestStart } from '../telemetry/index.js';
import type { RequestTrace, TracedAnswer, TracedRequestEnd, Tracing } from '../telemetry/index.js';
import type { AttemptContext, CallResult, Deployment } from '../router/index.js';
import { newRequestId } from './request-context.js';
import type { CallOptions } from './request-context.js';
import type { OpenedStream } from './stream-call.js';
import type { JsonResponse } from './upstream-calls.js';
import { usageOf } from './upstream-calls.js';

/** One observed request. */
export interface ObservedRequest {
  /** The caller's options with the request id fixed (so the spans and the events name it). */
  readonly options: CallOptions & { readonly requestId: string };
  readonly trace: RequestTrace | undefined;
  /**
   * Ends the observation when `run` settles: a rejection ends the span as an error; a value
   * ends it with its report (a promise for streams, which end later).
   */
  settle<T>(
    run: Promise<T>,
    report: (value: T) => TracedRequestEnd | Promise<TracedRequestEnd>,
  ): Promise<T>;
}

/** Whether anyone observes requests: checked first, so the common case allocates nothing. */
export function isObserved(tracing: Tracing | undefined): boolean {
  return tracing !== undefined || hasRequestStartSubscribers();
}

/** Starts observing a request; undefined when nobody is observing (the common case). */
export function observeRequest(
  tracing: Tracing | undefined,
  init: {
    readonly route: 'chat' | 'stream' | 'embeddings' | 'responses' | 'completions';
    readonly model: string;
    readonly options: CallOptions;
  },
): ObservedRequest | undefined {
  if (tracing === undefined && !hasRequestStartSubscribers()) return undefined;
  const requestId = init.options.requestId ?? newRequestId();
  const options = { ...init.options, requestId };
  publishRequestStart({ requestId, route: init.route, model: init.model });
  const trace = tracing?.startRequest({
    operation:
      init.route === 'embeddings'
        ? 'embeddings'
        : init.route === 'completions'
          ? 'text_completion'
          : 'chat',
    model: init.model,
    stream: init.route === 'stream',
    headers: init.options.traceHeaders,
  });
  return {
    options,
    trace,
    async settle(run, report) {
      let value;
      try {
        value = await run;
      } catch (error) {
        trace?.fail(error, requestId);
        throw error;
      }
      if (trace !== undefined) {
        const r = report(value);
        if (r instanceof Promise) {
          void r.then((end) => {
            trace.end(end);
          });
        } else trace.end(r);
      }
      return value;
    },
  };
}

type Call<T> = (d: Deployment, attempt: AttemptContext) => Promise<CallResult<T>>;

/** `call` with a span per upstream call when the request is traced; `call` itself otherwise. */
export function tracedCall<T>(
  trace: RequestTrace | undefined,
  call: Call<T>,
  inspect: (value: T) => TracedAnswer,
): Call<T> {
  return trace === undefined ? call : trace.wrapCall(call, inspect);
}

/** The provider's model and usage in a JSON answer. */
export function inspectJson(value: JsonResponse): TracedAnswer {
  const model = value.body.model;
  const usage = usageOf(value.body);
  return {
    responseModel: typeof model === 'string' ? model : undefined,
    inputTokens: usage.promptTokens,
    outputTokens: usage.completionTokens,
  };
}

/** The provider's model named in a stream's first content chunk (usage comes at its end). */
export function inspectStream(value: OpenedStream): TracedAnswer {
  const first = value.buffered[value.buffered.length - 1];
  if (first === undefined) return {};
  try {
    // A chat chunk names the model; a Responses event names it inside its `response`.
    const event = JSON.parse(first.data) as {
      model?: unknown;
      response?: { model?: unknown };
    } | null;
    const model = event?.model ?? event?.response?.model;
    return { responseModel: typeof model === 'string' ? model : undefined };
  } catch {
    return {};
  }
}
