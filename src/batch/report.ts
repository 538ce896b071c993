/**
 * The end-of-run summary: printed by the CLI and written as JSON with `--report`.
 */
import { renameSync, writeFileSync } from 'node:fs';
import type { BatchStop } from './auth-watch.js';
import type { BatchStats, ModelReport } from './batch-stats.js';
import type { BatchEndpoint } from './validate-line.js';

/** How the run ended. */
export type BatchRunStatus =
  /** Every input line has a result (now or from an earlier run). */
  | 'completed'
  /** Stopped by the signal; unfinished lines run on the next start with the same arguments. */
  | 'interrupted'
  /**
   * Stopped early by the runner: every provider refused the key for many lines in a row (see
   * `stopped`). Fix the key and run the same command again: the unsent lines and the refused
   * ones (retryable) are sent then.
   */
  | 'stopped'
  /** Stopped by an I/O error (disk full, ...); finished lines are kept, the rest resume. */
  | 'failed';

/** The `--report` JSON. Spend and tokens cover lines run in this invocation. */
export interface BatchReport {
  readonly status: BatchRunStatus;
  readonly batchId: string;
  readonly input: string;
  readonly output: string;
  /** null: errors were written to the output file. */
  readonly errors: string | null;
  readonly endpoint: BatchEndpoint | null;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly lines: {
    /** Lines in the input file. */
    readonly total: number;
    /** Lines sent and answered (2xx) this run. */
    readonly succeeded: number;
    /** Lines sent this run whose result was an error (non-2xx or no HTTP result). */
    readonly failed: number;
    /** Lines reported as `invalid_request` this run (bad JSON, custom_id, method, url, body). */
    readonly invalid: number;
    /** Empty lines: skipped, no result. */
    readonly blank: number;
    /** Lines already done by an earlier run, skipped. */
    readonly skippedDone: number;
    /**
     * Failures of earlier runs removed from the journal and sent again by this run (retryable
     * ones; every failure with `retryFailed`). Counted again under succeeded/failed/invalid.
     */
    readonly retried: number;
    /** Of those, how many were 2xx results. */
    readonly skippedDoneSucceeded: number;
    /** Lines without a result yet (interrupted): the next run sends them. */
    readonly unfinished: number;
    /** Times a line waited for capacity (breakers open, rate limit) and was sent again. */
    readonly requeued: number;
  };
  readonly tokens: { readonly prompt: number; readonly completion: number };
  readonly spend: {
    /** USD spent this run. */
    readonly costUsd: number;
    /** USD had the requested (primary) model answered every line. */
    readonly costIfAllPrimaryUsd: number;
  };
  readonly models: Record<string, ModelReport>;
  readonly deployments: Record<string, { lines: number; circuitTrips: number }>;
  /** Failed lines by error code. */
  readonly errorCodes: Record<string, number>;
  /** The first invalid lines, by number. */
  readonly invalidExamples: readonly { line: number; message: string }[];
  /** Bytes cut from the end of the output files on start (a torn last write). */
  readonly truncatedBytes: number;
  /** True when any line failed or was invalid, in this run or an earlier one (exit code 1). */
  readonly hasFailures: boolean;
  /** Why the run stopped early (status `stopped`), else null. */
  readonly stopped: BatchStop | null;
}

/** The run's context that the counters do not hold. */
export interface ReportContext {
  readonly status: BatchRunStatus;
  readonly batchId: string;
  readonly input: string;
  readonly output: string;
  readonly errors: string | null;
  readonly endpoint: BatchEndpoint | null;
  readonly startedAtEpochMs: number;
  readonly finishedAtEpochMs: number;
  readonly totalLines: number;
  readonly skippedDoneSucceeded: number;
  readonly retried: number;
  readonly truncatedBytes: number;
  readonly stopped: BatchStop | null;
}

/** Assembles the report. */
export function buildReport(stats: BatchStats, ctx: ReportContext): BatchReport {
  const accounted = stats.ran + stats.invalid + stats.blank + stats.skippedDone;
  const previouslyFailed = stats.skippedDone - ctx.skippedDoneSucceeded;
  return {
    status: ctx.status,
    batchId: ctx.batchId,
    input: ctx.input,
    output: ctx.output,
    errors: ctx.errors,
    endpoint: ctx.endpoint,
    startedAt: new Date(ctx.startedAtEpochMs).toISOString(),
    finishedAt: new Date(ctx.finishedAtEpochMs).toISOString(),
    durationMs: ctx.finishedAtEpochMs - ctx.startedAtEpochMs,
    lines: {
      total: ctx.totalLines,
      succeeded: stats.succeeded,
      failed: stats.failed,
      invalid: stats.invalid,
      blank: stats.blank,
      skippedDone: stats.skippedDone,
      skippedDoneSucceeded: ctx.skippedDoneSucceeded,
      retried: ctx.retried,
      unfinished: Math.max(0, ctx.totalLines - accounted),
      requeued: stats.requeued,
    },
    tokens: { prompt: stats.promptTokens, completion: stats.completionTokens },
    spend: { costUsd: stats.costUsd, costIfAllPrimaryUsd: stats.costIfRequestedUsd },
    models: stats.models(),
    deployments: stats.deployments(),
    errorCodes: stats.errorCodes(),
    invalidExamples: [...stats.invalidExamples],
    truncatedBytes: ctx.truncatedBytes,
    hasFailures: stats.failed + stats.invalid + previouslyFailed > 0,
    stopped: ctx.stopped,
  };
}

/** Writes the report as JSON, atomically (a reader never sees half a report). */
export function writeReport(path: string, report: BatchReport): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(report, null, 2)}\n`);
  renameSync(tmp, path);
}

/** A few human lines for the end of a CLI run. */
export function formatSummary(r: BatchReport): string {
  const l = r.lines;
  const out = [
    `batch ${r.status}: ${l.total} lines; ${l.succeeded} succeeded, ${l.failed} failed, ` +
      `${l.invalid} invalid, ${l.skippedDone} already done, ${l.unfinished} unfinished` +
      (l.retried > 0 ? `; ${l.retried} earlier failures sent again` : ''),
    `spend $${r.spend.costUsd.toFixed(4)} (all-primary would be $${r.spend.costIfAllPrimaryUsd.toFixed(4)}); ` +
      `tokens ${r.tokens.prompt} in, ${r.tokens.completion} out`,
  ];
  for (const [name, m] of Object.entries(r.models)) {
    out.push(
      `  ${name}: ${m.succeeded} ok, ${m.failed} failed, ${m.fallbackUsed} via fallback, ` +
        `${m.circuitTrips} circuit trips, p50 ${fmtMs(m.latencyMs.p50)} p99 ${fmtMs(m.latencyMs.p99)}, ` +
        `$${m.costUsd.toFixed(4)}`,
    );
  }
  return out.join('\n');
}

function fmtMs(ms: number | null): string {
  return ms === null ? '-' : `${Math.round(ms)}ms`;
}
