/**
 * `runBatch(options)`: what `breakerbox batch INPUT --output OUTPUT ...` calls. Streams an OpenAI
 * batch JSONL file through an engine (or a gateway), bounded and resumable. See docs/batch.md.
 *
 * Exactly-once invariant: every input line ends with at most one result line across the output
 * and error files, and a run with the same arguments after a kill (SIGKILL included) sends only
 * the lines that have none. The output files are the journal (journal.ts); the state file
 * (state-file.ts) ties them to the input's content so their line numbers stay meaningful.
 */
import { resolve } from 'node:path';
import { systemClock } from '../core/index.js';
import type { Clock, Disposable } from '../core/index.js';
import type { BatchStop } from './auth-watch.js';
import { BatchError } from './batch-error.js';
import { BatchRun } from './batch-run.js';
import { JournalWriter } from './journal.js';
import { readLines } from './line-reader.js';
import { prepareBatch } from './prepare-batch.js';
import type { Prepared } from './prepare-batch.js';
import { silentProgress } from './progress.js';
import type { BatchProgress } from './progress.js';
import { buildReport, writeReport } from './report.js';
import type { BatchReport, BatchRunStatus } from './report.js';
import { lockOutput } from './output-lock.js';
import { createExecutor } from './targets.js';
import type { BatchTarget } from './targets.js';

/** Options of {@link runBatch}. */
export interface RunBatchOptions {
  /** The OpenAI batch input file (JSONL). */
  readonly input: string;
  /** Where 2xx results go (and every result when `errors` is not given). */
  readonly output: string;
  /** Where non-2xx results, failures and invalid lines go. @default the output file */
  readonly errors?: string;
  /** Where the JSON report is written at the end (also when interrupted). */
  readonly report?: string;
  /** An engine in this process, or a breakerbox gateway's URL. */
  readonly target: BatchTarget;
  /** Lines in flight at once. @default 20 */
  readonly concurrency?: number;
  /** Aborting stops reading; in-flight lines get `graceMs` to finish, then stay unfinished. */
  readonly signal?: AbortSignal;
  /** Progress display. @default silentProgress */
  readonly progress?: BatchProgress;
  /** Discard an existing output (and its error file and state) and start over. @default false */
  readonly overwrite?: boolean;
  /**
   * Send every failed line of earlier runs again, final failures (a provider's 400, invalid
   * lines) too; successes are kept. Without it a resume sends again only retryable failures.
   * @default false
   */
  readonly retryFailed?: boolean;
  /**
   * Stop after this many lines in a row on which every candidate answered 401/403 (a refused
   * key): the rest stay unsent for a resume. 0 never stops. @default 20
   */
  readonly stopAfterAuthFailures?: number;
  /** @default 10000 */
  readonly graceMs?: number;
  /** How long one line may wait for capacity (all breakers open, rate limits), ms. @default 300000 */
  readonly maxWaitMs?: number;
  /** Group commit: fdatasync every this many lines... @default 1000 */
  readonly syncEveryLines?: number;
  /** ...or this often, ms. @default 1000 */
  readonly syncIntervalMs?: number;
  /** @default systemClock */
  readonly clock?: Clock;
}

/** What {@link runBatch} resolves to. */
export interface BatchResult {
  /** `stopped`: see {@link BatchResult.stopped}. */
  readonly status: BatchRunStatus;
  /** Why the run stopped early (status `stopped`); the CLI prints the message and exits 2. */
  readonly stopped?: BatchStop;
  /** Some line failed or was invalid, now or in an earlier run: the CLI exits 1. */
  readonly hasFailures: boolean;
  readonly report: BatchReport;
}

/**
 * Runs (or resumes) a batch.
 * @throws BatchError the batch could not run: unreadable input, an output of another batch
 *   or one another run is writing (`batch_conflict`; `overwrite` helps only the former), a
 *   damaged journal (`journal_corrupt`), a write failure (`batch_io`)
 */
export async function runBatch(options: RunBatchOptions): Promise<BatchResult> {
  const concurrency = options.concurrency ?? 20;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new BatchError(
      'batch_options',
      `concurrency must be a positive integer, got ${concurrency}`,
    );
  }
  const stopAfter = options.stopAfterAuthFailures ?? 20;
  if (!Number.isInteger(stopAfter) || stopAfter < 0) {
    throw new BatchError(
      'batch_options',
      `stopAfterAuthFailures must be a non-negative integer, got ${stopAfter}`,
    );
  }
  const release = lockOutput(resolve(options.output));
  try {
    return await runLocked(options, concurrency);
  } finally {
    release();
  }
}

