/**
 * Why a batch could not run at all (the CLI's exit code 2). These never reach the wire, so they
 * are not in the OpenAI error catalogue; per-line failures are result lines, never thrown.
 */

/** The reasons a batch refuses to start or stops. */
export type BatchErrorReason =
  /** The output belongs to another input or other arguments; `--restart` overrides. */
  | 'batch_conflict'
  /** A journal file is damaged in the middle; it is never repaired by guessing. */
  | 'journal_corrupt'
  /** The input or an output file cannot be read or written. */
  | 'batch_io'
  /** The options are inconsistent (for example the output and input are the same file). */
  | 'batch_options';

/** The batch could not run. `reason` is stable; the message says what to do. */
export class BatchError extends Error {
  readonly reason: BatchErrorReason;

  constructor(reason: BatchErrorReason, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BatchError';
    this.reason = reason;
  }
}
