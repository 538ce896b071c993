/**
 * The read → validate → run → journal loop of one batch invocation. Setup (paths, state,
 * journal scan) and teardown live in run-batch.ts.
 */
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Clock } from '../core/index.js';
import { AuthWatch } from './auth-watch.js';
import type { BatchStop } from './auth-watch.js';
import { BatchStats } from './batch-stats.js';
import type { ProgressSnapshot } from './batch-stats.js';
import type { LineSet } from './id-table.js';
import type { InputLine } from './line-reader.js';
import { verdictOf } from './line-verdict.js';
import type { LineVerdict } from './line-verdict.js';
import { formatErrorLine, formatHttpLine } from './result-line.js';
import { TaskPool } from './task-pool.js';
import type { LineExecutor, LineOutcome } from './target.js';
import { LineValidator, ROUTE_OF } from './validate-line.js';
import type { RequestLine } from './validate-line.js';

/** A wait for capacity shorter than this is rounded up (no busy loop on a 0 ms hint), ms. */
const MIN_WAIT_MS = 50;
/** One wait for capacity never exceeds this; the line is then tried again, ms. */
const MAX_ONE_WAIT_MS = 30_000;

/** Where result lines go: the journal files, or a queue for {@link runLines}. */
export interface ResultSink {
  /**
   * Takes one complete result line (ending in `\n`): `ok` for a 2xx result, which belongs in
   * the output file, else the error file. Must be durable enough before it returns (journal).
   */
  write(ok: boolean, line: string): void;
}

/** Everything the loop needs, prepared by runBatch. */
export interface BatchRunInit {
  /** The input lines, in order (a file reader stops when `stop` aborts). */
  readonly lines: AsyncIterable<InputLine>;
  readonly batchId: string;
  /** Lines in the input, when known (progress, presizing the duplicate table). */
  readonly totalLines: number | undefined;
  /** Lines already done (from the journal); never sent again. */
  readonly done: LineSet | undefined;
  readonly sink: ResultSink;
  readonly executor: LineExecutor;
  readonly concurrency: number;
  /** Stop reading when aborted (SIGINT/SIGTERM). */
  readonly stop: AbortSignal;
  /** After a stop, in-flight lines get this long to finish before they are aborted, ms. */
  readonly graceMs: number;
  /** Total time one line may wait for capacity before its failure is written, ms. */
  readonly maxWaitMs: number;
  /** Stop after this many lines in a row whose every candidate refused the key; 0 never. */
  readonly stopAfterAuthFailures: number;
  readonly clock: Clock;
}

function newRequestId(): string {
  return `req_${randomBytes(12).toString('hex')}`;
}

/** One invocation's loop and counters. */
export class BatchRun {
  readonly stats = new BatchStats();
  readonly #init: BatchRunInit;
  readonly #pool: TaskPool;
  readonly #validator: LineValidator;
  /** Aborts in-flight lines: after a stop's grace period; at once on a fatal error or early stop. */
  readonly #abortInFlight = new AbortController();
  readonly #waitSignal: AbortSignal;
  /** Stops reading: the caller's signal, or the run's own early stop. */
  readonly #stopReading: AbortSignal;
  readonly #halt = new AbortController();
  readonly #auth: AuthWatch;
  readonly #startedMs: number;
  #fatal: { error: unknown } | undefined;
  #stopped: BatchStop | undefined;

  constructor(init: BatchRunInit) {
    this.#init = init;
    this.#pool = new TaskPool(init.concurrency);
    this.#validator = new LineValidator(init.totalLines ?? 0);
    this.#waitSignal = AbortSignal.any([init.stop, this.#abortInFlight.signal]);
    this.#stopReading = AbortSignal.any([init.stop, this.#halt.signal]);
    this.#auth = new AuthWatch(init.stopAfterAuthFailures);
    // Every in-flight line listens on these (the engine's deadline, a wait for capacity): as
    // many listeners as lines in flight is expected, not a leak.
    setMaxListeners(0, this.#abortInFlight.signal, this.#waitSignal, this.#stopReading);
    this.#startedMs = init.clock.now();
  }

  /** The batch's endpoint, once a line named one. */
  get endpoint(): LineValidator['endpoint'] {
    return this.#validator.endpoint;
  }

  /** Why the run stopped early on its own (every provider refused the key), if it did. */
  get stopped(): BatchStop | undefined {
    return this.#stopped;
  }

  /** The error that stopped the run (a journal write failed), if any. */
  get fatal(): { error: unknown } | undefined {
    return this.#fatal ?? this.#pool.failure;
  }

  /** A progress view. */
  snapshot(): ProgressSnapshot {
    const s = this.stats;
    const elapsedMs = this.#init.clock.now() - this.#startedMs;
    return {
      done: s.ran + s.invalid + s.blank + s.skippedDone,
      total: this.#init.totalLines,
      ran: s.ran,
      succeeded: s.succeeded,
      failed: s.failed,
      invalid: s.invalid,
      fallbacks: s.fallbacks,
      skippedDone: s.skippedDone,
      inFlight: this.#pool.running,
      costUsd: s.costUsd,
      elapsedMs,
      ratePerSec: elapsedMs > 0 ? (s.ran / elapsedMs) * 1000 : 0,
    };
  }

  /** Reads and runs every line; resolves when all started lines are finished or abandoned. */
  async run(): Promise<void> {
    try {
      await this.#readAll();
    } catch (error) {
      this.#fatal ??= { error };
    }
    if (this.fatal) this.#abortInFlight.abort();
    if (this.#init.stop.aborted) {
      // A sleep (not an unref'd timer): the grace period must hold the process open.
      const drained = new AbortController();
      const grace = this.#init.clock.sleep(this.#init.graceMs, drained.signal).then(
        () => {
          this.#abortInFlight.abort();
        },
        () => undefined,
      );
      await this.#pool.drain();
      drained.abort();
      await grace;
    } else {
      await this.#pool.drain();
    }
  }

