/**
 * What a chaos scenario measures: the client's view of every request (official `openai` SDK,
 * `maxRetries: 0`, a 30 s timeout so a hang is counted), the simulators' view of every call
 * (arrival times per port, read from Node's `http.server.request.start` diagnostics channel), and
 * the breaker transitions the gateway logged, put together.
 */
import dc from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import OpenAI from 'openai';
import type { Transition } from './gateway-process.js';

/** How one request ended, as the client saw it. */
export type Outcome =
  | 'ok'
  /** An error status or a connection error, before any content. */
  | 'failed'
  /** A stream that delivered content, then ended with an error event (the SDK threw). */
  | 'cut-error'
  /** A stream that ended without a finish_reason and without an error: must never happen. */
  | 'silent-cut'
  /** No answer within the client's timeout. */
  | 'hung';

export interface RequestResult {
  readonly outcome: Outcome;
  /** Which gateway (replica index) it was sent to. */
  readonly target?: number;
  readonly stream: boolean;
  readonly ms: number;
  readonly status?: number;
  /** `Retry-After` of an error answer, seconds. */
  readonly retryAfterS?: number;
  /** `x-breakerbox-attempts` of an error answer: upstream calls made for it. */
  readonly attempts?: number;
  readonly error?: string;
}

export const CLIENT_TIMEOUT_MS = 30_000;
const MESSAGES = [{ role: 'user' as const, content: 'chaos run: say something short' }];

/** One client per gateway URL, as an application would hold it. */
export function client(gatewayUrl: string): OpenAI {
  return new OpenAI({
    baseURL: `${gatewayUrl}/v1`,
    apiKey: 'chaos-client',
    maxRetries: 0,
    timeout: CLIENT_TIMEOUT_MS,
  });
}

