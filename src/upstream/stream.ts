/**
 * The event iterator of a streaming attempt, over undici's response body.
 *
 * Bytes flow in through `'data'` into an {@link SseParser} and a small queue; `next()` hands the
 * queue out. The body is paused when the queue holds {@link HIGH_WATER_EVENTS} events, so a slow
 * consumer applies backpressure all the way to the upstream socket.
 */
import { CancelledError, UpstreamError, withoutStack } from '../core/index.js';
import type { CancelTimer, Clock, FailureKind } from '../core/index.js';
import type { Readable } from 'node:stream';
import { isTimerMs } from './attempt.js';
import type { AbortCause, Attempt } from './attempt.js';
import { classifyError, describeNetworkError, formatNetworkDetail } from './classify.js';
import { SseParser } from './sse.js';
import type { SseEvent, SseEvents } from './types.js';

/** Events queued before the body is paused. */
export const HIGH_WATER_EVENTS = 64;

/**
 * How long the tail after `[DONE]` (the chunked terminator) may take before the connection is
 * destroyed rather than returned to the pool.
 */
export const DRAIN_GRACE_MS = 1000;

/** Longest upstream message carried by a stream error event. */
const MAX_EVENT_MESSAGE_CHARS = 500;

/** Options of {@link SseEventStream}. */
export interface SseEventStreamOptions {
  /** The response body (undici's `BodyReadable`), head already received, not yet read. */
  body: Readable;
  /** The attempt; the stream now owns it (releases it, aborts it). */
  attempt: Attempt;
  clock: Clock;
  /** See `UpstreamTimeouts.idleMs`. */
  idleMs: number;
  deploymentId: string;
  /** A secret (the API key) to cut out of error-event messages. */
  redact?: string;
  /**
   * How the stream ends. `chat` (the default): `data: [DONE]`. `responses` (the Responses API,
   * which sends no `[DONE]`): after `response.completed` or `response.incomplete`, yielded as
   * the last event; `response.failed` is an error like an error event.
   */
  protocol?: StreamProtocol;
}

/** The end-of-stream rule of an upstream stream; see {@link SseEventStreamOptions.protocol}. */
export type StreamProtocol = 'chat' | 'responses';

/** The `type` of a Responses event: its `event:` name, else the `type` in its data. */
export function responsesEventType(ev: SseEvent): string | undefined {
  if (ev.event !== undefined) return ev.event;
  try {
    const type = (JSON.parse(ev.data) as { type?: unknown } | null)?.type;
    return typeof type === 'string' ? type : undefined;
  } catch {
    return undefined;
  }
}

type Waiter = {
  resolve: (r: IteratorResult<SseEvent>) => void;
  reject: (e: unknown) => void;
};

/**
 * True when `data` contains `"error"` (as a key or a value). Searches for `rror"` and checks the
 * two characters before it: V8's search restarts at every match of the pattern's first character,
 * and chunk JSON is full of `"` and `e` but has few `r` (~40 ns vs ~160 ns for `"error"` on a
 * 200-byte chunk). Runs once per event, so it is on the hot path.
 */
function mayHoldErrorKey(data: string): boolean {
  for (let i = data.indexOf('rror"', 2); i !== -1; i = data.indexOf('rror"', i + 5)) {
    if (data.charCodeAt(i - 1) === 101 /* e */ && data.charCodeAt(i - 2) === 34 /* " */) {
      return true;
    }
  }
  return false;
}

/**
 * How the upstream side ended. The queue may still hold events to hand out before it. `keep`:
 * the event that ended it is itself handed out (a Responses `response.completed`).
 */
type Terminal = { readonly error?: Error; readonly keep?: boolean };
const DONE: Terminal = Object.freeze({});
const DONE_KEEP: Terminal = Object.freeze({ keep: true });

/**
 * Yields each SSE event of one streaming response; returns after `data: [DONE]` (not yielded).
 *
 * It throws (rejects `next()` once, then reports done, like an async generator):
 * - `UpstreamError` kind `idle_timeout` (no event for `idleMs` while the queue is empty, from the
 *   head on), `total_timeout`, `stream_error` (socket cut, or the body ended without `[DONE]`,
 *   or an error event: `event: error` or a data payload whose JSON has a truthy top-level
 *   `error`; the message is the upstream's, nothing else), `malformed_response` (broken HTTP or
 *   SSE framing; a data payload that is not JSON is passed through, not judged);
 * - `CancelledError` after the caller's signal aborted or {@link abort} was called; queued
 *   events are dropped.
 *
 * `return()` (what `break` in `for await` calls) and `abort()` destroy the socket at once. After
 * `[DONE]` the tail of the response is drained so the connection can be reused.
 * One `next()` at a time: a second call while one is pending rejects with a `TypeError`.
 */
