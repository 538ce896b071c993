/**
 * The batch's identity, kept next to the output as `<output>.state.json`: which input (by
 * content) and which error file the journal belongs to, and the batch id its result ids carry.
 * A resume checks it before trusting the journal's line numbers; different arguments are refused.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fdatasyncSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs';
import { BatchError } from './batch-error.js';
import type { InputFingerprint } from './input-scan.js';
import { syncDirectory } from './journal.js';

/** The content of a state file. */
export interface BatchState {
  readonly version: 1;
  /** 16 hex digits, in every result id. */
  readonly batchId: string;
  readonly input: { readonly path: string } & InputFingerprint;
  readonly output: string;
  /** The error file, or null when errors go to the output. */
  readonly errors: string | null;
  readonly createdAt: string;
}

/** Where the state of the batch writing `output` lives. */
export function statePathFor(output: string): string {
  return `${output}.state.json`;
}

function sizeOf(path: string | null): number {
  if (path === null || !existsSync(path)) return 0;
  return statSync(path).size;
}

function readState(path: string): BatchState {
  try {
    const state = JSON.parse(readFileSync(path, 'utf8')) as Partial<BatchState>;
    if (
      state.version !== 1 ||
      typeof state.batchId !== 'string' ||
      !/^[0-9a-f]{16}$/.test(state.batchId)
    )
      throw new Error('bad shape');
    return state as BatchState;
  } catch (error) {
    throw new BatchError(
      'batch_conflict',
      `${path} is not a readable batch state file; pass --restart to start over`,
      { cause: error },
    );
  }
}

/** Writes the state atomically and durably (temp file, fsync, rename, fsync the directory). */
function writeState(path: string, state: BatchState): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, `${JSON.stringify(state, null, 2)}\n`);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  syncDirectory(path);
}

/** What {@link openState} needs. */
export interface OpenStateOptions {
  readonly input: string;
  readonly fingerprint: InputFingerprint;
  readonly output: string;
  readonly errors: string | null;
  /** Start over: a new batch id, and the caller empties the files. */
  readonly overwrite: boolean;
}

/** The state in force, and whether the journal files must be emptied first. */
export interface OpenedState {
  readonly state: BatchState;
  readonly fresh: boolean;
}

function conflict(message: string): never {
  throw new BatchError(
    'batch_conflict',
    `${message}. Resume with the same arguments, choose another --output, or pass --restart to ` +
      `discard its results and start over.`,
  );
}

/**
 * Loads the state of an existing batch and checks it matches, or creates a new one.
 * @throws BatchError `batch_conflict` when the output belongs to another input or error file,
 *   or has results but no state (not written by this runner), unless `overwrite`
 */
export function openState(options: OpenStateOptions): OpenedState {
  const path = statePathFor(options.output);
  const { fingerprint: fp } = options;
  if (!options.overwrite && existsSync(path)) {
    const state = readState(path);
    if (state.input.sha256 !== fp.sha256 || state.input.sizeBytes !== fp.sizeBytes) {
      conflict(
        `${options.output} holds results of another input (${state.input.path}, ` +
          `sha256 ${state.input.sha256.slice(0, 12)}…), not of ${options.input}`,
      );
    }
    if (state.errors !== options.errors) {
      conflict(
        `${options.output} was started with ${state.errors === null ? 'no --errors' : `--errors ${state.errors}`}`,
      );
    }
    return { state, fresh: false };
  }
  if (!options.overwrite && (sizeOf(options.output) > 0 || sizeOf(options.errors) > 0)) {
    conflict(`${options.output} (or the error file) already has content and no batch state`);
  }
  const state: BatchState = {
    version: 1,
    batchId: randomBytes(8).toString('hex'),
    input: { path: options.input, ...fp },
    output: options.output,
    errors: options.errors,
    createdAt: new Date().toISOString(),
  };
  writeState(path, state);
  return { state, fresh: true };
}