interface Journals {
  readonly outputWriter: JournalWriter;
  /** The output writer itself when errors go to the output. */
  readonly errorWriter: JournalWriter;
}

/** Prepares the run and opens the journal files; file system errors become `batch_io`. */
async function open(options: RunBatchOptions): Promise<Prepared & Journals> {
  try {
    const p = await prepareBatch(options);
    const sync = {
      ...(options.syncEveryLines !== undefined && { syncEveryLines: options.syncEveryLines }),
      ...(options.syncIntervalMs !== undefined && { syncIntervalMs: options.syncIntervalMs }),
    };
    const output = new JournalWriter(p.output, sync);
    const errors = p.errors === null ? output : new JournalWriter(p.errors, sync);
    return { ...p, outputWriter: output, errorWriter: errors };
  } catch (error) {
    if (error instanceof BatchError) throw error;
    throw new BatchError('batch_io', `cannot open the batch files: ${String(error)}`, {
      cause: error,
    });
  }
}

async function runLocked(options: RunBatchOptions, concurrency: number): Promise<BatchResult> {
  const clock = options.clock ?? systemClock;
  const startedAtEpochMs = clock.epochMs();
  const p = await open(options);
  const executor = createExecutor(options.target, concurrency, clock);
  const stop = options.signal ?? new AbortController().signal;
  const run = new BatchRun({
    lines: readLines(p.input, { signal: stop }),
    batchId: p.batchId,
    totalLines: p.fingerprint.lineCount,
    done: p.done,
    sink: {
      write: (ok, line) => {
        (ok ? p.outputWriter : p.errorWriter).append(line);
      },
    },
    executor,
    concurrency,
    stop,
    graceMs: options.graceMs ?? 10_000,
    maxWaitMs: options.maxWaitMs ?? 300_000,
    stopAfterAuthFailures: options.stopAfterAuthFailures ?? 20,
    clock,
  });
  const trips = watchTrips(options.target, run);
  const progress = options.progress ?? silentProgress;
  progress.start(run.snapshot());
  const ticker = setInterval(() => {
    progress.update(run.snapshot());
  }, progress.intervalMs);
  ticker.unref();
  let closeError: unknown;
  try {
    await run.run();
  } finally {
    clearInterval(ticker);
    trips?.dispose();
    await executor.close().catch(() => undefined);
    // Closing syncs: every line counted below is durable when runBatch returns.
    for (const w of new Set([p.outputWriter, p.errorWriter])) {
      await w.close().catch((error: unknown) => (closeError ??= error));
    }
    progress.stop(run.snapshot());
  }
  const fatal = run.fatal ?? (closeError !== undefined ? { error: closeError } : undefined);
  return finish({ options, p, run, fatal, startedAtEpochMs, clock });
}

/** The report (written when asked), and the result or the fatal error. */
function finish(args: {
  options: RunBatchOptions;
  p: Prepared;
  run: BatchRun;
  fatal: { error: unknown } | undefined;
  startedAtEpochMs: number;
  clock: Clock;
}): BatchResult {
  const { p, run, fatal } = args;
  const { stopped } = run;
  const status: BatchRunStatus = fatal
    ? 'failed'
    : run.snapshot().done >= p.fingerprint.lineCount
      ? 'completed'
      : stopped
        ? 'stopped'
        : 'interrupted';
  const report = buildReport(run.stats, {
    status,
    batchId: p.batchId,
    input: p.input,
    output: p.output,
    errors: p.errors,
    endpoint: run.endpoint ?? null,
    startedAtEpochMs: args.startedAtEpochMs,
    finishedAtEpochMs: args.clock.epochMs(),
    totalLines: p.fingerprint.lineCount,
    skippedDoneSucceeded: p.skippedDoneSucceeded,
    retried: p.retried,
    truncatedBytes: p.truncatedBytes,
    stopped: status === 'stopped' ? (stopped ?? null) : null,
  });
  if (args.options.report !== undefined) writeReport(resolve(args.options.report), report);
  if (fatal) {
    throw new BatchError('batch_io', `the batch stopped: ${String(fatal.error)}`, {
      cause: fatal.error,
    });
  }
  return {
    status,
    ...(status === 'stopped' && stopped && { stopped }),
    hasFailures: report.hasFailures,
    report,
  };
}

/** Counts circuit trips during the run (engine targets only; a gateway's are not visible). */
function watchTrips(target: BatchTarget, run: BatchRun): Disposable | undefined {
  if (target.kind !== 'engine') return undefined;
  const { engine } = target;
  return engine.on('transition', (t) => {
    if (t.to === 'open')
      run.stats.recordTrip(t.deployment, engine.deployments.get(t.deployment)?.model);
  });
}
