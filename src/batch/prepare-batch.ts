/**
 * A batch's setup before any line is sent: paths, the input's fingerprint, the state file, and
 * the journal read back (done lines, a torn tail cut, and results to be sent again removed).
 */
import { existsSync, truncateSync } from 'node:fs';
import { resolve } from 'node:path';
import { BatchError } from './batch-error.js';
import { LineSet } from './id-table.js';
import { scanInput } from './input-scan.js';
import type { InputFingerprint } from './input-scan.js';
import { scanJournal } from './journal.js';
import type { JournalScan } from './journal.js';
import { removeJournalLines } from './journal-rewrite.js';
import type { ResultHead } from './result-line.js';
import { openState } from './state-file.js';

/** What {@link prepareBatch} needs (the paths as given). */
export interface PrepareOptions {
  readonly input: string;
  readonly output: string;
  readonly errors?: string;
  readonly overwrite?: boolean;
  /** Send every failed line again, final failures too (else only retryable ones). */
  readonly retryFailed?: boolean;
  readonly signal?: AbortSignal;
}

/** The batch, ready to run. */
export interface Prepared {
  readonly input: string;
  readonly output: string;
  readonly errors: string | null;
  readonly fingerprint: InputFingerprint;
  readonly batchId: string;
  /** Lines with a kept result: never sent again. */
  readonly done: LineSet;
  /** Of those, 2xx results. */
  readonly skippedDoneSucceeded: number;
  /** Earlier failures removed from the journal, to be sent again by this run. */
  readonly retried: number;
  readonly truncatedBytes: number;
}

/** The failures a resume sends again: retryable ones, or every one with `retryFailed`. */
function resendPick(retryFailed: boolean): (head: ResultHead) => boolean {
  if (!retryFailed) return (head) => head.retryable;
  return (head) => head.statusCode === null || head.statusCode < 200 || head.statusCode >= 300;
}

/**
 * Resolves the paths, opens (or creates) the state, reads the journal back and removes the
 * results to be replaced.
 * @throws BatchError `batch_options`, `batch_io` (the input), `batch_conflict`, `journal_corrupt`
 */
export async function prepareBatch(options: PrepareOptions): Promise<Prepared> {
  const input = resolve(options.input);
  const output = resolve(options.output);
  let errors = options.errors === undefined ? null : resolve(options.errors);
  if (errors === output) errors = null;
  if (input === output || input === errors) {
    throw new BatchError('batch_options', 'the output and error files must differ from the input');
  }
  let fingerprint: InputFingerprint;
  try {
    fingerprint = await scanInput(input, options.signal);
  } catch (error) {
    throw new BatchError('batch_io', `cannot read the input ${input}: ${String(error)}`, {
      cause: error,
    });
  }
  const overwrite = options.overwrite ?? false;
  const { state, fresh } = openState({ input, fingerprint, output, errors, overwrite });
  if (fresh) {
    for (const path of [output, errors]) if (path !== null && existsSync(path)) truncateSync(path);
  }
  const done = new LineSet();
  const resend = { pick: resendPick(options.retryFailed ?? false), lines: new LineSet() };
  const scanOptions = { batchId: state.batchId, maxLineNo: fingerprint.lineCount, done, resend };
  const scans: [string, JournalScan][] = [[output, await scanJournal(output, scanOptions)]];
  if (errors !== null) scans.push([errors, await scanJournal(errors, scanOptions)]);
  // Only once every file is read: a journal found corrupt must be left as it was.
  for (const [path, scan] of scans) await removeJournalLines(path, scan.toRemove);
  return {
    input,
    output,
    errors,
    fingerprint,
    batchId: state.batchId,
    done,
    skippedDoneSucceeded: scans.reduce((n, [, s]) => n + s.succeeded, 0),
    retried: resend.lines.size,
    truncatedBytes: scans.reduce((n, [, s]) => n + s.truncatedBytes, 0),
  };
}
