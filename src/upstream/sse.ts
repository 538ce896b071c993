/**
 * An incremental server-sent events parser (WHATWG HTML §9.2.6, "event stream interpretation")
 * over byte chunks split anywhere, even inside a UTF-8 character or a `\r\n` pair.
 *
 * It reads `data:` (several lines joined with `\n`) and `event:`, ignores comments (`: ping`),
 * `id:`, `retry:` and unknown fields, accepts `\n`, `\r\n` and `\r` line ends, strips a leading
 * BOM, and dispatches on a blank line. It never parses the data: the payload is passed on raw.
 */
import { Buffer } from 'node:buffer';
import type { SseEvent } from './types.js';

/**
 * Longest line or event payload accepted, in UTF-16 code units (~16 MiB). Past it the framing is
 * broken (or hostile) and the parser refuses rather than buffering without bound.
 */
export const MAX_SSE_EVENT_CHARS = 16 * 1024 * 1024;

const LF = 10;
const BOM = 0xfeff;
const COLON = 58;
const SPACE = 32;

/**
 * How many leading bytes of `bytes` hold only complete UTF-8 sequences: a character cut by the
 * chunk boundary (at most 3 bytes) is left for the next chunk.
 */
export function completeUtf8Length(bytes: Uint8Array): number {
  const n = bytes.length;
  // Look back for the last byte that is not a continuation byte (10xxxxxx).
  for (let i = n - 1; i >= 0 && i >= n - 4; i--) {
    const b = bytes[i] as number;
    if ((b & 0xc0) === 0x80) continue;
    const need = b < 0x80 ? 1 : b >= 0xf0 ? (b < 0xf8 ? 4 : 1) : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return n - i >= need ? n : i;
  }
  return n; // four continuation bytes in a row: invalid whatever follows; decode as is
}

/**
 * UTF-8 decoding of a chunked byte stream. `TextDecoder` with `{ stream: true }` takes a slow
 * ICU path in Node 20 (~8% of the stream path's CPU in a profile); carrying a cut character over
 * by hand lets every chunk use the fast `Buffer#toString('utf8')` (invalid bytes still become
 * U+FFFD, and, unlike `TextDecoder`, a U+FEFF at a chunk start is kept).
 */
class Utf8Stream {
  /** Bytes of a character cut by the previous chunk's end (0 to 3 bytes). */
  #carry: Uint8Array | undefined;

