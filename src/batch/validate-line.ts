/**
 * Checks each input line against the OpenAI batch input format (shared reference, openai-wire
 * §5): a JSON object with a unique `custom_id`, `method: "POST"`, one supported `url` for the
 * whole file, and an object `body`. The model and the rest of the body are the engine's to judge
 * (a bad body becomes a 400 result, as OpenAI's batch does).
 *
 * Invariant the resume relies on: a line's verdict depends only on the lines before it, so the
 * same file always yields the same verdicts, run after run.
 */
import { IdTable } from './id-table.js';
import type { InputLine } from './line-reader.js';

/** The endpoints a batch may target. */
export type BatchEndpoint = '/v1/chat/completions' | '/v1/embeddings';

/** The engine route for each endpoint. */
export const ROUTE_OF: Readonly<Record<BatchEndpoint, 'chat' | 'embeddings'>> = {
  '/v1/chat/completions': 'chat',
  '/v1/embeddings': 'embeddings',
};

/** A line to run. */
export interface RequestLine {
  readonly kind: 'request';
  readonly lineNo: number;
  readonly customId: string;
  readonly endpoint: BatchEndpoint;
  readonly body: Record<string, unknown>;
}

/** A line that cannot run; reported as an `invalid_request` error line. */
export interface InvalidLine {
  readonly kind: 'invalid';
  readonly lineNo: number;
  /** The line's custom_id when it had a usable one of its own (not a duplicate), else null. */
  readonly customId: string | null;
  /** Starts with `line N: `. */
  readonly message: string;
  /** The field at fault (`custom_id`, `method`, `url`, `body`), null for the line as a whole. */
  readonly param: string | null;
}

/** An empty or whitespace-only line: skipped, not reported. */
export interface BlankLine {
  readonly kind: 'blank';
  readonly lineNo: number;
}

export type CheckedLine = RequestLine | InvalidLine | BlankLine;

/** Longest custom_id accepted (the journal reads ids back from each result line's head). */
export const MAX_CUSTOM_ID_CHARS = 1024;

const ENDPOINTS: ReadonlySet<string> = new Set(Object.keys(ROUTE_OF));

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === undefined) return 'missing';
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v);
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`;
}

/** Validates the lines of one batch file, in order. */
export class LineValidator {
  readonly #ids: IdTable;
  #endpoint: BatchEndpoint | undefined;
  #endpointLine = 0;

  /** @param expectedLines presizes the duplicate table. @default 0 */
  constructor(expectedLines = 0) {
    this.#ids = new IdTable(expectedLines);
  }

  /** The batch's endpoint: the `url` of the first line that named a supported one. */
  get endpoint(): BatchEndpoint | undefined {
    return this.#endpoint;
  }

  /** Bytes held by the duplicate table. */
  get memoryBytes(): number {
    return this.#ids.memoryBytes;
  }

  /** Checks one line. Lines must be given in file order, each once. */
  check(line: InputLine): CheckedLine {
    const { lineNo, text } = line;
    const invalid = (message: string, param: string | null, customId: string | null = null) =>
      ({
        kind: 'invalid',
        lineNo,
        customId,
        message: `line ${lineNo}: ${message}`,
        param,
      }) as const;
    if (text === undefined) return invalid(`longer than the limit (${line.sizeBytes} bytes)`, null);
    if (text.trim() === '') return { kind: 'blank', lineNo };
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      // The parser's message quotes the line; a prompt has no place in an error message.
      return invalid('is not valid JSON', null);
    }
    if (!isObject(value)) return invalid(`must be a JSON object, got ${describe(value)}`, null);
    const id = value.custom_id;
    if (typeof id !== 'string' || id.length === 0) {
      const got =
        id === undefined ? 'is missing' : `must be a non-empty string, got ${describe(id)}`;
      return invalid(`custom_id ${got}`, 'custom_id');
    }
    if (id.length > MAX_CUSTOM_ID_CHARS) {
      return invalid(`custom_id is longer than ${MAX_CUSTOM_ID_CHARS} characters`, 'custom_id');
    }
    const firstLine = this.#ids.claim(id, lineNo);
    if (firstLine !== 0) {
      return invalid(
        `duplicate custom_id ${describe(id)} (first used on line ${firstLine}); not run`,
        'custom_id',
      );
    }
    // From here the id is this line's own: its report carries it, so every id appears once.
    if (value.method !== 'POST') {
      return invalid(`method must be "POST", got ${describe(value.method)}`, 'method', id);
    }
    const url = value.url;
    if (typeof url !== 'string' || !ENDPOINTS.has(url)) {
      const supported = [...ENDPOINTS].join(', ');
      return invalid(`url ${describe(url)} is not supported (supported: ${supported})`, 'url', id);
    }
    const endpoint = url as BatchEndpoint;
    if (this.#endpoint === undefined) {
      this.#endpoint = endpoint;
      this.#endpointLine = lineNo;
    } else if (endpoint !== this.#endpoint) {
      const first = `"${this.#endpoint}" (set by line ${this.#endpointLine})`;
      return invalid(`url "${url}" differs from the batch's endpoint ${first}`, 'url', id);
    }
    if (!isObject(value.body)) {
      return invalid(`body must be a JSON object, got ${describe(value.body)}`, 'body', id);
    }
    if (value.body.stream === true) {
      return invalid(
        'body.stream must not be true: a batch line gets one JSON answer',
        'body.stream',
        id,
      );
    }
    return { kind: 'request', lineNo, customId: id, endpoint, body: value.body };
  }
}
