/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) in and out of HTTP headers.
 *
 * `@opentelemetry/api` alone carries no W3C propagator (that lives in `@opentelemetry/core`,
 * which the application's SDK brings). So an application's registered propagator is used when
 * there is one, and otherwise `traceparent`/`tracestate` are read and written here: a small,
 * strict implementation of version 00 of the header.
 */
import { ROOT_CONTEXT, createTraceState, propagation, trace } from '@opentelemetry/api';
import type { Context, SpanContext, TextMapGetter } from '@opentelemetry/api';

/** Incoming request headers as Node gives them (`IncomingHttpHeaders`) or a plain record. */
export type TraceHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

const getter: TextMapGetter<TraceHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const v = carrier[key.toLowerCase()];
    return typeof v === 'string' || v === undefined ? v : [...v];
  },
};

// version "-" trace-id "-" parent-id "-" trace-flags; lower-case hex only (spec 3.2.2).
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/**
 * Parses a `traceparent` header value; undefined when it is invalid (an invalid header starts a
 * new trace, as the spec asks). Version 00 must have exactly four fields; a higher version may
 * carry more, which are ignored; version ff is invalid.
 */
export function parseTraceparent(value: string): SpanContext | undefined {
  const m = TRACEPARENT.exec(value.trim());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, traceFlags: parseInt(flags, 16) & 1, isRemote: true };
}

/** The `traceparent` header value of a span context. */
export function formatTraceparent(sc: SpanContext): string {
  return `00-${sc.traceId}-${sc.spanId}-0${(sc.traceFlags & 1).toString(16)}`;
}

function single(v: string | readonly string[] | undefined): string | undefined {
  return typeof v === 'string' || v === undefined ? v : v.join(',');
}

/**
 * The context an incoming request's headers continue: the registered propagator's reading when
 * it finds a span context, else our own reading of `traceparent`/`tracestate`; `undefined` when
 * the headers carry no valid trace context.
 */
export function extractTraceContext(headers: TraceHeaders): Context | undefined {
  const extracted = propagation.extract(ROOT_CONTEXT, headers, getter);
  if (trace.getSpanContext(extracted) !== undefined) return extracted;
  const header = single(headers.traceparent);
  const sc = header === undefined ? undefined : parseTraceparent(header);
  if (sc === undefined) return undefined;
  const state = single(headers.tracestate);
  return trace.setSpanContext(
    ROOT_CONTEXT,
    state === undefined ? sc : { ...sc, traceState: createTraceState(state) },
  );
}

/**
 * The headers that carry `ctx` to an upstream: W3C `traceparent` (and `tracestate`) always, plus
 * whatever a registered propagator writes (its W3C output, if any, replaces ours: the same value).
 */
export function injectTraceContext(ctx: Context): Record<string, string> {
  const headers: Record<string, string> = {};
  const sc = trace.getSpanContext(ctx);
  if (sc === undefined) return headers;
  headers.traceparent = formatTraceparent(sc);
  const state = sc.traceState?.serialize();
  if (state !== undefined && state !== '') headers.tracestate = state;
  propagation.inject(ctx, headers);
  return headers;
}