export class SseEventStream implements SseEvents {
  readonly #body: Readable;
  readonly #attempt: Attempt;
  readonly #clock: Clock;
  readonly #idleMs: number;
  readonly #deploymentId: string;
  readonly #redact: string | undefined;
  readonly #responses: boolean;
  readonly #parser = new SseParser();
  #queue: SseEvent[] = [];
  #head = 0;
  #terminal: Terminal | undefined;
  #reported = false;
  #waiter: Waiter | undefined;
  /** When an event last arrived or the queue last ran empty (monotonic ms). */
  #lastProgressMs: number;
  #cancelIdle: CancelTimer | undefined;
  #cancelDrain: CancelTimer | undefined;

  constructor(options: SseEventStreamOptions) {
    this.#body = options.body;
    this.#attempt = options.attempt;
    this.#clock = options.clock;
    this.#idleMs = options.idleMs;
    this.#deploymentId = options.deploymentId;
    this.#redact = options.redact;
    this.#responses = options.protocol === 'responses';
    this.#lastProgressMs = this.#clock.now();
    this.#attempt.onAbort = this.#onAbort;
    this.#body.on('data', this.#onData);
    this.#body.on('end', this.#onEnd);
    this.#body.on('error', this.#onError);
    if (isTimerMs(this.#idleMs))
      this.#cancelIdle = this.#clock.setTimer(this.#idleMs, this.#onIdle);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<SseEvent>> {
    if (this.#head < this.#queue.length) return Promise.resolve(this.#take());
    if (this.#terminal) return this.#settle(this.#terminal);
    if (this.#waiter) {
      return Promise.reject(new TypeError('SseEventStream: next() called while one is pending'));
    }
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  /**
   * The next queued event, without a promise round; undefined when none is queued (the end or a
   * failure is reported by `next()`). Not while a `next()` is pending.
   */
  takeReady(): SseEvent | undefined {
    if (this.#waiter || this.#head >= this.#queue.length) return undefined;
    return this.#takeEvent();
  }

  /** Stops the stream: destroys the socket unless the upstream already finished. */
  return(): Promise<IteratorResult<SseEvent>> {
    this.#cancel(DONE);
    return Promise.resolve({ done: true, value: undefined });
  }

  /** Destroys the socket at once; a pending and the next `next()` reject with `CancelledError`. */
  abort(): void {
    this.#cancel({ error: new CancelledError('the stream was aborted by its consumer') });
  }

  #cancel(end: Terminal): void {
    this.#queue = [];
    this.#head = 0;
    if (!this.#terminal) {
      this.#terminal = end;
      this.#stopTimers();
      this.#attempt.abort('consumer'); // #onAbort sees #terminal set and leaves it alone.
    } else if (end === DONE) {
      this.#reported = true; // after return(), next() reports done, even over an unseen error
    }
    this.#wake();
  }

  #take(): IteratorResult<SseEvent> {
    return { value: this.#takeEvent(), done: false };
  }

  #takeEvent(): SseEvent {
    const value = this.#queue[this.#head++] as SseEvent;
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0;
      this.#head = 0;
      if (!this.#terminal) {
        // Idle counts upstream silence only: time the consumer spent on queued events is not.
        this.#lastProgressMs = this.#clock.now();
        if (this.#body.isPaused()) this.#body.resume();
      }
    }
    return value;
  }

  #settle(end: Terminal): Promise<IteratorResult<SseEvent>> {
    if (end.error === undefined || this.#reported) {
      return Promise.resolve({ done: true, value: undefined });
    }
    this.#reported = true;
    return Promise.reject(end.error);
  }

  #wake(): void {
    const waiter = this.#waiter;
    if (!waiter) return;
    if (this.#head < this.#queue.length) {
      this.#waiter = undefined;
      waiter.resolve(this.#take());
    } else if (this.#terminal) {
      this.#waiter = undefined;
      this.#settle(this.#terminal).then(waiter.resolve, waiter.reject);
    }
  }

  readonly #onData = (chunk: Buffer): void => {
    if (this.#terminal) return; // the tail after [DONE], being drained
    const queue = this.#queue;
    const from = queue.length;
    if (!this.#parser.feed(chunk, queue)) {
      this.#fail('malformed_response', 'upstream SSE framing is broken (line over the limit)');
      return;
    }
    if (queue.length === from) return;
    this.#lastProgressMs = this.#clock.now();
    for (let i = from; i < queue.length; i++) {
      const end = this.#terminalOf(queue[i] as SseEvent);
      if (end) {
        queue.length = end.keep === true ? i + 1 : i;
        this.#finish(end);
        this.#wake();
        return;
      }
    }
    this.#wake();
    if (queue.length - this.#head >= HIGH_WATER_EVENTS) this.#body.pause();
  };

  /** `[DONE]` or an error event ends the stream; anything else is content, passed on unread. */
  #terminalOf(ev: SseEvent): Terminal | undefined {
    const { data } = ev;
    // openai-node 6.x ends on anything starting with [DONE]; so do we.
    if (data.startsWith('[DONE]')) return DONE;
    if (ev.event === 'error') return { error: this.#eventError(data) };
    if (this.#responses) {
      const type = responsesEventType(ev);
      if (type === 'response.completed' || type === 'response.incomplete') return DONE_KEEP;
      if (type === 'response.failed' || type === 'error') {
        return { error: this.#eventError(data) };
      }
    }
    // Only a payload that could hold `"error":` is parsed: content chunks never are (inside a
    // JSON string the quotes would be escaped).
    if (data.charCodeAt(0) !== 123 || !mayHoldErrorKey(data)) return undefined;
    try {
      const parsed = JSON.parse(data) as Record<string, unknown> | null;
      if (parsed && typeof parsed === 'object' && parsed['error']) {
        return { error: this.#eventError(data) };
      }
    } catch {
      // Not JSON: not ours to judge.
    }
    return undefined;
  }

  #eventError(data: string): UpstreamError {
    let message = 'upstream sent an error event';
    try {
      const p = JSON.parse(data) as {
        error?: unknown;
        message?: unknown;
        response?: { error?: unknown };
      } | null;
      // A Responses `response.failed` carries its error in `response.error`.
      const inner = p?.error ?? p?.response?.error;
      const m =
        typeof inner === 'string'
          ? inner
          : inner && typeof inner === 'object'
            ? (inner as { message?: unknown }).message
            : p?.message;
      if (typeof m === 'string' && m !== '') message = m.slice(0, MAX_EVENT_MESSAGE_CHARS);
    } catch {
      // A bare `event: error` with non-JSON data: the generic message.
    }
    const secret = this.#redact;
    if (secret && secret.length >= 8) message = message.split(secret).join('[redacted]');
    return this.#error('stream_error', message);
  }

  /** The upstream finished cleanly ([DONE] or an error event): drain the tail, keep the socket. */
  #finish(end: Terminal): void {
    this.#terminal = end;
    this.#stopTimers();
    if (this.#body.readableEnded) return;
    this.#body.resume();
    this.#cancelDrain = this.#clock.setTimer(DRAIN_GRACE_MS, () => {
      this.#cancelDrain = undefined;
      this.#body.destroy();
    });
  }

  /** The stream failed in a way we detected: abort the request, then report `kind`. */
  #fail(kind: FailureKind, message?: string, cause?: unknown): void {
    this.#terminal = { error: this.#error(kind, message, cause) };
    this.#stopTimers();
    this.#attempt.abort('malformed');
    this.#wake();
  }

  #error(kind: FailureKind, message?: string, cause?: unknown): UpstreamError {
    // A cut stream's errno and peer (`ECONNRESET 10.0.0.5:443`), when the error names them.
    const detail =
      cause === undefined ? undefined : formatNetworkDetail(describeNetworkError(cause));
    const init = {
      kind,
      deploymentId: this.#deploymentId,
      ...(message ? { message } : {}),
      ...(detail !== undefined && { detail }),
    };
    return withoutStack(() => new UpstreamError(init, cause === undefined ? undefined : { cause }));
  }

  #stopTimers(): void {
    this.#cancelIdle?.();
    this.#cancelIdle = undefined;
    this.#attempt.release();
  }

