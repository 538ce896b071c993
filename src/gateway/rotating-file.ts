/**
 * An append-only file rotated by size: when the next line would take it past `maxBytes`, the
 * file becomes `<path>.1` (the older ones shift to `.2` … `.<maxFiles>`, the oldest is removed)
 * and a new file is started. Lines are never split across files.
 *
 * No installed library rotates by size (pino's `destination` only reopens), so this is done here,
 * kept small: renames are synchronous, so the order of lines across files is exact, and the
 * stream still open on the renamed file finishes writing into it (a rename keeps the inode).
 */
import { createWriteStream, mkdirSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { dirname } from 'node:path';

/** Options of {@link RotatingFile}. */
export interface RotatingFileOptions {
  readonly path: string;
  /** Size at which the file is rotated, bytes; a single longer line still gets a file of its own. */
  readonly maxBytes: number;
  /** Rotated files kept besides the current one, at least 1. */
  readonly maxFiles: number;
  /** Called once if writing fails (disk full, file removed with its directory…); writes stop. */
  readonly onError?: (error: Error) => void;
}

/** A size-rotated append-only file. */
export class RotatingFile {
  readonly #options: RotatingFileOptions;
  #stream: WriteStream;
  #size: number;
  #failed = false;
  #closed = false;
  readonly #closing: Promise<void>[] = [];

  /** Opens (creating its directory) or appends to `path`. @throws the file system's error */
  constructor(options: RotatingFileOptions) {
    this.#options = options;
    mkdirSync(dirname(options.path), { recursive: true });
    this.#stream = this.#open();
    this.#size = sizeOf(options.path);
  }

  /** Bytes in the current file, counting what is queued. */
  get size(): number {
    return this.#size;
  }

  /** Appends one line (a `\n` is added). Dropped after {@link close} or a write error. */
  writeLine(line: string): void {
    if (this.#closed || this.#failed) return;
    const text = `${line}\n`;
    const bytes = Buffer.byteLength(text);
    if (this.#size > 0 && this.#size + bytes > this.#options.maxBytes) this.#rotate();
    this.#size += bytes;
    this.#stream.write(text);
  }

  /** Flushes what is queued and closes the file. Idempotent. */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#closing.push(endStream(this.#stream));
    }
    await Promise.all(this.#closing);
  }

  #open(): WriteStream {
    // Opened synchronously: a rename right after must find this descriptor already on the inode.
    const fd = openSync(this.#options.path, 'a');
    const stream = createWriteStream(this.#options.path, { fd });
    stream.on('error', (error) => {
      if (this.#failed) return;
      this.#failed = true;
      this.#options.onError?.(error);
    });
    return stream;
  }

  #rotate(): void {
    const { path, maxFiles } = this.#options;
    const old = this.#stream;
    try {
      rmSync(`${path}.${maxFiles}`, { force: true });
      for (let i = maxFiles - 1; i >= 1; i--) renameIfExists(`${path}.${i}`, `${path}.${i + 1}`);
      renameSync(path, `${path}.1`);
    } catch (error) {
      this.#failed = true;
      this.#options.onError?.(error as Error);
      return;
    }
    // The old stream keeps its descriptor: what it still has queued lands in the renamed file.
    this.#closing.push(endStream(old));
    this.#size = 0;
    try {
      this.#stream = this.#open();
    } catch (error) {
      this.#failed = true;
      this.#options.onError?.(error as Error);
    }
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

function renameIfExists(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function endStream(stream: WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.closed || stream.destroyed) {
      resolve();
      return;
    }
    stream.once('close', () => {
      resolve();
    });
    stream.end();
  });
}
