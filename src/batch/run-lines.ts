/**
 * The in-memory building block behind `bb.batch(input, options)`: OpenAI batch request objects
 * in, OpenAI batch result objects out, as they finish (not in input order: join on
 * `custom_id`). Same validation, concurrency bound, waiting for capacity and result format as
 * {@link runBatch}, without files, journal or resume.
 */
import { randomBytes } from 'node:crypto';
import { systemClock } from '../core/index.js';
import type { Clock } from '../core/index.js';
import { BatchRun } from './batch-run.js';
import type { InputLine } from './line-reader.js';
import { createExecutor } from './targets.js';
import type { BatchTarget } from './targets.js';

/** One result, as in an OpenAI batch output file. */
export interface BatchResultLine {
  /** `batch_req_<batch>_<n>`: n is the 1-based position of the request in the input. */
  readonly id: string;
  readonly custom_id: string | null;
  /**
   * On failures: true when no provider judged the request (network, timeouts, open breakers,
   * rate limits, 5xx, a refused key), so sending it again may succeed; false when final.
   */
  readonly retryable?: boolean;
  readonly response: {
    readonly status_code: number;
    readonly request_id: string;
    readonly body: unknown;
  } | null;
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly param?: string | null;
    readonly line?: number;
  } | null;
}

/** Options of {@link runLines}. */
export interface RunLinesOptions {
  /** Requests in flight at once. @default 20 */
  readonly concurrency?: number;
  /** Stops taking input; in-flight requests get `graceMs`, then are abandoned (not yielded). */
  readonly signal?: AbortSignal;
  /** @default 10000 */
  readonly graceMs?: number;
  /** How long one request may wait for capacity, ms. @default 300000 */
  readonly maxWaitMs?: number;
  /** @default systemClock */
  readonly clock?: Clock;
}

type Item = unknown;

async function* numbered(input: AsyncIterable<Item> | Iterable<Item>): AsyncGenerator<InputLine> {
  let lineNo = 0;
  for await (const item of input) {
    lineNo++;
    const text = typeof item === 'string' ? item : JSON.stringify(item);
    yield { lineNo, text, sizeBytes: text.length };
  }
}

/**
 * Runs batch requests (objects like `{custom_id, method, url, body}`, or their JSON text).
 * Results are held back while the consumer is slow: at most `concurrency` wait to be taken.
 */
export async function* runLines(
  target: BatchTarget,
  input: AsyncIterable<Item> | Iterable<Item>,
  options: RunLinesOptions = {},
): AsyncGenerator<BatchResultLine> {
  const concurrency = options.concurrency ?? 20;
  const clock = options.clock ?? systemClock;
  const ready: BatchResultLine[] = [];
  // The consumer waits for results, the input pump for room; any change wakes both to recheck.
  let waiters: (() => void)[] = [];
  const notify = (): void => {
    const woken = waiters;
    waiters = [];
    for (const w of woken) w();
  };
  const waitFor = (): Promise<void> =>
    new Promise<void>((resolve) => {
      waiters.push(resolve);
    });
  const stop = new AbortController();
  const onAbort = (): void => {
    stop.abort();
    notify();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  // Input is pulled only while few results wait: a slow consumer slows the batch.
  async function* throttled(): AsyncGenerator<InputLine> {
    for await (const line of numbered(input)) {
      while (ready.length >= concurrency && !stop.signal.aborted) await waitFor();
      yield line;
    }
  }
  const executor = createExecutor(target, concurrency, clock);
  const run = new BatchRun({
    lines: throttled(),
    batchId: randomBytes(8).toString('hex'),
    totalLines: undefined,
    done: undefined,
    sink: {
      write: (_ok, line) => {
        ready.push(JSON.parse(line) as BatchResultLine);
        notify();
      },
    },
    executor,
    concurrency,
    stop: stop.signal,
    graceMs: options.graceMs ?? 10_000,
    maxWaitMs: options.maxWaitMs ?? 300_000,
    // No resume here to send the rest later: every request gets its result.
    stopAfterAuthFailures: 0,
    clock,
  });
  const state = { finished: false };
  const running = run.run().finally(() => {
    state.finished = true;
    notify();
  });
  try {
    for (;;) {
      const next = ready.shift();
      if (next !== undefined) {
        notify();
        yield next;
      } else if (state.finished) {
        break;
      } else {
        await waitFor();
      }
    }
    const fatal = run.fatal;
    if (fatal) throw fatal.error;
  } finally {
    // The consumer stopped early (break) or an error: stop reading and wait for the run.
    stop.abort();
    notify();
    await running;
    await executor.close();
    options.signal?.removeEventListener('abort', onAbort);
  }
}
