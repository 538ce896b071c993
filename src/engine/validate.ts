/**
 * Request validation for the OpenAI routes. Checks what breakerbox acts on and what would
 * otherwise fail upstream in a confusing way; every error names the field in `param`. Unknown
 * fields pass through untouched (the SDK sends new ones before we know them).
 */
import { InvalidRequestError } from '../core/index.js';

/** A chat completion request body, as breakerbox reads it. */
export interface ChatBody extends Record<string, unknown> {
  model: string;
  messages: Record<string, unknown>[];
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean } | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
}

/** An embeddings request body. */
export interface EmbeddingsBody extends Record<string, unknown> {
  model: string;
  input: string | string[] | number[] | number[][];
  encoding_format?: 'float' | 'base64';
  dimensions?: number;
}

const ROLES = new Set(['developer', 'system', 'user', 'assistant', 'tool', 'function']);

function fail(message: string, param: string | null): never {
  throw new InvalidRequestError(message, param);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkModel(body: Record<string, unknown>): void {
  if (typeof body.model !== 'string' || body.model.length === 0) {
    fail("'model' is required and must be a non-empty string", 'model');
  }
}

function optionalNumber(
  body: Record<string, unknown>,
  key: string,
  check: { min: number; max: number; integer?: boolean },
): void {
  const v = body[key];
  if (v === undefined || v === null) return;
  if (typeof v !== 'number' || !Number.isFinite(v) || (check.integer && !Number.isInteger(v))) {
    fail(`'${key}' must be ${check.integer ? 'an integer' : 'a number'}`, key);
  }
  if (v < check.min || v > check.max) {
    fail(`'${key}' must be between ${check.min} and ${check.max}, got ${v}`, key);
  }
}

function checkMessage(m: unknown, i: number): void {
  const at = `messages[${i}]`;
  if (!isObject(m)) fail(`'${at}' must be an object`, at);
  if (typeof m.role !== 'string' || !ROLES.has(m.role)) {
    fail(`'${at}.role' must be one of ${[...ROLES].join(', ')}`, `${at}.role`);
  }
  const c = m.content;
  const contentOk =
    typeof c === 'string' ||
    (Array.isArray(c) && c.every(isObject)) ||
    ((c === null || c === undefined) && m.role === 'assistant');
  if (!contentOk) {
    fail(`'${at}.content' must be a string or an array of content parts`, `${at}.content`);
  }
  if (m.role === 'tool' && typeof m.tool_call_id !== 'string') {
    fail(`'${at}.tool_call_id' is required for tool messages`, `${at}.tool_call_id`);
  }
}

/** @throws InvalidRequestError naming the field */
export function validateChatBody(body: unknown): ChatBody {
  if (!isObject(body)) fail('the request body must be a JSON object', null);
  checkModel(body);
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    fail("'messages' is required and must be a non-empty array", 'messages');
  }
  messages.forEach(checkMessage);
  const stream = body.stream;
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean') {
    fail("'stream' must be a boolean", 'stream');
  }
  const so = body.stream_options;
  if (so !== undefined && so !== null) {
    if (!isObject(so)) fail("'stream_options' must be an object", 'stream_options');
    if (stream !== true)
      fail("'stream_options' is only allowed when 'stream' is true", 'stream_options');
  }
  optionalNumber(body, 'max_tokens', { min: 1, max: 10_000_000, integer: true });
  optionalNumber(body, 'max_completion_tokens', { min: 1, max: 10_000_000, integer: true });
  optionalNumber(body, 'temperature', { min: 0, max: 2 });
  optionalNumber(body, 'top_p', { min: 0, max: 1 });
  optionalNumber(body, 'n', { min: 1, max: 128, integer: true });
  if (body.tools !== undefined && body.tools !== null && !Array.isArray(body.tools)) {
    fail("'tools' must be an array", 'tools');
  }
  return body as ChatBody;
}

/** @throws InvalidRequestError naming the field */
export function validateEmbeddingsBody(body: unknown): EmbeddingsBody {
  if (!isObject(body)) fail('the request body must be a JSON object', null);
  checkModel(body);
  const input = body.input;
  const ok =
    (typeof input === 'string' && input.length > 0) ||
    (Array.isArray(input) &&
      input.length > 0 &&
      input.length <= 2048 &&
      (input.every((x) => typeof x === 'string' && x.length > 0) ||
        input.every((x) => typeof x === 'number') ||
        input.every(
          (x) => Array.isArray(x) && x.length > 0 && x.every((n) => typeof n === 'number'),
        )));
  if (!ok) {
    fail(
      "'input' must be a non-empty string, an array of 1 to 2048 non-empty strings, or token arrays",
      'input',
    );
  }
  const format = body.encoding_format;
  if (format !== undefined && format !== 'float' && format !== 'base64') {
    fail("'encoding_format' must be 'float' or 'base64'", 'encoding_format');
  }
  optionalNumber(body, 'dimensions', { min: 1, max: 65_536, integer: true });
  return body as EmbeddingsBody;
}

/** A cheap prompt-size estimate (≈ 4 characters per token) for token-rate limits. */
export function estimatePromptTokens(messages: readonly unknown[]): number {
  let chars = 0;
  for (const m of messages) {
    const c = isObject(m) ? m.content : undefined;
    if (typeof c === 'string') chars += c.length;
    else if (Array.isArray(c)) {
      for (const part of c)
        if (isObject(part) && typeof part.text === 'string') chars += part.text.length;
    }
    chars += 4;
  }
  return Math.ceil(chars / 4);
}