function header(headers: unknown, name: string): number | undefined {
  const get = (headers as { get?: (n: string) => string | null } | undefined)?.get;
  const value = typeof get === 'function' ? get.call(headers, name) : null;
  if (value === null) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** Sends one chat request (JSON or stream) and classifies how it ended. Never throws. */
export async function request(
  sdk: OpenAI,
  stream: boolean,
  model = 'gpt-4.1',
  onContent?: () => void,
): Promise<RequestResult> {
  const t0 = performance.now();
  let content = 0;
  let finished = false;
  const done = (outcome: Outcome, extra: Partial<RequestResult> = {}): RequestResult => ({
    outcome,
    stream,
    ms: performance.now() - t0,
    ...extra,
  });
  try {
    if (!stream) {
      const r = await sdk.chat.completions.create({ model, messages: MESSAGES });
      // A complete completion has a choice with a finish_reason (checked at run time: this is
      // what came over the wire, whatever the SDK's types promise).
      const first = r.choices[0] as { finish_reason?: unknown } | undefined;
      const ok = typeof first?.finish_reason === 'string';
      return done(ok ? 'ok' : 'failed', { status: 200 });
    }
    const s = await sdk.chat.completions.create({ model, messages: MESSAGES, stream: true });
    for await (const chunk of s) {
      const choice = chunk.choices[0];
      if (choice?.delta.content && content++ === 0) onContent?.();
      if (choice?.finish_reason) finished = true;
    }
    return done(finished ? 'ok' : 'silent-cut', { status: 200 });
  } catch (error) {
    const e = error as { status?: number; headers?: unknown; message?: string };
    const extra: Partial<RequestResult> = {
      ...(typeof e.status === 'number' && { status: e.status }),
      ...(header(e.headers, 'retry-after') !== undefined && {
        retryAfterS: header(e.headers, 'retry-after'),
      }),
      ...(header(e.headers, 'x-breakerbox-attempts') !== undefined && {
        attempts: header(e.headers, 'x-breakerbox-attempts'),
      }),
      error: String(e.message ?? error).slice(0, 200),
    };
    if (error instanceof OpenAI.APIConnectionTimeoutError) return done('hung', extra);
    if (content > 0) return done(error instanceof OpenAI.APIError ? 'cut-error' : 'silent-cut');
    return done('failed', extra);
  }
}

/** Options of {@link drive}. */
export interface DriveOptions {
  /** Picks the client for request `i` (e.g. round-robin over live replicas). */
  readonly pick: (i: number) => { sdk: OpenAI; target: number } | undefined;
  readonly requests: number;
  readonly concurrency: number;
  /** Fraction of requests sent as streams. */
  readonly streamShare: number;
  /** Called as request `i` is about to be sent (faults keyed on progress). */
  readonly onSend?: (i: number) => void | Promise<void>;
  /** No request is started after this time (`performance.now()`). */
  readonly stopAt: number;
}

/** `requests` requests at `concurrency`, bounded in count and time. */
export async function drive(options: DriveOptions): Promise<RequestResult[]> {
  const results: RequestResult[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= options.requests || performance.now() > options.stopAt) return;
      await options.onSend?.(i);
      const picked = options.pick(i);
      if (picked === undefined) continue;
      // Every `1 / streamShare`-th request is a stream: a deterministic mix.
      const stream =
        Math.floor((i + 1) * options.streamShare) > Math.floor(i * options.streamShare);
      results.push({ ...(await request(picked.sdk, stream)), target: picked.target });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return results;
}

/** The header a fleet scenario's replicas add to their upstream calls, to tell them apart. */
export const REPLICA_HEADER = 'x-chaos-replica';

/**
 * Arrival times (ms since the epoch) of model calls per simulator port, and per port and
 * replica (`port/replica`, from {@link REPLICA_HEADER}).
 */
export class ArrivalLog {
  readonly #byKey = new Map<string, number[]>();
  readonly #listener = (message: unknown): void => {
    const req = (message as { request: IncomingMessage }).request;
    if (!req.url?.startsWith('/v1/')) return;
    const port = req.socket.localPort;
    if (port === undefined) return;
    const at = Date.now();
    this.#add(String(port), at);
    const replica = req.headers[REPLICA_HEADER];
    if (typeof replica === 'string') this.#add(`${port}/${replica}`, at);
  };

  constructor() {
    dc.subscribe('http.server.request.start', this.#listener);
  }

  /** Arrivals at `port` (from `replica` only, when given). */
  arrivals(port: number, replica?: string): readonly number[] {
    return this.#byKey.get(replica === undefined ? String(port) : `${port}/${replica}`) ?? [];
  }

  close(): void {
    dc.unsubscribe('http.server.request.start', this.#listener);
  }

  #add(key: string, at: number): void {
    let list = this.#byKey.get(key);
    if (list === undefined) this.#byKey.set(key, (list = []));
    list.push(at);
  }
}

/**
 * A call is counted as reaching an open breaker's deployment when it arrived more than
 * `OPEN_GRACE_MS` after the gateway logged the breaker opening and before it logged it leaving
 * `open` (for half-open: the permitted probes). The grace covers a call admitted just before the
 * transition and still on its way over loopback on a loaded host (two processes sharing two
 * busy cores: seen up to ~120 ms); a breaker that lets calls through shows them throughout its
 * open period (1 s and more). Those within the grace are reported apart.
 */
export const OPEN_GRACE_MS = 250;

/** Calls that arrived at a deployment while the gateway had its breaker open. */
export function callsIntoOpen(
  arrivals: readonly number[],
  transitions: readonly Transition[],
  deployment: string,
  endAt: number,
  graceMs = OPEN_GRACE_MS,
  details?: string[],
): number {
  const mine = transitions.filter((t) => t.deployment === deployment);
  let count = 0;
  for (let k = 0; k < mine.length; k++) {
    const t = mine[k] as Transition;
    if (t.to !== 'open' && t.to !== 'forced-open') continue;
    const next = mine[k + 1];
    const until = next?.at ?? endAt;
    const inside = arrivals.filter((a) => a > t.at + graceMs && a < until);
    if (inside.length > 0) {
      details?.push(
        `${deployment} (${t.from} → ${t.to}, ${t.reason}; next ${next ? `→ ${next.to} after ${next.at - t.at} ms` : 'none'}): ` +
          `calls ${inside.map((a) => `+${a - t.at} ms`).join(', ')}`,
      );
    }
    count += inside.length;
  }
  return count;
}

/** A deployment's calls as one simulator saw them, and the gateway whose breaker they face. */
export interface CallsAt {
  /** Who made the calls, for the details (a replica's name). */
  readonly label?: string;
  readonly arrivals: readonly number[];
  readonly transitions: readonly Transition[];
  readonly deployment: string;
}

/**
 * Calls into an open breaker ({@link callsIntoOpen}) over several deployments, and apart, those
 * that arrived within the grace period after an opening (in flight when it opened, most likely:
 * a note, not a failure).
 */
export function openBreakerCalls(
  sets: readonly CallsAt[],
  endAt: number,
): { late: number; inGrace: number; details: string[] } {
  let late = 0;
  let all = 0;
  const details: string[] = [];
  for (const s of sets) {
    const mine: string[] = [];
    late += callsIntoOpen(s.arrivals, s.transitions, s.deployment, endAt, OPEN_GRACE_MS, mine);
    all += callsIntoOpen(s.arrivals, s.transitions, s.deployment, endAt, 0);
    details.push(...mine.map((d) => `calls into an open breaker: ${s.label ?? ''}${d}`));
  }
  return { late, inGrace: all - late, details };
}

/** The note for calls that arrived within the grace period after an opening. */
export function graceNote(inGrace: number): string[] {
  return inGrace === 0
    ? []
    : [
        `${inGrace} calls arrived within ${OPEN_GRACE_MS} ms after their breaker opened ` +
          '(admitted before it opened and still in flight, on this loaded host; not counted)',
      ];
}

/**
 * For each fault window, the time from the fault to the deployment's breaker opening and from
 * the recovery to it closing; the worst of each (undefined: it never did).
 */
export function breakerTimes(
  transitions: readonly Transition[],
  deployment: string,
  windows: readonly { faultAt: number; recoverAt?: number }[],
): { openMs?: number; closeMs?: number } {
  const mine = transitions.filter((t) => t.deployment === deployment);
  let openMs: number | undefined;
  let closeMs: number | undefined;
  let missingOpen = false;
  let missingClose = false;
  for (const w of windows) {
    const end = w.recoverAt ?? Infinity;
    const opened = mine.find((t) => t.to === 'open' && t.at >= w.faultAt && t.at <= end);
    if (opened === undefined) missingOpen = true;
    else openMs = Math.max(openMs ?? 0, opened.at - w.faultAt);
    if (w.recoverAt === undefined || opened === undefined) continue;
    const recoverAt = w.recoverAt;
    // Already closed again when the fault was lifted (a probe succeeded in a good spell): 0.
    const before = mine.filter((t) => t.at < recoverAt).pop();
    const closed =
      before?.to === 'closed'
        ? { at: recoverAt }
        : mine.find((t) => t.to === 'closed' && t.at >= recoverAt);
    if (closed === undefined) missingClose = true;
    else closeMs = Math.max(closeMs ?? 0, closed.at - recoverAt);
  }
  return {
    ...(!missingOpen && openMs !== undefined && { openMs }),
    ...(!missingClose && closeMs !== undefined && { closeMs }),
  };
}

/** The `q` quantile (0..1) of `values`, nearest rank; NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
}
