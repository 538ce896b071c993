/**
 * Sending the caller's own request bytes upstream instead of serialising the parsed request
 * again: a relay (the gateway, `bb.fetch`) already holds the JSON it parsed, and a chat request
 * carries the whole conversation, so `JSON.stringify` per attempt costs time in proportion to it.
 * The bytes are used only when they say exactly what breakerbox checked:
 * - `"model"` occurs once in them and `"stream"` at most once (a duplicate key could name another
 *   model, or another mode, to an upstream that reads the first one: past the routing, limits and
 *   budget of the model breakerbox read, or a stream answer to a JSON call that would count
 *   against the deployment's breaker);
 * - bytes are valid UTF-8 (text decoded with replacement characters is what was checked);
 * - a stream asks for `stream: true` already; chat and completions streams get
 *   `"stream_options":{"include_usage":true}` spliced in front when the caller sent no
 *   `stream_options` (breakerbox asks for usage to account for the stream), and are serialised
 *   again when the caller sent one without `include_usage: true`.
 * An attempt on a deployment whose upstream model name differs from the requested one, or a
 * pinned Responses request (whose ids are rewritten), is serialised as before.
 */
import { Buffer, isUtf8 } from 'node:buffer';
import type { AnyBody, StreamRoute } from './routes-body.js';

/** Request bytes that serialise the body an attempt sends when its upstream model is `model`. */
export interface RawBody {
  readonly text: string | Uint8Array;
  readonly model: string;
}

const MODEL_KEY = '"model"';
const STREAM_KEY = '"stream"';
const STREAM_OPTIONS_KEY = '"stream_options"';
const USAGE_OPTION = '"stream_options":{"include_usage":true},';
const OPEN_BRACE = 123;

function occurrences(raw: string | Buffer, needle: string, atMost: number): number {
  let n = 0;
  for (let i = raw.indexOf(needle); i !== -1; i = raw.indexOf(needle, i + needle.length)) {
    if (++n > atMost) break;
  }
  return n;
}

/** Where the top-level object's `{` is (after leading whitespace), or -1. */
function openingBrace(raw: string | Buffer): number {
  for (let i = 0; i < raw.length; i++) {
    const c = typeof raw === 'string' ? raw.charCodeAt(i) : (raw[i] as number);
    if (c === OPEN_BRACE) return i;
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return -1;
  }
  return -1;
}

function asBuffer(raw: string | Uint8Array): string | Buffer {
  if (typeof raw === 'string' || Buffer.isBuffer(raw)) return raw;
  return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
}

/**
 * The caller's bytes for a JSON call (`stream` undefined) or a stream of `stream`'s route, or
 * undefined when they cannot be sent as they are (see the file's comment).
 */
export function rawBodyFor(
  body: AnyBody,
  raw: string | Uint8Array | undefined,
  stream?: StreamRoute,
): RawBody | undefined {
  if (raw === undefined) return undefined;
  const text = asBuffer(raw);
  if (typeof text !== 'string' && !isUtf8(text)) return undefined;
  if (occurrences(text, MODEL_KEY, 1) !== 1 || occurrences(text, STREAM_KEY, 1) > 1) {
    return undefined;
  }
  const model = body.model;
  if (stream === undefined) return { text, model };
  if ((body as { stream?: unknown }).stream !== true) return undefined;
  if (stream === 'responses') return { text, model };
  const options = (body as { stream_options?: { include_usage?: unknown } | null }).stream_options;
  if (options?.include_usage === true) return { text, model };
  if (text.indexOf(STREAM_OPTIONS_KEY) !== -1) return undefined;
  const brace = openingBrace(text);
  if (brace === -1) return undefined;
  const spliced =
    typeof text === 'string'
      ? `${text.slice(0, brace + 1)}${USAGE_OPTION}${text.slice(brace + 1)}`
      : Buffer.concat([
          text.subarray(0, brace + 1),
          Buffer.from(USAGE_OPTION),
          text.subarray(brace + 1),
        ]);
  return { text: spliced, model };
}
