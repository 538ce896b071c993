/**
 * Chat answers: deterministic text derived from the last user message, as one JSON body or as
 * SSE events in exactly OpenAI's order (openai-wire.md §1 "Streaming"). Chunk strings are
 * assembled from a precomputed prefix, so a stream costs a few string concatenations per token.
 */
import type { ChatRequest } from './chat-request.js';
import { hashString, mulberry32 } from './prng.js';

/** Ids and stamps shared by every chunk of one response. */
export interface ResponseMeta {
  /** `chatcmpl-…` */
  id: string;
  /** Unix seconds. */
  createdS: number;
  /** `system_fingerprint`. */
  fingerprint: string;
}

/** The answer of every choice. */
export interface ChatAnswer {
  /** Content tokens; one token is one content chunk in a stream. Empty for a tool call. */
  tokens: string[];
  finishReason: 'stop' | 'length' | 'tool_calls';
  /** Completion tokens of one choice. */
  completionTokens: number;
}

/** A stream split where the stream faults act: before, during and after the content. */
export interface StreamParts {
  /** Role deltas (one per choice). */
  head: string[];
  /** Content deltas: each one is a "content chunk" for cut/stall counting. */
  content: string[];
  /** Finish chunks, the usage chunk when asked for, then `data: [DONE]`. */
  tail: string[];
}

const FILLER = (
  'the breaker keeps calls flowing while upstream providers recover from their faults and ' +
  'every request gets an honest answer within its deadline'
).split(' ');
const MAX_ECHOED_WORDS = 8;
const MAX_WORD_CHARS = 24;

/**
 * The answer to `request`: "Simulated answer from <model>: " then up to 8 words of the last
 * user message, padded with filler words (seeded by that message) or cut to `chunkCount`
 * tokens, then cut to `maxTokens` (finish reason `length`).
 */
export function chatAnswer(request: ChatRequest, chunkCount?: number): ChatAnswer {
  const { toolCall } = request;
  if (toolCall !== undefined) {
    const chars = toolCall.name.length + toolCall.arguments.length;
    return { tokens: [], finishReason: 'tool_calls', completionTokens: Math.ceil(chars / 4) };
  }
  const words = request.lastUserText.split(/\s+/).filter((word) => word !== '');
  const tokens = ['Simulated', ' answer', ' from', ` ${request.model}:`];
  for (const word of words.slice(0, MAX_ECHOED_WORDS))
    tokens.push(` ${word.slice(0, MAX_WORD_CHARS)}`);
  const target = chunkCount ?? Math.max(tokens.length, 8);
  if (tokens.length > target) tokens.length = target;
  const random = mulberry32(hashString(request.lastUserText));
  while (tokens.length < target)
    tokens.push(` ${FILLER[Math.floor(random() * FILLER.length)] ?? ''}`);
  if (request.maxTokens !== undefined && request.maxTokens < tokens.length) {
    tokens.length = request.maxTokens;
    return { tokens, finishReason: 'length', completionTokens: tokens.length };
  }
  return { tokens, finishReason: 'stop', completionTokens: tokens.length };
}

function usage(promptTokens: number, completionTokens: number): object {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function toolCallId(meta: ResponseMeta, choice: number): string {
  return `call_${meta.id.slice('chatcmpl-'.length)}_${choice}`;
}

/** The `chat.completion` JSON body. */
export function completionBody(
  request: ChatRequest,
  answer: ChatAnswer,
  meta: ResponseMeta,
): string {
  const { toolCall } = request;
  const content = answer.tokens.join('');
  const choices = [];
  for (let i = 0; i < request.n; i++) {
    const message =
      toolCall === undefined
        ? { role: 'assistant', content, refusal: null }
        : {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: toolCallId(meta, i), type: 'function', function: toolCall }],
            refusal: null,
          };
    choices.push({ index: i, message, logprobs: null, finish_reason: answer.finishReason });
  }
  return JSON.stringify({
    id: meta.id,
    object: 'chat.completion',
    created: meta.createdS,
    model: request.model,
    choices,
    usage: usage(request.promptTokens, answer.completionTokens * request.n),
    service_tier: 'default',
    system_fingerprint: meta.fingerprint,
  });
}

function chunkPrefix(request: ChatRequest, meta: ResponseMeta): string {
  return (
    `data: {"id":"${meta.id}","object":"chat.completion.chunk","created":${meta.createdS},` +
    `"model":${JSON.stringify(request.model)},"service_tier":"default",` +
    `"system_fingerprint":"${meta.fingerprint}","choices":[`
  );
}

/** The SSE events of a successful stream. */
export function streamParts(
  request: ChatRequest,
  answer: ChatAnswer,
  meta: ResponseMeta,
): StreamParts {
  const prefix = chunkPrefix(request, meta);
  const suffix = request.includeUsage ? '],"usage":null}\n\n' : ']}\n\n';
  const event = (choice: number, delta: string, finish: string): string =>
    `${prefix}{"index":${choice},"delta":${delta},"logprobs":null,"finish_reason":${finish}}${suffix}`;
  const { toolCall, n } = request;
  const parts: StreamParts = { head: [], content: [], tail: [] };
  for (let i = 0; i < n; i++) {
    const role =
      toolCall === undefined
        ? '{"role":"assistant","content":"","refusal":null}'
        : `{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"${toolCallId(meta, i)}",` +
          `"type":"function","function":{"name":${JSON.stringify(toolCall.name)},"arguments":""}}],"refusal":null}`;
    parts.head.push(event(i, role, 'null'));
  }
  const pieces = toolCall === undefined ? answer.tokens : splitArguments(toolCall.arguments);
  for (const piece of pieces) {
    const delta =
      toolCall === undefined
        ? `{"content":${JSON.stringify(piece)}}`
        : `{"tool_calls":[{"index":0,"function":{"arguments":${JSON.stringify(piece)}}}]}`;
    for (let i = 0; i < n; i++) parts.content.push(event(i, delta, 'null'));
  }
  for (let i = 0; i < n; i++) parts.tail.push(event(i, '{}', `"${answer.finishReason}"`));
  if (request.includeUsage) {
    const body = JSON.stringify(usage(request.promptTokens, answer.completionTokens * n));
    parts.tail.push(`${prefix}],"usage":${body}}\n\n`);
  }
  parts.tail.push('data: [DONE]\n\n');
  return parts;
}

/** Tool arguments in up to 4 fragments, as OpenAI streams them. */
function splitArguments(args: string): string[] {
  const size = Math.max(1, Math.ceil(args.length / 4));
  const out = [];
  for (let i = 0; i < args.length; i += size) out.push(args.slice(i, i + size));
  return out;
}

/** A stream whose second event is cut mid-JSON (the SDK's JSON.parse of it throws). */
export function malformedStreamParts(request: ChatRequest, meta: ResponseMeta): string[] {
  const role = `${chunkPrefix(request, meta)}{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]}\n\n`;
  return [role, `${chunkPrefix(request, meta)}{"index":0,"delta":{"content":"Simul\n\n`];
}

/** The first half of a valid body: JSON that fails to parse. */
export function truncate(body: string): string {
  return body.slice(0, Math.floor(body.length / 2));
}
