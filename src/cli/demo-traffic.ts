/**
 * The demo's clients: `concurrency` loops calling the gateway through the official `openai` SDK
 * (its retries off: breakerbox retries, and SDK retries on top would multiply calls), each
 * picking a request from a fixed mix with a seeded PRNG, until the stop time.
 *
 * What a client sees is tallied here, from the client's side of the wire: answered, failed, or a
 * stream cut after content had reached it (an honest error event, see {@link DemoTally}).
 */
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import type OpenAI from 'openai';
import { LatencyHistogram } from '../telemetry/index.js';
import type { DemoModel } from './demo-config.js';

/** One kind of request in the mix. */
interface RequestKind {
  readonly model: DemoModel;
  readonly stream: boolean;
  /** Share of the traffic, out of the weights' sum. */
  readonly weight: number;
}

/** Mostly the primary, as an app with one main model would send; gemini only streams. */
const MIX: readonly RequestKind[] = [
  { model: 'gpt-4.1', stream: false, weight: 55 },
  { model: 'gpt-4.1', stream: true, weight: 10 },
  { model: 'claude-sonnet-4.5', stream: false, weight: 15 },
  { model: 'gemini-2.5-flash', stream: true, weight: 12 },
  { model: 'deepseek-v3.2', stream: false, weight: 8 },
];
const MIX_TOTAL = MIX.reduce((s, k) => s + k.weight, 0);

const PROMPTS = [
  'Summarise the last deploy in one line.',
  'Translate "the circuit is open" into French.',
  'Suggest a name for a resilient gateway.',
  'Explain Retry-After to a new engineer.',
];

/** How one request ended, when it did not throw. */
type Ending = 'answered' | 'answered-by-fallback' | 'cut-mid-answer';

/** Counts of what the clients saw. Plain mutable numbers: one event loop writes them. */
export class DemoTally {
  /** Requests that ended (answered, failed or cut), not those still in flight. */
  requests = 0;
  streams = 0;
  /** Answered in full: a JSON completion, or a stream through `[DONE]`. */
  ok = 0;
  /** Answered by a model other than the one asked for (`x-breakerbox-fallback` not `none`). */
  fallbacks = 0;
  /** Ended with an error before any content reached the client. */
  failed = 0;
  /**
   * Streams that delivered content then ended with an error event: the upstream cut the answer
   * and breakerbox cannot switch models mid-answer, so it says so instead of ending silently.
   * The demo provokes these on purpose and counts them apart from `failed`.
   */
  cutMidAnswer = 0;
  inFlight = 0;
  /** Client-observed time to the full answer, ms. */
  readonly latency = new LatencyHistogram();
  /** Failures by `status code` as the SDK reported them. */
  readonly failuresByCode = new Map<string, number>();

  /** Answered requests over requests, excluding the provoked mid-answer cuts; null before any. */
  get successRate(): number | null {
    const judged = this.requests - this.cutMidAnswer;
    return judged === 0 ? null : this.ok / judged;
  }

  /** Answered over every request, the provoked cuts included. */
  get rawSuccessRate(): number | null {
    return this.requests === 0 ? null : this.ok / this.requests;
  }

  /** Share of answered requests that a fallback served. */
  get fallbackShare(): number | null {
    return this.ok === 0 ? null : this.fallbacks / this.ok;
  }

  /** Counts a request that ended without throwing. */
  record(isStream: boolean, ending: Ending): void {
    this.requests++;
    if (isStream) this.streams++;
    if (ending === 'cut-mid-answer') {
      this.cutMidAnswer++;
      return;
    }
    this.ok++;
    if (ending === 'answered-by-fallback') this.fallbacks++;
  }

  /** Counts a request that failed before any content, by the SDK's status and code. */
  recordFailure(isStream: boolean, error: unknown): void {
    this.requests++;
    if (isStream) this.streams++;
    this.failed++;
    const e = error as { status?: unknown; code?: unknown; name?: unknown } | null;
    const status = typeof e?.status === 'number' ? String(e.status) : 'no status';
    const code =
      typeof e?.code === 'string' ? e.code : typeof e?.name === 'string' ? e.name : 'error';
    const key = `${status} ${code}`;
    this.failuresByCode.set(key, (this.failuresByCode.get(key) ?? 0) + 1);
  }
}

