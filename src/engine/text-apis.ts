/**
 * What breakerbox reads of the Responses API (`POST /responses`) and of legacy completions
 * (`POST /completions`): request validation (what breakerbox acts on; unknown fields pass
 * through), when a stream event is content, and token estimates.
 */
import { InvalidRequestError } from '../core/index.js';
import type { SseEvent } from '../upstream/index.js';
import { responsesEventType } from '../upstream/index.js';

/** A Responses request body, as breakerbox reads it. */
export interface ResponsesBody extends Record<string, unknown> {
  model: string;
  input?: unknown;
  stream?: boolean | null;
  store?: boolean | null;
  previous_response_id?: string | null;
  conversation?: unknown;
  max_output_tokens?: number | null;
}

/** A legacy completions request body. */
export interface CompletionsBody extends Record<string, unknown> {
  model: string;
  prompt: string | string[] | number[] | number[][];
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean } | null;
  max_tokens?: number | null;
}

function fail(message: string, param: string | null): never {
  throw new InvalidRequestError(message, param);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkCommon(body: unknown, cap: string): Record<string, unknown> {
  if (!isObject(body)) fail('the request body must be a JSON object', null);
  if (typeof body.model !== 'string' || body.model.length === 0) {
    fail("'model' is required and must be a non-empty string", 'model');
  }
  const stream = body.stream;
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean') {
    fail("'stream' must be a boolean", 'stream');
  }
  const max = body[cap];
  if (max !== undefined && max !== null && (!Number.isInteger(max) || (max as number) < 1)) {
    fail(`'${cap}' must be a positive integer`, cap);
  }
  return body;
}

/** @throws InvalidRequestError naming the field */
export function validateResponsesBody(body: unknown): ResponsesBody {
  const b = checkCommon(body, 'max_output_tokens');
  const input = b.input;
  if (input !== undefined && typeof input !== 'string' && !Array.isArray(input)) {
    fail("'input' must be a string or an array of input items", 'input');
  }
  const previous = b.previous_response_id;
  if (previous !== undefined && previous !== null && typeof previous !== 'string') {
    fail("'previous_response_id' must be a string", 'previous_response_id');
  }
  if (b.store !== undefined && b.store !== null && typeof b.store !== 'boolean') {
    fail("'store' must be a boolean", 'store');
  }
  return b as ResponsesBody;
}

/** @throws InvalidRequestError naming the field */
export function validateCompletionsBody(body: unknown): CompletionsBody {
  const b = checkCommon(body, 'max_tokens');
  const prompt = b.prompt;
  const ok =
    (typeof prompt === 'string' && prompt.length > 0) ||
    (Array.isArray(prompt) &&
      prompt.length > 0 &&
      (prompt.every((p) => typeof p === 'string') ||
        prompt.every((p) => typeof p === 'number') ||
        prompt.every((p) => Array.isArray(p))));
  if (!ok)
    fail("'prompt' must be a non-empty string, an array of strings, or token arrays", 'prompt');
  const so = b.stream_options;
  if (so !== undefined && so !== null) {
    if (!isObject(so)) fail("'stream_options' must be an object", 'stream_options');
    if (b.stream !== true)
      fail("'stream_options' is only allowed when 'stream' is true", 'stream_options');
  }
  return b as CompletionsBody;
}

/**
 * Whether a Responses request needs state held by one deployment: a `previous_response_id`, a
 * `conversation`, or an input item that refers to a stored item (`item_reference`).
 */
export function isStateful(body: ResponsesBody): boolean {
  if (typeof body.previous_response_id === 'string') return true;
  if (body.conversation !== undefined && body.conversation !== null) return true;
  return (
    Array.isArray(body.input) &&
    body.input.some((item) => isObject(item) && item.type === 'item_reference')
  );
}

/**
 * Responses events the caller must see, which end the before-first-content window: output
 * (text, refusal, a function call's arguments, reasoning) and the end of the response.
 * `response.created`, `in_progress` and the empty `output_item.added` / `content_part.added`
 * before the first delta are preamble, held back so a failure there still fails over.
 */
export function isResponsesContent(ev: SseEvent): boolean {
  const type = responsesEventType(ev);
  if (type === undefined) return false;
  if (type === 'response.completed' || type === 'response.incomplete') return true;
  return type.endsWith('.delta') || type.endsWith('.done');
}

/** A completions chunk with text or a finish reason (legacy completions have no role preamble). */
export function isCompletionContent(ev: SseEvent): boolean {
  const chunk = JSON.parse(ev.data) as { choices?: unknown };
  if (!Array.isArray(chunk.choices)) return false;
  for (const c of chunk.choices as { text?: unknown; finish_reason?: unknown }[]) {
    if (typeof c.text === 'string' && c.text.length > 0) return true;
    if (c.finish_reason !== null && c.finish_reason !== undefined) return true;
  }
  return false;
}

function textChars(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (Array.isArray(value)) return value.reduce<number>((n, v) => n + textChars(v), 0);
  if (isObject(value)) {
    return textChars(value.text) + textChars(value.content) + textChars(value.arguments);
  }
  return 0;
}

/** Prompt estimate (≈ 4 characters per token) plus the output cap, for token-per-minute limits. */
export function estimateTextTokens(body: ResponsesBody | CompletionsBody): number {
  const prompt = 'prompt' in body ? textChars(body.prompt) : textChars(body.input);
  const instructions = typeof body.instructions === 'string' ? body.instructions.length : 0;
  const max: unknown = 'prompt' in body ? body.max_tokens : body.max_output_tokens;
  const cap = typeof max === 'number' ? max : 256;
  return Math.ceil((prompt + instructions) / 4) + Math.min(cap, 4096);
}

/** The text of a Responses answer's `output_text` parts, joined: the SDK's `output_text`. */
export function outputText(response: { output?: unknown }): string {
  let text = '';
  if (!Array.isArray(response.output)) return text;
  for (const item of response.output as { type?: unknown; content?: unknown }[]) {
    if (item.type !== 'message' || !Array.isArray(item.content)) continue;
    for (const part of item.content as { type?: unknown; text?: unknown }[]) {
      if (part.type === 'output_text' && typeof part.text === 'string') text += part.text;
    }
  }
  return text;
}
