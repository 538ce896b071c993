/**
 * Validation of Responses (`POST /v1/responses`) and legacy completions (`POST /v1/completions`)
 * requests, reduced to the chat request the answer generator already takes: the text to echo,
 * the token cap, streaming and usage. Errors name the field, as OpenAI's do.
 */
import { contentText, type ChatRequest } from './chat-request.js';
import { invalidParam, missingParam, type ApiError } from './wire.js';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A Responses request: the chat facts plus what its state needs. */
export interface ResponsesRequest extends ChatRequest {
  /** `store` (default true): whether the response is kept for `previous_response_id`. */
  store: boolean;
  previousResponseId: string | undefined;
  instructions: string | null;
}

const MAX_TOKENS = 1_000_000;

function cap(body: Json, field: string): ApiError | number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_TOKENS) {
    return invalidParam(field, `expected an integer from 1 to ${MAX_TOKENS}.`);
  }
  return value as number;
}

/** Text and size of a Responses `input`: a string, or items whose last user message is echoed. */
function readInput(input: unknown): ApiError | { chars: number; lastUserText: string } {
  if (input === undefined || input === null) return missingParam('input');
  if (typeof input === 'string') return { chars: input.length, lastUserText: input };
  if (!Array.isArray(input)) {
    return invalidParam('input', `expected a string or an array, got ${typeof input}.`);
  }
  let chars = 0;
  let lastUserText = '';
  for (let i = 0; i < input.length; i++) {
    const item: unknown = input[i];
    if (!isObject(item)) return invalidParam(`input[${i}]`, 'expected an object.', 'invalid_type');
    const text = contentText(item.content);
    chars += text.length;
    if (item.role === 'user') lastUserText = text;
  }
  return { chars, lastUserText };
}

/**
 * Validates a parsed Responses body whose `model` was already checked.
 * @returns the request, or the 400 to send
 */
export function parseResponsesRequest(body: Json, model: string): ResponsesRequest | ApiError {
  const input = readInput(body.input);
  if ('status' in input) return input;
  const maxTokens = cap(body, 'max_output_tokens');
  if (typeof maxTokens === 'object') return maxTokens;
  const previous = body.previous_response_id;
  if (previous !== undefined && previous !== null && typeof previous !== 'string') {
    return invalidParam('previous_response_id', 'expected a string.', 'invalid_type');
  }
  const instructions = typeof body.instructions === 'string' ? body.instructions : null;
  return {
    model,
    n: 1,
    maxTokens,
    isStream: body.stream === true,
    includeUsage: false,
    promptTokens: Math.ceil((input.chars + (instructions?.length ?? 0)) / 4),
    lastUserText: input.lastUserText,
    toolCall: undefined,
    store: body.store !== false,
    previousResponseId: typeof previous === 'string' ? previous : undefined,
    instructions,
  };
}

/**
 * Validates a parsed legacy completions body (`prompt`: a string or strings) whose `model` was
 * already checked. @returns the request, or the 400 to send
 */
export function parseCompletionsRequest(body: Json, model: string): ChatRequest | ApiError {
  const { prompt } = body;
  if (prompt === undefined || prompt === null) return missingParam('prompt');
  const prompts = typeof prompt === 'string' ? [prompt] : prompt;
  if (!Array.isArray(prompts) || !prompts.every((p) => typeof p === 'string')) {
    return invalidParam('prompt', 'expected a string or an array of strings.', 'invalid_type');
  }
  const maxTokens = cap(body, 'max_tokens');
  if (typeof maxTokens === 'object') return maxTokens;
  const isStream = body.stream === true;
  const options = body.stream_options;
  if (options !== undefined && options !== null && !isStream) {
    return invalidParam('stream_options', "only allowed when 'stream' is enabled.");
  }
  const texts = prompts;
  return {
    model,
    n: 1,
    maxTokens,
    isStream,
    includeUsage: isObject(options) && options.include_usage === true,
    promptTokens: Math.ceil(texts.reduce((n, p) => n + p.length, 0) / 4),
    lastUserText: texts.at(-1) ?? '',
    toolCall: undefined,
  };
}
