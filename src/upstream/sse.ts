/**
 * An incremental server-sent events parser (WHATWG HTML §9.2.6, "event stream interpretation")
 * over byte chunks split anywhere, even inside a UTF-8 character or a `\r\n` pair.
 *
 * It reads `data:` (several lines joined with `\n`) and `event:`, ignores comments (`: ping`),
 * `id:`, `retry:` and unknown fields, accepts `\n`, `\r\n` and `\r` line ends, strips a leading
 * BOM, and dispatches on a blank line. It never parses the data: the payload is passed on raw.
 */
import type { SseEvent } from './types.js';

/**
 * Longest line or event payload accepted, in UTF-16 code units (~16 MiB). Past it the framing is
 * broken (or hostile) and the parser refuses rather than buffering without bound.
 */
export const MAX_SSE_EVENT_CHARS = 16 * 1024 * 1024;

const LF = 10;
const COLON = 58;
const SPACE = 32;

/** Parses one event stream; create one per response. */
export class SseParser {
  readonly #decoder = new TextDecoder('utf-8');
  readonly #maxChars: number;
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
    let text = this.#decoder.decode(chunk, { stream: true });
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
    const tail = this.#decoder.decode();
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
