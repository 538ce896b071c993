/**
 * A streaming JSONL line splitter with 1-based line numbers. It holds one read chunk plus the
 * current partial line, never the file: a 1,000,000-line input is read in constant memory, and
 * the async iteration pauses the file stream while the consumer is busy (backpressure).
 */
import { createReadStream } from 'node:fs';

/** One line of the input, without its `\n` (and without a trailing `\r`). */
export interface InputLine {
  /** 1-based line number in the file. */
  readonly lineNo: number;
  /**
   * The line's text; undefined when it was longer than `maxLineBytes` (then skipped). With
   * `headBytes`, only the line's first `headBytes` bytes.
   */
  readonly text: string | undefined;
  /** The line's length in bytes, without the newline. */
  readonly sizeBytes: number;
  /** The line's last byte (a `\r` included), -1 for an empty line. */
  readonly lastByte?: number;
}

/** Options of {@link readLines}. */
export interface ReadLinesOptions {
  /** Lines longer than this are not decoded (their `text` is undefined). @default 64 MiB */
  readonly maxLineBytes?: number;
  /**
   * Decode only each line's first `headBytes` bytes, whatever its length (for reading result
   * heads: a line of any size costs this much memory). Overrides `maxLineBytes`.
   */
  readonly headBytes?: number;
  /** Bytes read per chunk. @default 256 KiB */
  readonly chunkBytes?: number;
  /** Stops reading (the iteration ends early) when aborted. */
  readonly signal?: AbortSignal;
}

const NEWLINE = 0x0a;
const CR = 0x0d;
const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;

/** The line being assembled across chunks. */
class PartialLine {
  /** Kept bytes (at most the limit); dropped once the line is known to be too long. */
  parts: Buffer[] = [];
  keptBytes = 0;
  sizeBytes = 0;
  lastByte = -1;
  tooLong = false;

  constructor(
    readonly limitBytes: number,
    readonly headOnly: boolean,
  ) {}

  add(piece: Buffer, copy: boolean): void {
    if (piece.length === 0) return;
    this.sizeBytes += piece.length;
    this.lastByte = piece[piece.length - 1] as number;
    if (this.tooLong) return;
    const room = this.limitBytes - this.keptBytes;
    if (piece.length > room) {
      if (!this.headOnly) {
        // An endless line must not grow memory: keep only its size from here on.
        this.tooLong = true;
        this.parts = [];
        return;
      }
      piece = piece.subarray(0, room);
      this.tooLong = true;
    }
    // Copy a piece the stream may reuse; a subarray would also pin the whole chunk.
    this.parts.push(copy ? Buffer.from(piece) : piece);
    this.keptBytes += piece.length;
  }

  /** The text, or undefined for a line too long to decode. */
  text(isFirst: boolean): string | undefined {
    if (this.tooLong && !this.headOnly) return undefined;
    const whole = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts);
    const end = !this.tooLong && whole[whole.length - 1] === CR ? whole.length - 1 : whole.length;
    const text = whole.toString('utf8', 0, end);
    return isFirst && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }
}

/**
 * Splits a byte stream into lines. Works over any async iterable of buffers so it can be tested
 * without files; {@link readLines} feeds it a file stream.
 */
export async function* splitLines(
  chunks: AsyncIterable<Buffer>,
  options: Omit<ReadLinesOptions, 'chunkBytes'> = {},
): AsyncGenerator<InputLine> {
  const headOnly = options.headBytes !== undefined;
  const limitBytes = options.headBytes ?? options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const signal = options.signal;
  let lineNo = 0;
  let line = new PartialLine(limitBytes, headOnly);
  const emit = (): InputLine => {
    lineNo++;
    const text = line.text(lineNo === 1);
    const out = { lineNo, text, sizeBytes: line.sizeBytes, lastByte: line.lastByte };
    line = new PartialLine(limitBytes, headOnly);
    return out;
  };
  let hasPartial = false;
  for await (const chunk of chunks) {
    if (signal?.aborted) return;
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, start);
      if (nl === -1) break;
      line.add(chunk.subarray(start, nl), false);
      hasPartial = false;
      yield emit();
      if (signal?.aborted) return;
      start = nl + 1;
    }
    if (start < chunk.length) {
      line.add(chunk.subarray(start), true);
      hasPartial = true;
    }
  }
  if (hasPartial) yield emit();
}

/**
 * Reads a JSONL file line by line. A last line without `\n` is still a line.
 * @throws the file system error when the file cannot be opened or read
 */
export function readLines(path: string, options: ReadLinesOptions = {}): AsyncGenerator<InputLine> {
  const stream = createReadStream(path, { highWaterMark: options.chunkBytes ?? 256 * 1024 });
  return splitLines(stream as AsyncIterable<Buffer>, options);
}
