/**
 * Reading and parsing a request body within limits: a byte cap that stops reading at once, and a
 * JSON nesting cap checked by a cheap byte scan *before* `JSON.parse`, so a hostile body can
 * neither fill memory nor blow the parser's stack.
 */
import type { IncomingMessage } from 'node:http';
import { overloadedError } from './body-budget.js';
import type { BodyHold } from './body-budget.js';

/** Why a body was refused. The route turns each into a 4xx envelope. */
export type BodyProblem = 'too_large' | 'too_deep' | 'malformed' | 'aborted';

/** A body the gateway refuses to read or parse. */
export class BodyError extends Error {
  readonly problem: BodyProblem;
  constructor(problem: BodyProblem, message: string) {
    super(message);
    this.name = 'BodyError';
    this.problem = problem;
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * The deepest nesting of objects and arrays in a JSON text, stopping as soon as it passes
 * `maxDepth`. Works on UTF-8 bytes: every structural byte is ASCII and no byte of a multi-byte
 * character is below 0x80, so no decoding is needed. Malformed text gives some number; the parse
 * that follows rejects it.
 *
 * @returns the depth (0 for a scalar), or `maxDepth + 1` once it is exceeded
 */
export function jsonDepth(bytes: Uint8Array, maxDepth: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) {
      inString = true;
    } else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > maxDepth) return deepest;
      }
    } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
      depth--;
    }
  }
  return deepest;
}

/**
 * True when `bytes` holds more than `limit` opening braces and brackets, counted anywhere
 * (strings included). Nesting cannot be deeper than that count, so at or under it the byte-by-byte
 * {@link jsonDepth} scan is not needed; the count runs in native `indexOf`, one call per bracket.
 */
function moreOpenersThan(bytes: Buffer, limit: number): boolean {
  let count = 0;
  for (const opener of [OPEN_BRACE, OPEN_BRACKET]) {
    for (let i = bytes.indexOf(opener); i !== -1; i = bytes.indexOf(opener, i + 1)) {
      if (++count > limit) return true;
    }
  }
  return false;
}

/**
 * Reads the whole body, refusing more than `limitBytes`: a declared `content-length` over the
 * limit is refused before any byte is read, and a chunked body is refused the moment it passes
 * the limit. Either way the rest is not buffered (the caller closes the connection).
 *
 * With a `hold`, the bytes are first reserved in the gateway-wide body budget: the declared
 * length before reading, else each chunk as it comes. The caller releases the hold.
 *
 * @throws BodyError `too_large`, or `aborted` when the client goes away mid-body
 * @throws HttpError 503 `server_overloaded` when the budget cannot cover the body
 */
export function readBody(
  req: IncomingMessage,
  limitBytes: number,
  hold?: BodyHold,
): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limitBytes) {
    return Promise.reject(tooLarge(limitBytes));
  }
  if (declared !== undefined && hold !== undefined && !hold.cover(Number(declared))) {
    return Promise.reject(overloadedError());
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAbort);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > limitBytes) {
        cleanup();
        // Stop the flow: nothing more is buffered; the connection is closed after the 413.
        req.pause();
        reject(tooLarge(limitBytes));
        return;
      }
      if (hold !== undefined && !hold.cover(received)) {
        cleanup();
        req.pause();
        reject(overloadedError());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, received));
    };
    const onAbort = (): void => {
      cleanup();
      reject(new BodyError('aborted', 'the client closed the connection before the body ended'));
    };
    const onClose = (): void => {
      if (!req.complete) onAbort();
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAbort);
    req.on('close', onClose);
  });
}

function tooLarge(limitBytes: number): BodyError {
  return new BodyError('too_large', `The request body exceeds the limit of ${limitBytes} bytes.`);
}

/**
 * Parses a JSON body after checking its nesting depth. An empty body parses as `undefined`
 * (the route's validation then says what is missing).
 *
 * @throws BodyError `too_deep` or `malformed`
 */
export function parseJson(bytes: Buffer, maxDepth: number): unknown {
  if (bytes.length === 0) return undefined;
  if (moreOpenersThan(bytes, maxDepth) && jsonDepth(bytes, maxDepth) > maxDepth) {
    throw new BodyError(
      'too_deep',
      `The JSON body is nested deeper than the limit of ${maxDepth} levels.`,
    );
  }
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    throw new BodyError(
      'malformed',
      'We could not parse the JSON body of your request. The body must be valid JSON.',
    );
  }
}
