/**
 * Result lines in the OpenAI batch output format (shared reference, openai-wire §5):
 *   {"id":"batch_req_…","custom_id":…,"response":{"status_code","request_id","body"},"error":null}
 *   {"id":"batch_req_…","custom_id":…,"retryable":true,"response":null,"error":{"code","message"}}
 *
 * The `id` is `batch_req_<batchId>_<line>`: the input line number the result answers. The output
 * files are the run's journal, and this is how a resume knows which lines are done. Every
 * failure carries `"retryable"` (our one addition to the format): `true` when no provider judged
 * the request (a resume sends it again), `false` when the failure is final. Every line is written
 * with its fields in this fixed order, `retryable` right after the ids, so
 * {@link parseResultHead} reads all a resume needs without parsing the (possibly large) body.
 */

/** An HTTP result: 2xx goes to the output file, anything else to the error file. */
export interface HttpResult {
  readonly statusCode: number;
  readonly requestId: string;
  /** The response body as JSON text on one line (no raw newlines), or a value to serialise. */
  readonly bodyText?: string;
  readonly body?: unknown;
  /** For a failure: whether a resume sends the line again. Omitted on 2xx results. */
  readonly retryable?: boolean;
}

/** A failure without an HTTP result. */
export interface ErrorResult {
  readonly code: string;
  readonly message: string;
  readonly param?: string | null;
  /** The input line number, for `invalid_request` lines. */
  readonly line?: number;
  /** Whether a resume sends the line again. @default false */
  readonly retryable?: boolean;
}

/** The result id for line `lineNo` of batch `batchId`. */
export function resultId(batchId: string, lineNo: number): string {
  return `batch_req_${batchId}_${lineNo}`;
}

function head(
  batchId: string,
  line: { lineNo: number; customId: string | null },
  retryable: boolean | undefined,
): string {
  const mark = retryable === undefined ? '' : `,"retryable":${retryable}`;
  return `{"id":"${resultId(batchId, line.lineNo)}","custom_id":${JSON.stringify(line.customId)}${mark}`;
}

/** Body text safe to embed in a JSONL line: the given text when it has no raw line breaks. */
function oneLineBody(r: HttpResult): string {
  const t = r.bodyText;
  if (t !== undefined && t.length > 0 && !t.includes('\n') && !t.includes('\r')) return t;
  return JSON.stringify(r.body ?? null);
}

/** One output-file line for an HTTP result, ending in `\n`. */
export function formatHttpLine(
  batchId: string,
  line: { lineNo: number; customId: string | null },
  r: HttpResult,
): string {
  const response =
    `{"status_code":${r.statusCode},"request_id":${JSON.stringify(r.requestId)},` +
    `"body":${oneLineBody(r)}}`;
  return `${head(batchId, line, r.retryable)},"response":${response},"error":null}\n`;
}

/** One error-file line for a failure without an HTTP result, ending in `\n`. */
export function formatErrorLine(
  batchId: string,
  line: { lineNo: number; customId: string | null },
  e: ErrorResult,
): string {
  const error = {
    code: e.code,
    message: e.message,
    ...(e.param !== undefined && { param: e.param }),
    ...(e.line !== undefined && { line: e.line }),
  };
  return `${head(batchId, line, e.retryable ?? false)},"response":null,"error":${JSON.stringify(error)}}\n`;
}

/** What a resume needs from a journal line. */
export interface ResultHead {
  readonly batchId: string;
  readonly lineNo: number;
  /** The HTTP status, or null for a failure without an HTTP result. */
  readonly statusCode: number | null;
  /** The failure is marked retryable (false for successes, final failures and old journals). */
  readonly retryable: boolean;
}

const ID_PREFIX = /^\{"id":"batch_req_([0-9a-f]{16})_([1-9][0-9]{0,9})","custom_id":/;
const STATUS = /^,"response":\{"status_code":([0-9]{3}),/;
const RETRYABLE = /^,"retryable":(true|false)/;

/** Index just past the JSON value at `at` (a string or `null`), or -1. */
function skipIdValue(text: string, at: number): number {
  if (text.startsWith('null', at)) return at + 4;
  if (text[at] !== '"') return -1;
  for (let i = at + 1; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x5c) i++;
    else if (ch === 0x22) return i + 1;
  }
  return -1;
}

/**
 * Reads the head of a journal line this runner wrote (the line's first bytes are enough);
 * undefined when it is not one. Whether the line is complete is the caller's to check.
 */
export function parseResultHead(text: string): ResultHead | undefined {
  const m = ID_PREFIX.exec(text);
  if (!m) return undefined;
  const after = skipIdValue(text, m[0].length);
  if (after === -1) return undefined;
  const mark = RETRYABLE.exec(text.slice(after, after + 20));
  const retryable = mark?.[1] === 'true';
  const rest = text.slice(after + (mark?.[0].length ?? 0), after + 60);
  const lineNo = Number(m[2]);
  if (rest.startsWith(',"response":null,"error":{')) {
    return { batchId: m[1] as string, lineNo, statusCode: null, retryable };
  }
  const s = STATUS.exec(rest);
  if (!s) return undefined;
  return { batchId: m[1] as string, lineNo, statusCode: Number(s[1]), retryable };
}