/** Options of {@link driveTraffic}. */
export interface TrafficOptions {
  readonly openai: OpenAI;
  /** Clients calling at once. */
  readonly concurrency: number;
  /** When to stop starting requests, on `performance.now()`. */
  readonly stopAtMs: number;
  /** Seed of the request mix. */
  readonly seed: number;
  /** Aborts the requests in flight (an interrupted demo); they are not counted. */
  readonly signal: AbortSignal;
}

/** mulberry32: a tiny seeded PRNG, so a run's request mix is reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function pick(random: () => number): RequestKind {
  let r = random() * MIX_TOTAL;
  for (const k of MIX) {
    r -= k.weight;
    if (r < 0) return k;
  }
  return MIX[0] as RequestKind;
}

function answered(response: Response): Ending {
  return response.headers.get('x-breakerbox-fallback') === 'none'
    ? 'answered'
    : 'answered-by-fallback';
}

/** One request. @throws the SDK's error when it failed before any content */
async function callOnce(
  kind: RequestKind,
  prompt: string,
  options: TrafficOptions,
): Promise<Ending> {
  // openai@6 adds an abort listener to the signal it is given and never removes it: hand it a
  // per-request signal, linked to the long-lived one only while the request runs.
  const request = new AbortController();
  const abort = (): void => {
    request.abort();
  };
  options.signal.addEventListener('abort', abort, { once: true });
  try {
    return await send(kind, prompt, options.openai, request.signal);
  } finally {
    options.signal.removeEventListener('abort', abort);
  }
}

async function send(
  kind: RequestKind,
  prompt: string,
  openai: OpenAI,
  signal: AbortSignal,
): Promise<Ending> {
  const body = {
    model: kind.model,
    messages: [{ role: 'user' as const, content: prompt }],
    max_tokens: 64,
  };
  const chat = openai.chat.completions;
  const requestOptions = { signal };
  if (!kind.stream) {
    const { response } = await chat.create(body, requestOptions).withResponse();
    return answered(response);
  }
  const { data: stream, response } = await chat
    .create({ ...body, stream: true }, requestOptions)
    .withResponse();
  let contentChunks = 0;
  try {
    for await (const chunk of stream) if (chunk.choices[0]?.delta.content) contentChunks++;
  } catch (error) {
    if (contentChunks === 0 || signal.aborted) throw error;
    return 'cut-mid-answer';
  }
  return answered(response);
}

function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

async function client(
  options: TrafficOptions,
  tally: DemoTally,
  random: () => number,
): Promise<void> {
  while (performance.now() < options.stopAtMs && !options.signal.aborted) {
    const kind = pick(random);
    const prompt = PROMPTS[Math.floor(random() * PROMPTS.length)] ?? '';
    const startedMs = performance.now();
    tally.inFlight++;
    try {
      tally.record(kind.stream, await callOnce(kind, prompt, options));
      tally.latency.record(performance.now() - startedMs);
    } catch (error) {
      // An interrupted demo aborts what is in flight: that is not the gateway failing. (Read
      // through a call: the loop's condition does not hold across the await.)
      if (!isAborted(options.signal)) tally.recordFailure(kind.stream, error);
    } finally {
      tally.inFlight--;
    }
  }
}

/** Runs the clients until `stopAtMs` (or the signal), then waits for the requests in flight. */
export async function driveTraffic(options: TrafficOptions, tally: DemoTally): Promise<void> {
  // Each request in flight listens to the interrupt signal once.
  setMaxListeners(options.concurrency + 10, options.signal);
  const clients = Array.from({ length: options.concurrency }, (_, i) =>
    client(options, tally, seededRandom(options.seed * 7919 + i)),
  );
  await Promise.all(clients);
}