  async #readAll(): Promise<void> {
    const { done } = this.#init;
    const stop = this.#stopReading;
    for await (const line of this.#init.lines) {
      if (stop.aborted) return;
      // Every line is validated, done or not: verdicts depend on the lines before (duplicates,
      // the endpoint), and must be the same in every run.
      const checked = this.#validator.check(line);
      if (done?.has(line.lineNo) === true) {
        this.stats.skippedDone++;
        continue;
      }
      if (checked.kind === 'blank') {
        this.stats.blank++;
      } else if (checked.kind === 'invalid') {
        const { lineNo, customId, message, param } = checked;
        this.#init.sink.write(
          false,
          formatErrorLine(
            this.#init.batchId,
            { lineNo, customId },
            { code: 'invalid_request', message, param, line: lineNo },
          ),
        );
        this.stats.recordInvalid(lineNo, message);
      } else {
        // Backpressure: no line is read until a slot is free.
        if (!(await this.#pool.slot(stop))) return;
        this.#pool.start(() => this.#runLine(checked));
      }
      if (this.#pool.failure) return;
    }
  }

  async #runLine(line: RequestLine): Promise<void> {
    const requestId = newRequestId();
    const route = ROUTE_OF[line.endpoint];
    let waitedMs = 0;
    for (;;) {
      const outcome = await this.#init.executor.execute({
        route,
        body: line.body,
        requestId,
        signal: this.#abortInFlight.signal,
      });
      // Abandoned: no result is written, so the line is unfinished and the resume sends it.
      if (this.#abortInFlight.signal.aborted) return;
      const verdict = verdictOf(outcome);
      const refused = this.#auth.refused(verdict, outcome.meta.deployment);
      const { admitAfterMs } = outcome;
      // A breaker opened by refused keys will not admit anything useful: no waiting then.
      const waits = admitAfterMs !== undefined && !(refused && this.#auth.enabled);
      if (waits && waitedMs < this.#init.maxWaitMs) {
        // Nothing was sent upstream: a batch waits for capacity rather than failing the line.
        if (this.#stopReading.aborted) return;
        const waitMs = Math.min(
          Math.max(admitAfterMs, MIN_WAIT_MS),
          MAX_ONE_WAIT_MS,
          this.#init.maxWaitMs - waitedMs,
        );
        waitedMs += waitMs;
        this.stats.requeued++;
        try {
          await this.#init.clock.sleep(waitMs, this.#waitSignal);
        } catch {
          return;
        }
        continue;
      }
      this.#record(line, outcome, verdict);
      const stop = this.#auth.count(verdict, refused);
      if (stop !== undefined) this.#stop(stop);
      return;
    }
  }

  /** The early stop: no more reading, and lines in flight are abandoned (unfinished). */
  #stop(stop: BatchStop): void {
    this.#stopped ??= stop;
    this.#halt.abort();
    this.#abortInFlight.abort();
  }

  /** Journals one result (the commit point of the line) and counts it. */
  #record(line: RequestLine, outcome: LineOutcome, verdict: LineVerdict): void {
    const { batchId } = this.#init;
    const at = { lineNo: line.lineNo, customId: line.customId };
    const retryable = verdict.kind === 'retryable';
    if (outcome.type === 'error') {
      this.#init.sink.write(
        false,
        formatErrorLine(batchId, at, { code: outcome.code, message: outcome.message, retryable }),
      );
      this.stats.recordLine(outcome.meta, false, outcome.code);
      return;
    }
    const ok = outcome.statusCode >= 200 && outcome.statusCode < 300;
    const text = formatHttpLine(batchId, at, {
      statusCode: outcome.statusCode,
      requestId: outcome.requestId,
      bodyText: outcome.bodyText,
      body: outcome.body,
      ...(!ok && { retryable }),
    });
    this.#init.sink.write(ok, text);
    this.stats.recordLine(
      outcome.meta,
      ok,
      ok ? null : (outcome.errorCode ?? `http_${outcome.statusCode}`),
    );
  }
}
