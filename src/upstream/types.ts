/**
 * The public shapes of the upstream client. The router codes against exactly these names.
 *
 * Contract: nothing the network or the upstream does makes a method throw; every such thing is a
 * result. Only programmer errors throw (a bad `baseURL`, a negative timeout, two concurrent
 * `next()` calls on one stream).
 */
import type { Dispatcher } from 'undici';
import type { Clock, FailureOutcome, NeutralOutcome, UpstreamError } from '../core/index.js';

/**
 * Per-attempt timeouts, in milliseconds. `0` (or a non-finite value) disables a timer.
 *
 * - `connectMs`: TCP (+TLS) connect. A pool setting: it comes from the provider's options and
 *   cannot be overridden per request, and an injected dispatcher applies its own.
 * - `firstByteMs`: request written → response headers.
 * - `idleMs`: silence in the response body. For streams: no complete SSE event within `idleMs`
 *   while nothing is queued for the consumer, from the head onwards (comment lines such as
 *   `: ping` do not count as progress).
 * - `totalMs`: the whole attempt, head and body (and a stream to its end).
 */
export interface UpstreamTimeouts {
  connectMs: number;
  firstByteMs: number;
  idleMs: number;
  totalMs: number;
}

/** The defaults for {@link UpstreamTimeouts}. */
export const DEFAULT_TIMEOUTS: UpstreamTimeouts = Object.freeze({
  connectMs: 5000,
  firstByteMs: 30000,
  idleMs: 30000,
  totalMs: 120000,
});

/** How to reach one OpenAI-compatible provider. */
export interface ProviderOptions {
  /** The provider's name; used as the deployment id of `listModels()` failures. */
  name: string;
  /** Base URL including `/v1` (and any query, e.g. Azure's `?api-version=`). */
  baseURL: string;
  /** Sent as `Authorization: Bearer <apiKey>`; never logged, never in a result or an error. */
  apiKey?: string;
  /** Extra request headers (override the defaults, `user-agent` included). */
  headers?: Record<string, string>;
  /** Defaults for every attempt. @default DEFAULT_TIMEOUTS */
  timeouts?: Partial<UpstreamTimeouts>;
  /** Connections per origin for the client's own Agent. @default 64 */
  maxConnections?: number;
  /**
   * A dispatcher to send through (`MockAgent` in tests). The caller owns it: `close()` leaves it
   * open, and its own connect timeout applies. @default a keep-alive `Agent` per provider
   */
  dispatcher?: Dispatcher;
  /** Time source for durations and the total/idle timers. @default systemClock */
  clock?: Clock;
}

/** One attempt against one deployment. */
export interface UpstreamRequest {
  /** The deployment this attempt is for; named in every {@link UpstreamError}. */
  deploymentId: string;
  /** The final body, upstream model name already set (and `stream: true` for `chatStream`). */
  body: Record<string, unknown>;
  /**
   * `body` already serialised (UTF-8 text or bytes), if the caller has it; sent as is (the body
   * is then ignored).
   */
  bodyText?: string | Uint8Array;
  /** The caller's signal. Aborting it yields `{ type: 'cancelled' }` whatever its reason. */
  signal?: AbortSignal;
  /** Per-attempt overrides (except `connectMs`, see {@link UpstreamTimeouts}). */
  timeouts?: Partial<UpstreamTimeouts>;
  /**
   * The router's cap on this attempt, ms: its share of the request's deadline. When it is the
   * tighter of it and `totalMs` and it passes, the attempt fails as `attempt_timeout`. Ignored by
   * `chatStream`: a stream's time to first content is bounded by whoever reads it (the router).
   */
  attemptMs?: number;
  /**
   * `signal` is sure to abort within this many ms from the call (the request deadline's
   * remaining time). A JSON call then sets no `totalMs`, `firstByteMs` or `idleMs` timer that
   * could not fire before it: the deadline ends the attempt first. Ignored by streams, which
   * outlive the deadline once content flows. Undefined: every timer is set.
   */
  signalWithinMs?: number;
  /** Sent upstream as `x-request-id`. */
  requestId?: string;
  /** Extra trace context headers (W3C `traceparent`, `tracestate`) sent upstream as they are. */
  traceHeaders?: Readonly<Record<string, string>>;
  /** 4xx statuses that count as deployment failures for this request's model (`failoverOn`). */
  failoverOn?: readonly number[];
}