  readonly #onEnd = (): void => {
    this.#cancelDrain?.();
    if (this.#terminal) return;
    this.#parser.end();
    const missing = this.#responses ? 'response.completed' : '[DONE]';
    this.#terminal = {
      error: this.#error('stream_error', `upstream stream ended without ${missing}`),
    };
    this.#stopTimers();
    this.#wake();
  };

  readonly #onError = (err: unknown): void => {
    this.#cancelDrain?.();
    if (this.#terminal) return;
    // The head arrived, so a cut is a broken stream rather than a connection failure.
    const kind = classifyError(err);
    const streamKind = kind === 'network' || kind === 'error' ? 'stream_error' : kind;
    this.#terminal = { error: this.#error(streamKind, undefined, err) };
    this.#stopTimers();
    this.#wake();
  };

  /** The attempt was aborted by the caller, the total timer, the idle timer or the consumer. */
  readonly #onAbort = (cause: AbortCause): void => {
    if (this.#terminal) return;
    if (cause === 'caller' || cause === 'consumer') {
      this.#queue = [];
      this.#head = 0;
      this.#terminal = { error: new CancelledError() };
    } else {
      const kind = cause === 'idle' ? 'idle_timeout' : 'total_timeout';
      this.#terminal = { error: this.#error(kind) };
    }
    this.#stopTimers();
    this.#wake();
  };

  readonly #onIdle = (): void => {
    this.#cancelIdle = undefined;
    if (this.#terminal) return;
    let waitMs = this.#idleMs;
    if (this.#head === this.#queue.length) {
      const quietMs = this.#clock.now() - this.#lastProgressMs;
      if (quietMs >= this.#idleMs) {
        this.#attempt.abort('idle');
        return;
      }
      waitMs = this.#idleMs - quietMs;
    }
    // One timer per idle period, not one per event: re-armed for what is left of the period.
    this.#cancelIdle = this.#clock.setTimer(waitMs, this.#onIdle);
  };
}
