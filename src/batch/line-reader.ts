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
  /** The line's text, or undefined when it was longer than `maxLineBytes` (then skipped). */
  readonly text: string | undefined;
  /** The line's length in bytes, without the newline. */
  readonly sizeBytes: number;
}

/** Options of {@link readLines}. */
export interface ReadLinesOptions {
  /** Lines longer than this are not decoded (their `text` is undefined). @default 64 MiB */
  readonly maxLineBytes?: number;
  /** Bytes read per chunk. @default 256 KiB */
  readonly chunkBytes?: number;
  /** Stops reading (the iteration ends early) when aborted. */
  readonly signal?: AbortSignal;
}

const NEWLINE = 0x0a;
const CR = 0x0d;
const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;

/**
 * Splits a byte stream into lines. Works over any async iterable of buffers so it can be tested
 * without files; {@link readLines} feeds it a file stream.
 */
export async function* splitLines(
  chunks: AsyncIterable<Buffer>,
  options: Omit<ReadLinesOptions, 'chunkBytes'> = {},
): AsyncGenerator<InputLine> {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const signal = options.signal;
  let lineNo = 0;
  // The current partial line: pieces of earlier chunks. Dropped (kept only as a size) once the
  // line is known to be too long, so an endless line cannot grow memory.
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let oversized = false;
  const emit = (tail: Buffer): InputLine => {
    lineNo++;
    const sizeBytes = carryBytes + tail.length;
    let text: string | undefined;
    if (!oversized && sizeBytes <= maxLineBytes) {
      const whole = carry.length === 0 ? tail : Buffer.concat([...carry, tail], sizeBytes);
      const end =
        whole.length > 0 && whole[whole.length - 1] === CR ? whole.length - 1 : whole.length;
      text = whole.toString('utf8', 0, end);
      if (lineNo === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    carry = [];
    carryBytes = 0;
    oversized = false;
    return { lineNo, text, sizeBytes };
  };
  for await (const chunk of chunks) {
    if (signal?.aborted) return;
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, start);
      if (nl === -1) break;
      yield emit(chunk.subarray(start, nl));
      if (signal?.aborted) return;
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      carryBytes += rest.length;
      if (oversized || carryBytes > maxLineBytes) {
        oversized = true;
        carry = [];
      } else {
        // Copy: the stream may reuse its buffer, and a subarray would pin the whole chunk.
        carry.push(Buffer.from(rest));
      }
    }
  }
  if (carryBytes > 0 || oversized) yield emit(Buffer.alloc(0));
}

/**
 * Reads a JSONL file line by line. A last line without `\n` is still a line.
 * @throws the file system error when the file cannot be opened or read
 */
export function readLines(path: string, options: ReadLinesOptions = {}): AsyncGenerator<InputLine> {
  const stream = createReadStream(path, { highWaterMark: options.chunkBytes ?? 256 * 1024 });
  return splitLines(stream as AsyncIterable<Buffer>, options);
}
