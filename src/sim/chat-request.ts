/**
 * Validation of a chat completion request and the few facts the simulator needs from it.
 * Errors name the field, as OpenAI's do (`param` is the field path).
 */
import { invalidParam, missingParam, type ApiError } from './wire.js';

/** What the simulator takes from a valid chat request. */
export interface ChatRequest {
  /** The model named by the request, echoed in the answer. */
  model: string;
  /** Number of choices. */
  n: number;
  /** `max_completion_tokens`, else `max_tokens`, else undefined. */
  maxTokens: number | undefined;
  isStream: boolean;
  /** `stream_options.include_usage`: a usage chunk ends the stream. */
  includeUsage: boolean;
  /** ≈ ceil(characters of the messages / 4). */
  promptTokens: number;
  /** Text of the last user message ('' when there is none). */
  lastUserText: string;
  /** The tool call to answer with, when tools are given and `tool_choice` is not "none". */
  toolCall: { name: string; arguments: string } | undefined;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when `value` is an error to send rather than a parsed request. */
export function isApiError(value: object): value is ApiError {
  return 'status' in value;
}

/** Text of a message `content`: a string, or the `text` of its parts. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content) {
    if (isObject(part) && typeof part.text === 'string') text += part.text;
  }
  return text;
}

function messageChars(message: Json): number {
  let chars = contentText(message.content).length;
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls) {
      if (
        isObject(call) &&
        isObject(call.function) &&
        typeof call.function.arguments === 'string'
      ) {
        chars += call.function.arguments.length;
      }
    }
  }
  return chars;
}

function checkMessages(messages: unknown): ApiError | Json[] {
  if (messages === undefined || messages === null) return missingParam('messages');
  if (!Array.isArray(messages)) {
    return invalidParam(
      'messages',
      `expected an array, but got ${typeof messages} instead.`,
      'invalid_type',
    );
  }
  if (messages.length === 0) {
    return invalidParam(
      'messages',
      'empty array. Expected an array with minimum length 1, but got an empty array instead.',
      'empty_array',
    );
  }
  for (let i = 0; i < messages.length; i++) {
    const message: unknown = messages[i];
    if (!isObject(message)) {
      return invalidParam(`messages[${i}]`, 'expected an object.', 'invalid_type');
    }
    if (typeof message.role !== 'string') return missingParam(`messages[${i}].role`);
  }
  return messages as Json[];
}

function positiveInt(body: Json, field: string, max: number): ApiError | number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > max) {
    return invalidParam(field, `expected an integer from 1 to ${max}.`);
  }
  return value as number;
}

const MAX_TOKENS = 1_000_000;

/**
 * Validates a parsed chat body whose `model` was already checked.
 * @returns the request, or the 400 to send
 */
export function parseChatRequest(body: Json, model: string): ChatRequest | ApiError {
  const messages = checkMessages(body.messages);
  if (!Array.isArray(messages)) return messages;
  const n = positiveInt(body, 'n', 128) ?? 1;
  if (typeof n !== 'number') return n;
  const maxCompletion = positiveInt(body, 'max_completion_tokens', MAX_TOKENS);
  if (typeof maxCompletion === 'object') return maxCompletion;
  const maxTokens = positiveInt(body, 'max_tokens', MAX_TOKENS);
  if (typeof maxTokens === 'object') return maxTokens;
  const isStream = body.stream === true;
  const options = body.stream_options;
  if (options !== undefined && options !== null && !isStream) {
    return invalidParam('stream_options', "only allowed when 'stream' is enabled.");
  }
  const toolCall = pickToolCall(body);
  if (toolCall !== undefined && isApiError(toolCall)) return toolCall;
  let chars = 0;
  let lastUserText = '';
  for (const message of messages) {
    chars += messageChars(message);
    if (message.role === 'user') lastUserText = contentText(message.content);
  }
  return {
    model,
    n,
    maxTokens: maxCompletion ?? maxTokens,
    isStream,
    includeUsage: isObject(options) && options.include_usage === true,
    promptTokens: Math.ceil(chars / 4),
    lastUserText,
    toolCall,
  };
}

function pickToolCall(body: Json): ChatRequest['toolCall'] | ApiError {
  const { tools, tool_choice: choice } = body;
  if (tools === undefined || tools === null || choice === 'none') return undefined;
  if (!Array.isArray(tools)) {
    return invalidParam(
      'tools',
      `expected an array, but got ${typeof tools} instead.`,
      'invalid_type',
    );
  }
  const functions = tools.filter(
    (tool): tool is { function: Json } =>
      isObject(tool) &&
      tool.type === 'function' &&
      isObject(tool.function) &&
      typeof tool.function.name === 'string',
  );
  let chosen = functions[0];
  if (isObject(choice) && isObject(choice.function)) {
    const wanted = choice.function.name;
    chosen = functions.find((tool) => tool.function.name === wanted);
    if (chosen === undefined) {
      return invalidParam('tool_choice', `no function named '${String(wanted)}' in 'tools'.`);
    }
  }
  if (chosen === undefined) return undefined;
  return {
    name: chosen.function.name as string,
    arguments: JSON.stringify(sampleValue(chosen.function.parameters ?? { type: 'object' }, 0)),
  };
}

/** A value that satisfies a (simple) JSON schema: the first enum value, else one per type. */
export function sampleValue(schema: unknown, depth: number): unknown {
  if (!isObject(schema) || depth > 4) return 'simulated';
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const type = Array.isArray(schema.type) ? (schema.type[0] as unknown) : schema.type;
  switch (type) {
    case 'integer':
      return 1;
    case 'number':
      return 1.5;
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'array':
      return [sampleValue(schema.items, depth + 1)];
    case 'object':
      return sampleObject(schema, depth);
    default:
      return isObject(schema.properties) ? sampleObject(schema, depth) : 'simulated';
  }
}

function sampleObject(schema: Json, depth: number): Json {
  const properties = isObject(schema.properties) ? schema.properties : {};
  const keys = Array.isArray(schema.required)
    ? schema.required.filter((key): key is string => typeof key === 'string')
    : Object.keys(properties);
  const out: Json = {};
  for (const key of keys) out[key] = sampleValue(properties[key], depth + 1);
  return out;
}
