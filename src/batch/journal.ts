/**
 * The output and error files are the batch's journal: append-only, one complete result line per
 * finished input line, keyed by the input line number in the result id.
 *
 * Invariant: a result line is in a file (ending in `\n`) if and only if its input line is done.
 * - Writing: each line is handed to the kernel in one `write` of the full line, `\n` included,
 *   so a killed process leaves at most one torn line, at the end of a file.
 * - Opening: complete lines of ours are read back as done; a torn or foreign tail is truncated
 *   before anything is appended, so a resume never appends after garbage and never misreads it.
 * - Durability: `fdatasync` every `syncEveryLines` lines or `syncIntervalMs` ms (group commit).
 *   A process kill loses nothing the kernel accepted; a power cut can lose the unsynced tail,
 *   whose lines are then simply not done and are sent again: never lost, never duplicated.
 * - Sending again: a result the resume will replace (a retryable failure) is removed from its
 *   file before the line is sent (journal-rewrite.ts), so the new result never sits beside it.
 */
import { closeSync, fdatasync, fdatasyncSync, fstatSync, ftruncateSync, openSync } from 'node:fs';
import { writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { BatchError } from './batch-error.js';
import { LineSet } from './id-table.js';
import { readLines } from './line-reader.js';
import { parseResultHead } from './result-line.js';
import type { ResultHead } from './result-line.js';

/** Bytes of each journal line read back: the id, the custom_id (≤ 1,024 chars) and the status. */
const HEAD_BYTES = 16 * 1024;
const CLOSING_BRACE = 0x7d;

/** What reading a journal file found. */
export interface JournalScan {
  /** Result lines of this batch found complete. */
  readonly lines: number;
  /** Of those, 2xx HTTP results. */
  readonly succeeded: number;
  /** Bytes cut from the end (a torn or foreign tail). */
  readonly truncatedBytes: number;
  /** The file's line numbers (1-based) of the results `resend` picked: to remove before sending. */
  readonly toRemove: LineSet;
}

/** What {@link scanJournal} checks lines against. */
export interface ScanOptions {
  readonly batchId: string;
  /** The input's line count: a result for a later line is foreign. */
  readonly maxLineNo: number;
  /** Done lines; lines found are added. A line already in it is a foreign duplicate. */
  readonly done: LineSet;
  /** Results to send again rather than keep (retryable failures, or every failure). */
  readonly resend?: {
    readonly pick: (head: ResultHead) => boolean;
    /** Input lines whose result was picked (not done); a line already in it is a duplicate. */
    readonly lines: LineSet;
  };
}

/**
 * Reads a journal file, adds its results to `done`, and truncates a bad tail.
 * A missing file is an empty journal.
 * @throws BatchError `journal_corrupt` when a bad line is followed by good ones (never guessed at)
 */
export async function scanJournal(path: string, options: ScanOptions): Promise<JournalScan> {
  let fd: number;
  try {
    fd = openSync(path, 'r+');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { lines: 0, succeeded: 0, truncatedBytes: 0, toRemove: new LineSet() };
    }
    throw error;
  }
  try {
    const sizeBytes = fstatSync(fd).size;
    let offset = 0;
    let goodEnd = 0;
    let firstBadLine = 0;
    let lines = 0;
    let succeeded = 0;
    const toRemove = new LineSet();
    // Only each line's head is decoded: a result line of any size (a big embeddings answer)
    // costs HEAD_BYTES of memory here.
    for await (const line of readLines(path, { headBytes: HEAD_BYTES })) {
      const end = offset + line.sizeBytes + 1;
      const complete = end <= sizeBytes && line.lastByte === CLOSING_BRACE;
      const head = complete && line.text !== undefined ? parseResultHead(line.text) : undefined;
      const claimed = head === undefined ? false : claim(head, options);
      if (claimed === 'resend') toRemove.add(line.lineNo);
      if (claimed !== false) {
        if (firstBadLine !== 0) {
          throw new BatchError(
            'journal_corrupt',
            `${path} line ${firstBadLine} is not a result of this batch, yet complete results ` +
              `follow it; refusing to guess. Inspect the file, or pass --restart to start over.`,
          );
        }
        goodEnd = end;
        lines++;
        if (claimed === 'done' && isSuccess(head?.statusCode ?? null)) succeeded++;
      } else if (firstBadLine === 0) {
        firstBadLine = line.lineNo;
      }
      offset = end;
    }
    if (goodEnd < sizeBytes) {
      ftruncateSync(fd, goodEnd);
      fdatasyncSync(fd);
    }
    return { lines, succeeded, truncatedBytes: sizeBytes - goodEnd, toRemove };
  } finally {
    closeSync(fd);
  }
}

