/**
 * `breakerbox batch INPUT --output FILE (--config FILE | --url URL)`: an OpenAI batch JSONL file
 * through an engine in this process or a running gateway, resumable (see docs/batch.md). Progress
 * goes to stderr, the summary to stdout.
 */
import { BatchError, formatSummary, progressFor, runBatch } from '../batch/index.js';
import type { BatchStop, BatchTarget } from '../batch/index.js';
import { loadConfigFile } from '../config/index.js';
import { createBreakerbox } from '../engine/index.js';
import type { Breakerbox } from '../engine/index.js';
import { reportConfigError } from './format.js';
import type { Output } from './format.js';
import { keyHints } from './key-hint.js';

/** Options of {@link runBatchCommand}. */
export interface BatchCommandOptions {
  readonly input: string;
  readonly output: string;
  readonly errors?: string;
  /** Run an engine in this process with this YAML configuration. */
  readonly config?: string;
  /** Or send each line to a breakerbox gateway (base URL including `/v1`). */
  readonly url?: string;
  /** The gateway's client key. @default env BREAKERBOX_API_KEY */
  readonly apiKey?: string;
  /** @default 20 */
  readonly concurrency?: number;
  readonly report?: string;
  /** Discard an existing output, error file and state. @default false */
  readonly restart?: boolean;
  /** Send every failed line of earlier runs again, final failures too. @default false */
  readonly retryFailed?: boolean;
  /** Stop after this many lines in a row refused 401/403 by every provider; 0 never. @default 20 */
  readonly stopAfterAuthFailures?: number;
}

/** 128 + the signal's number, as shells report a process a signal ended. */
const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/** The early stop's message, with where the refused key is set; never the key. */
function stopMessage(stop: BatchStop, options: BatchCommandOptions): string {
  let where = '';
  if (stop.refusedBy === 'gateway') {
    where = ' (--api-key, or env BREAKERBOX_API_KEY)';
  } else if (options.config !== undefined) {
    const hints = keyHints(options.config, stop.providers);
    if (hints.length > 0) where = ` (${hints.join('; ')})`;
  } else {
    where = ' (in the configuration of the gateway at --url)';
  }
  return (
    `batch stopped early: ${stop.message}${where}. Lines not sent, and the refused ones, are ` +
    `sent when you run the same command again.`
  );
}

/**
 * Runs (or resumes) the batch.
 * @returns 0 every line succeeded, 1 some failed or were invalid, 2 the batch could not run
 *   (including an early stop: every provider refused the key), 130/143 interrupted by
 *   SIGINT/SIGTERM (run the same command again to finish)
 */
export async function runBatchCommand(
  options: BatchCommandOptions,
  output: Output,
): Promise<number> {
  if ((options.config === undefined) === (options.url === undefined)) {
    output.err(
      'error: give exactly one of --config <file> (an engine here) or --url <url> (a gateway)',
    );
    return 2;
  }
  let engine: Breakerbox | undefined;
  let target: BatchTarget;
  if (options.config !== undefined) {
    try {
      engine = createBreakerbox(await loadConfigFile(options.config));
    } catch (error) {
      return reportConfigError(error, output);
    }
    target = { kind: 'engine', engine };
  } else {
    const apiKey = options.apiKey ?? process.env.BREAKERBOX_API_KEY;
    target = { kind: 'url', baseURL: options.url ?? '', ...(apiKey !== undefined && { apiKey }) };
  }
  const stop = new AbortController();
  let signalled: keyof typeof SIGNAL_EXIT_CODES | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    signalled ??= signal === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await runBatch({
      input: options.input,
      output: options.output,
      target,
      signal: stop.signal,
      progress: progressFor(process.stderr),
      overwrite: options.restart ?? false,
      retryFailed: options.retryFailed ?? false,
      ...(options.stopAfterAuthFailures !== undefined && {
        stopAfterAuthFailures: options.stopAfterAuthFailures,
      }),
      ...(options.errors !== undefined && { errors: options.errors }),
      ...(options.report !== undefined && { report: options.report }),
      ...(options.concurrency !== undefined && { concurrency: options.concurrency }),
    });
    output.out(formatSummary(result.report));
    if (signalled !== undefined) return SIGNAL_EXIT_CODES[signalled];
    if (result.stopped !== undefined) {
      output.err(stopMessage(result.stopped, options));
      return 2;
    }
    return result.hasFailures ? 1 : 0;
  } catch (error) {
    if (!(error instanceof BatchError)) throw error;
    output.err(`batch could not run (${error.reason}): ${error.message}`);
    return 2;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await engine?.close();
  }
}