/** The OpenAI error envelope; all four keys are always present. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** How one non-streaming attempt ended. */
export type UpstreamResult =
  | {
      type: 'success';
      status: number;
      /** The parsed JSON body. */
      body: unknown;
      /** The body exactly as received, to forward without re-serialising. */
      bodyText: string;
      /** The upstream's `x-request-id` (or Anthropic's `request-id`). */
      upstreamRequestId?: string;
      durationMs: number;
    }
  | {
      type: 'failure';
      outcome: FailureOutcome;
      error: UpstreamError;
      status?: number;
      /** The upstream's error body, normalised to the envelope, when there was one. */
      body?: OpenAIErrorBody;
      durationMs: number;
    }
  | {
      type: 'caller_error';
      /** `caller_error` or `context_length`. */
      outcome: NeutralOutcome;
      status: number;
      /** The upstream's envelope, unchanged when it was one; other bodies rewrapped. */
      body: OpenAIErrorBody;
      durationMs: number;
    }
  | {
      /** The caller's signal aborted. Never a failure. */
      type: 'cancelled';
      durationMs: number;
    };

/** One server-sent event. */
export interface SseEvent {
  /** The raw data payload (several `data:` lines joined with `\n`), e.g. the chunk JSON text. */
  data: string;
  /** The `event:` field, when the upstream sent one. */
  event?: string;
}

/**
 * The events of a streaming attempt. `takeReady()`, when present, hands out the next event that
 * has already arrived without a promise round (undefined when none is queued: the stream may
 * still have ended or failed, which `next()` reports), so a consumer can write every event of one
 * upstream read at once.
 */
export interface SseEvents extends AsyncIterableIterator<SseEvent> {
  takeReady?(): SseEvent | undefined;
}

/**
 * How a streaming attempt's head ended. On `stream`, `events` yields each event (ending after
 * `data: [DONE]`, which is not yielded) and throws {@link UpstreamError} when the stream fails
 * after the head, or `CancelledError` once cancelled; see `SseEventStream`.
 */
export type UpstreamStreamResult =
  | Exclude<UpstreamResult, { type: 'success' }>
  | {
      type: 'stream';
      status: number;
      upstreamRequestId?: string;
      /** Milliseconds from sending the request to the response head. */
      firstByteMs: number;
      events: SseEvents;
      /** Destroys the connection at once; `events` then throws `CancelledError`. */
      abort(): void;
    };

/** An OpenAI-compatible provider. */
export interface Upstream {
  readonly name: string;
  /** `POST /chat/completions`, non-streaming. */
  chat(req: UpstreamRequest): Promise<UpstreamResult>;
  /** `POST /chat/completions` with `stream: true` in the body. */
  chatStream(req: UpstreamRequest): Promise<UpstreamStreamResult>;
  /** `POST /embeddings`. */
  embeddings(req: UpstreamRequest): Promise<UpstreamResult>;
  /** `POST /responses` (the Responses API), non-streaming. */
  responses(req: UpstreamRequest): Promise<UpstreamResult>;
  /**
   * `POST /responses` with `stream: true`: Responses events, ending after `response.completed`
   * (or `response.incomplete`), which is yielded; `response.failed` and `error` events throw.
   */
  responsesStream(req: UpstreamRequest): Promise<UpstreamStreamResult>;
  /** `POST /completions` (legacy text completions), non-streaming. */
  completions(req: UpstreamRequest): Promise<UpstreamResult>;
  /** `POST /completions` with `stream: true`: chunks, then `data: [DONE]`. */
  completionsStream(req: UpstreamRequest): Promise<UpstreamStreamResult>;
  /** `GET /models`. */
  listModels(opts?: { signal?: AbortSignal }): Promise<UpstreamResult>;
  /** Closes the client's own Agent (an injected dispatcher is left open). */
  close(): Promise<void>;
}