function isSuccess(statusCode: number | null): boolean {
  return statusCode !== null && statusCode >= 200 && statusCode < 300;
}

/**
 * Records a result's input line as done, or as to be sent again; false for a foreign result
 * (another batch's, past the input's end, or a second result for one line).
 */
function claim(head: ResultHead, options: ScanOptions): 'done' | 'resend' | false {
  const { lineNo } = head;
  if (head.batchId !== options.batchId || lineNo > options.maxLineNo) return false;
  const { resend, done } = options;
  if (done.has(lineNo) || resend?.lines.has(lineNo) === true) return false;
  if (resend?.pick(head) === true) {
    resend.lines.add(lineNo);
    return 'resend';
  }
  done.add(lineNo);
  return 'done';
}

/** Makes a new directory entry durable (after creating or renaming a file in it). */
export function syncDirectory(filePath: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dirname(filePath), 'r');
    fdatasyncSync(fd);
  } catch {
    // Some file systems refuse to sync a directory; the file's own data is synced regardless.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Options of {@link JournalWriter}. */
export interface JournalWriterOptions {
  /** Sync after this many appended lines. @default 1000 */
  readonly syncEveryLines?: number;
  /** Sync at least this often while lines are pending, ms. @default 1000 */
  readonly syncIntervalMs?: number;
}

/** An append-only journal file with group-committed `fdatasync`. */
export class JournalWriter {
  readonly path: string;
  readonly #fd: number;
  readonly #syncEveryLines: number;
  #unsynced = 0;
  #syncing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  /** Opens (creating if needed) `path` for appending. */
  constructor(path: string, options: JournalWriterOptions = {}) {
    this.path = path;
    this.#fd = openSync(path, 'a');
    syncDirectory(path);
    this.#syncEveryLines = options.syncEveryLines ?? 1000;
    const intervalMs = options.syncIntervalMs ?? 1000;
    this.#timer = setInterval(() => {
      if (this.#unsynced > 0) this.#startSync();
    }, intervalMs);
    this.#timer.unref();
  }

  /**
   * Appends one complete line (it must end in `\n`). Synchronous on purpose: the line reaches the
   * kernel before the caller counts it done, and lines from concurrent tasks never interleave.
   * @throws the file system error (disk full, ...): the batch must stop
   */
  append(line: string): void {
    if (this.#closed) throw new Error(`journal ${this.path} is closed`);
    const buf = Buffer.from(line, 'utf8');
    let at = 0;
    // A regular file takes the whole buffer in one write; the loop only covers a short write
    // (then a kill could tear this line, which the next start truncates).
    while (at < buf.length) at += writeSync(this.#fd, buf, at, buf.length - at);
    if (++this.#unsynced >= this.#syncEveryLines) this.#startSync();
  }

  #startSync(): void {
    if (this.#syncing || this.#closed) return;
    this.#unsynced = 0;
    this.#syncing = new Promise<void>((resolve) => {
      fdatasync(this.#fd, () => {
        // An async sync error is not fatal here: close() syncs synchronously and reports it.
        this.#syncing = undefined;
        resolve();
      });
    });
  }

  /** Syncs what is left and closes the file. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#syncing;
    this.#closed = true;
    try {
      fdatasyncSync(this.#fd);
    } finally {
      closeSync(this.#fd);
    }
  }
}
