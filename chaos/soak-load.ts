/**
 * The gateway soak's load: `concurrency` workers, each sending one request after another through
 * the official `openai` SDK (`maxRetries: 0`, a 30 s timeout), a seeded mix of JSON chat,
 * streamed chat and embeddings, until `stop()`; every outcome is counted against the fault phase
 * that was active when the request started.
 */
import OpenAI from 'openai';
import { mulberry32 } from '../src/sim/prng.js';
import { quantile } from './soak-proc.js';

/** What happened to the requests sent during one fault phase. */
export interface PhaseCounts {
  sent: number;
  ok: number;
  /** Neither ok, nor cut after content, nor hung. */
  failed: number;
  /** Streams that received content, then ended with an error (they cannot fail over). */
  cut: number;
  /** Streams that ended without a finish reason and without an error: must be 0. */
  truncated: number;
  /** Requests that reached the client's 30 s timeout: must be 0. */
  hung: number;
  readonly latenciesMs: number[];
  /** A few failure messages, by count. */
  readonly errors: Map<string, number>;
}

export const CLIENT_TIMEOUT_MS = 30_000;
export const CHAT_MODEL = 'gpt-4.1';
export const EMBEDDING_MODEL = 'text-embedding-3-small';

function emptyCounts(): PhaseCounts {
  return {
    sent: 0,
    ok: 0,
    failed: 0,
    cut: 0,
    truncated: 0,
    hung: 0,
    latenciesMs: [],
    errors: new Map(),
  };
}

type Outcome = 'ok' | 'failed' | 'cut' | 'truncated' | 'hung';

/** Steady load against a gateway; `phase` names the fault active now. */
export class SoakLoad {
  readonly byPhase = new Map<string, PhaseCounts>();
  phase = 'warm-up';
  #stopped = false;
  readonly #client: OpenAI;
  readonly #workers: Promise<void>[] = [];

  constructor(
    baseURL: string,
    readonly concurrency: number,
    readonly seed: number,
    /** Bound on the requests one worker sends, whatever the duration. */
    readonly maxPerWorker = 10_000_000,
  ) {
    this.#client = new OpenAI({
      baseURL,
      apiKey: 'sk-soak-not-a-secret',
      maxRetries: 0,
      timeout: CLIENT_TIMEOUT_MS,
    });
  }

  start(): void {
    for (let w = 0; w < this.concurrency; w++) this.#workers.push(this.#worker(w));
  }

  /** Stops sending; resolves when every request in flight has ended (each within 30 s). */
  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#workers);
  }

  /** Every phase's counts summed. */
  total(): PhaseCounts {
    const t = emptyCounts();
    for (const c of this.byPhase.values()) {
      t.sent += c.sent;
      t.ok += c.ok;
      t.failed += c.failed;
      t.cut += c.cut;
      t.truncated += c.truncated;
      t.hung += c.hung;
      for (const [k, v] of c.errors) t.errors.set(k, (t.errors.get(k) ?? 0) + v);
      for (const ms of c.latenciesMs) t.latenciesMs.push(ms);
    }
    return t;
  }

  async #worker(w: number): Promise<void> {
    const random = mulberry32(this.seed * 1000 + w);
    for (let i = 0; i < this.maxPerWorker && !this.#stopped; i++) {
      const phase = this.phase;
      const r = random();
      const kind = r < 0.6 ? 'json' : r < 0.85 ? 'stream' : 'embeddings';
      const started = performance.now();
      let outcome: Outcome;
      let error: string | undefined;
      try {
        outcome = await this.#send(kind, w, i);
      } catch (e) {
        outcome = 'failed';
        error = `${kind}: ${describe(e)}`;
        if (performance.now() - started >= CLIENT_TIMEOUT_MS - 50 || isTimeout(e)) {
          outcome = 'hung';
        }
      }
      this.#record(phase, outcome, performance.now() - started, error);
    }
  }

  async #send(kind: 'json' | 'stream' | 'embeddings', w: number, i: number): Promise<Outcome> {
    const signal = AbortSignal.timeout(CLIENT_TIMEOUT_MS);
    const content = `soak worker ${w} request ${i}: say something short`;
    if (kind === 'embeddings') {
      const r = await this.#client.embeddings.create(
        { model: EMBEDDING_MODEL, input: content },
        { signal },
      );
      return r.data[0]?.embedding.length ? 'ok' : 'failed';
    }
    const messages = [{ role: 'user' as const, content }];
    if (kind === 'json') {
      const r = await this.#client.chat.completions.create(
        { model: CHAT_MODEL, messages },
        { signal },
      );
      return r.choices[0]?.finish_reason ? 'ok' : 'failed';
    }
    let gotContent = false;
    let finished = false;
    try {
      const stream = await this.#client.chat.completions.create(
        { model: CHAT_MODEL, messages, stream: true },
        { signal },
      );
      for await (const chunk of stream) {
        const choice = chunk.choices[0];
        if (choice?.delta.content) gotContent = true;
        if (choice?.finish_reason) finished = true;
      }
    } catch (e) {
      if (gotContent && !isTimeout(e)) return 'cut';
      throw e;
    }
    if (finished) return 'ok';
    return gotContent ? 'truncated' : 'failed';
  }

  #record(phase: string, outcome: Outcome, ms: number, error: string | undefined): void {
    let c = this.byPhase.get(phase);
    if (c === undefined) {
      c = emptyCounts();
      this.byPhase.set(phase, c);
    }
    c.sent += 1;
    c[outcome] += 1;
    if (outcome === 'ok') c.latenciesMs.push(ms);
    if (error !== undefined) c.errors.set(error, (c.errors.get(error) ?? 0) + 1);
  }
}

function isTimeout(e: unknown): boolean {
  return (
    e instanceof OpenAI.APIConnectionTimeoutError ||
    (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'APIUserAbortError'))
  );
}

function describe(e: unknown): string {
  if (e instanceof OpenAI.APIError) {
    const body = e.error as
      | { code?: unknown; attempts?: { deployment?: string; reason?: string; result?: string }[] }
      | undefined;
    const attempts = (body?.attempts ?? [])
      .map((a) => `${a.deployment ?? '?'} ${a.result ?? ''} ${a.reason ?? ''}`.trim())
      .join(', ');
    return `${e.status ?? 'no status'} ${typeof body?.code === 'string' ? body.code : e.name}${attempts ? ` [${attempts}]` : ''}`;
  }
  return e instanceof Error ? `${e.name}: ${e.message.slice(0, 80)}` : String(e);
}

/** p50 and p99 of the successful requests' latencies, ms. */
export function latency(c: PhaseCounts): { p50: number; p99: number } {
  return { p50: quantile(c.latenciesMs, 0.5), p99: quantile(c.latenciesMs, 0.99) };
}
