/**
 * Opening a stream on one candidate: everything up to and including the first content chunk.
 * Until that chunk, any failure (an error status, an error event, a stall, a cut) is an ordinary
 * failed attempt and the router fails over; the caller has seen nothing. The role-only preamble
 * is held back until content arrives (docs/library.md, "Streams").
 */
import { isBreakerboxError, UpstreamError } from '../core/index.js';
import type { Clock } from '../core/index.js';
import { LightSignal, linkAbort } from './light-signal.js';
import type { CallResult, Deployment } from '../router/index.js';
import type {
  SseEvent,
  SseEvents,
  UpstreamRequest,
  UpstreamStreamResult,
} from '../upstream/index.js';

/** A stream that has produced its first content chunk and is ready to hand to the caller. */
export interface OpenedStream {
  /** Events read so far, the last one holding the first content. */
  readonly buffered: readonly SseEvent[];
  readonly events: SseEvents;
  /** Destroys the upstream socket. */
  readonly abort: () => void;
  /** The attempt's own signal: the caller's abort still reaches it after the deadline is let go. */
  readonly signal: AbortSignal;
  /** Stops the request deadline from cutting the stream once content flows. */
  readonly releaseDeadline: () => void;
  /** Ms from the attempt's start to the first content chunk. */
  readonly firstContentMs: number;
  readonly upstreamRequestId: string | undefined;
}

const CONTENT_STRING = '"content":"';

/**
 * True when a chunk carries something the caller must see: text, a tool call, a finish. A chunk
 * whose JSON holds `"content":"` and then anything but `"` has text (a quote inside a string is
 * escaped, so those bytes are a `content` key with a non-empty string value) and is not parsed;
 * any other chunk is (the role-only preamble, tool calls, a finish).
 */
export function hasContent(data: string): boolean {
  const at = data.indexOf(CONTENT_STRING);
  if (at !== -1 && data.charCodeAt(at + CONTENT_STRING.length) !== 34 /* " */) {
    // Still JSON: a payload that is not fails the attempt as malformed, as the parse below does.
    if (data.charCodeAt(0) === 123 /* { */ && data.charCodeAt(data.length - 1) === 125) {
      return true;
    }
  }
  const chunk = JSON.parse(data) as { choices?: unknown };
  if (!Array.isArray(chunk.choices)) return false;
  for (const c of chunk.choices as { delta?: Record<string, unknown>; finish_reason?: unknown }[]) {
    if (c.finish_reason !== null && c.finish_reason !== undefined) return true;
    const d = c.delta;
    if (!d) continue;
    if (typeof d.content === 'string' && d.content.length > 0) return true;
    if (d.tool_calls !== undefined && d.tool_calls !== null) return true;
    if (d.function_call !== undefined && d.function_call !== null) return true;
    if (typeof d.refusal === 'string' && d.refusal.length > 0) return true;
  }
  return false;
}

function asFailure(
  d: Deployment,
  error: unknown,
  durationMs: number,
): Exclude<CallResult<OpenedStream>, { type: 'success' }> {
  // A cancellation, or the request deadline firing, is the caller's business, not the upstream's.
  if (isBreakerboxError(error) && !(error instanceof UpstreamError)) {
    return { type: 'cancelled', durationMs };
  }
  const upstreamError =
    error instanceof UpstreamError
      ? error
      : new UpstreamError({
          kind: error instanceof SyntaxError ? 'malformed_response' : 'stream_error',
          deploymentId: d.id,
          message: `upstream ${d.id} ended or broke its stream before any content`,
        });
  return {
    type: 'failure',
    outcome: {
      type: 'failure',
      kind: upstreamError.kind,
      ...(upstreamError.retryAfterMs !== undefined && { retryAfterMs: upstreamError.retryAfterMs }),
    },
    error: upstreamError,
    durationMs,
  };
}

/** Options of {@link openStream}. */
export interface OpenStreamOptions {
  readonly deployment: Deployment;
  readonly request: UpstreamRequest;
  /** The request deadline: it may cut the stream only until content flows. */
  readonly deadlineSignal: AbortSignal;
  /** The caller's own cancellation: it may cut the stream at any time. */
  readonly callerSignal: AbortSignal | undefined;
  readonly clock: Clock;
  /** The router's cap on the time to the first content chunk (see `AttemptContext`). */
  readonly attemptMs: number | undefined;
  /** Opens the upstream stream. @default the deployment's `chatStream` */
  readonly open?: (req: UpstreamRequest) => Promise<UpstreamStreamResult>;
  /** Whether an event is content the caller must see. @default {@link hasContent} of its data */
  readonly isContent?: (ev: SseEvent) => boolean;
}

const chatContent = (ev: SseEvent): boolean => hasContent(ev.data);
const NOOP = (): void => undefined;

/**
 * Opens the stream and reads until the first content chunk. When `attemptMs` passes first, the
 * attempt is abandoned as `attempt_timeout` (a failure, so the router fails over); the deadline or
 * the caller cutting it is a cancellation, neutral for the deployment.
 */
export async function openStream(o: OpenStreamOptions): Promise<CallResult<OpenedStream>> {
  const { deployment: d, clock } = o;
  const startedMs = clock.now();
  // Not an AbortController: nothing outside breakerbox sees this signal (see light-signal.ts).
  const signal = new LightSignal();
  const releaseDeadline = linkAbort(o.deadlineSignal, signal);
  const releaseCaller = o.callerSignal ? linkAbort(o.callerSignal, signal) : NOOP;
  let timedOut = false;
  const cancelCap =
    o.attemptMs === undefined
      ? () => undefined
      : clock.setTimer(o.attemptMs, () => {
          timedOut = true;
          signal.abort();
        });
  const fail = (r: Exclude<CallResult<OpenedStream>, { type: 'success' }>) => {
    cancelCap();
    releaseDeadline();
    releaseCaller();
    return timedOut ? capFailure(d, o.attemptMs ?? 0, clock.now() - startedMs) : r;
  };
  const request = { ...o.request, signal: signal.asSignal };
  const head = await (o.open ? o.open(request) : d.upstream.chatStream(request));
  if (head.type !== 'stream') return fail(head);
  const isContent = o.isContent ?? chatContent;
  const buffered: SseEvent[] = [];
  try {
    for (;;) {
      const next = await head.events.next();
      if (next.done === true) {
        head.abort();
        return fail(asFailure(d, undefined, clock.now() - startedMs));
      }
      buffered.push(next.value);
      if (isContent(next.value)) break;
    }
  } catch (error) {
    head.abort();
    return fail(asFailure(d, error, clock.now() - startedMs));
  }
  cancelCap();
  const firstContentMs = clock.now() - startedMs;
  return {
    type: 'success',
    durationMs: firstContentMs,
    value: {
      buffered,
      events: head.events,
      abort: () => {
        head.abort();
        releaseCaller();
      },
      signal: signal.asSignal,
      releaseDeadline,
      firstContentMs,
      upstreamRequestId: head.upstreamRequestId,
    },
  };
}

/** The failure of an attempt cut at its cap before any content. */
function capFailure(
  d: Deployment,
  attemptMs: number,
  durationMs: number,
): Exclude<CallResult<OpenedStream>, { type: 'success' }> {
  const error = new UpstreamError({
    kind: 'attempt_timeout',
    deploymentId: d.id,
    message: `upstream ${d.id} sent no content within this attempt's ${attemptMs} ms`,
  });
  return {
    type: 'failure',
    outcome: { type: 'failure', kind: 'attempt_timeout', durationMs },
    error,
    durationMs,
  };
}