  decode(chunk: Uint8Array): string {
    let bytes = chunk;
    if (this.#carry) {
      bytes = Buffer.concat([this.#carry, chunk]);
      this.#carry = undefined;
    }
    const end =
      bytes.length === 0 || (bytes[bytes.length - 1] as number) < 0x80
        ? bytes.length
        : completeUtf8Length(bytes);
    if (end < bytes.length) this.#carry = bytes.slice(end);
    return Buffer.from(bytes.buffer, bytes.byteOffset, end).toString('utf8');
  }

  /** The bytes of an unfinished character at the end of the stream, decoded (U+FFFD), or ''. */
  end(): string {
    const carry = this.#carry;
    this.#carry = undefined;
    return carry ? Buffer.from(carry).toString('utf8') : '';
  }
}

/** Parses one event stream; create one per response. */
export class SseParser {
  readonly #decoder = new Utf8Stream();
  readonly #maxChars: number;
  /** No text has been decoded yet: a leading BOM is still to be stripped. */
  #atStart = true;
  /** Text after the last line end: a partial line. */
  #buf = '';
  /** The previous chunk ended in `\r`: a `\n` starting the next one belongs to it. */
  #pendingCR = false;
  /** Data lines of the event being built; `undefined` until a `data` field arrives. */
  #data: string | undefined;
  #event: string | undefined;

  /** @param maxChars longest line or event payload. @default MAX_SSE_EVENT_CHARS */
  constructor(maxChars = MAX_SSE_EVENT_CHARS) {
    this.#maxChars = maxChars;
  }

  /**
   * Feeds the next chunk; appends each event it completes to `out`.
   *
   * @returns `false` when a line or an event grew past the limit: the stream's framing is broken
   *   and the parser must not be fed again.
   */
  feed(chunk: Uint8Array, out: SseEvent[]): boolean {
    let text = this.#decoder.decode(chunk);
    if (this.#atStart && text.length > 0) {
      this.#atStart = false;
      if (text.charCodeAt(0) === BOM) text = text.slice(1);
    }
    if (this.#pendingCR && text.length > 0) {
      this.#pendingCR = false;
      if (text.charCodeAt(0) === LF) text = text.slice(1);
    }
    // The buffered partial line holds no line end: scanning resumes after it.
    const scanFrom = this.#buf.length;
    if (scanFrom > 0) text = this.#buf + text;
    const rest = this.#lines(text, scanFrom, out);
    if (rest < 0) return false;
    this.#buf = rest < text.length ? text.slice(rest) : '';
    return this.#buf.length <= this.#maxChars;
  }

  /**
   * The stream ended. Per the spec an event without its closing blank line is discarded.
   *
   * @returns `true` when bytes of an unfinished line or event were thrown away.
   */
  end(): boolean {
    const tail = this.#decoder.end();
    const unfinished = this.#buf.length > 0 || tail.length > 0 || this.#data !== undefined;
    this.#buf = '';
    this.#data = undefined;
    this.#event = undefined;
    return unfinished;
  }

  /** Handles every complete line of `text`; returns where the unfinished rest starts (-1: too big). */
  #lines(text: string, scanFrom: number, out: SseEvent[]): number {
    let pos = 0;
    let nextLF = text.indexOf('\n', scanFrom);
    // Most upstreams never send `\r`; knowing there is none saves a scan per line.
    let nextCR = text.indexOf('\r', scanFrom);
    for (;;) {
      if (nextLF !== -1 && nextLF < pos) nextLF = text.indexOf('\n', pos);
      if (nextCR !== -1 && nextCR < pos) nextCR = text.indexOf('\r', pos);
      const start = pos;
      let end: number;
      if (nextCR === -1 || (nextLF !== -1 && nextLF < nextCR)) {
        if (nextLF === -1) return start;
        end = nextLF;
        pos = end + 1;
      } else {
        end = nextCR;
        if (end + 1 === text.length) this.#pendingCR = true;
        pos = text.charCodeAt(end + 1) === LF ? end + 2 : end + 1;
      }
      if (!this.#line(text, start, end, out)) return -1;
    }
  }

  /** Handles the line `text[start, end)`; `false` when the event grew past the limit. */
  #line(text: string, start: number, end: number, out: SseEvent[]): boolean {
    if (start === end) {
      this.#dispatch(out);
      return true;
    }
    const first = text.charCodeAt(start);
    if (first === COLON) return true; // a comment, e.g. `: ping`
    let colon = text.indexOf(':', start);
    if (colon === -1 || colon > end) colon = end;
    let valueStart = colon + 1;
    if (valueStart < end && text.charCodeAt(valueStart) === SPACE) valueStart++;
    const value = valueStart < end ? text.slice(valueStart, end) : '';
    const nameLength = colon - start;
    if (nameLength === 4 && text.startsWith('data', start)) {
      this.#data = this.#data === undefined ? value : `${this.#data}\n${value}`;
      return this.#data.length <= this.#maxChars;
    }
    if (nameLength === 5 && text.startsWith('event', start)) {
      this.#event = value === '' ? undefined : value;
    }
    // `id`, `retry` and unknown fields carry nothing a chat stream needs.
    return true;
  }

  #dispatch(out: SseEvent[]): void {
    const data = this.#data;
    const event = this.#event;
    this.#data = undefined;
    this.#event = undefined;
    // The spec dispatches nothing for an event without data (a lone `event:` line).
    if (data === undefined) return;
    out.push(event === undefined ? { data } : { data, event });
  }
}
