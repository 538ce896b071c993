/**
 * Answers of the Responses API and of legacy completions, JSON and SSE, from the same
 * deterministic text as chat answers. A Responses stream is OpenAI's event sequence
 * (`event: <type>` lines, `sequence_number` from 0, no `[DONE]`): created, in_progress, the
 * output item and content part, one `response.output_text.delta` per token, then the done events
 * and `response.completed`. A completions stream is `text_completion` chunks then `[DONE]`.
 */
import type { ChatAnswer, StreamParts } from './chat-response.js';
import type { ChatRequest } from './chat-request.js';
import type { ResponsesRequest } from './text-requests.js';
import { OVERLOADED } from './wire.js';

/** Ids and stamps of one answer. */
export interface TextMeta {
  /** `resp_…` or `cmpl-…` */
  id: string;
  createdS: number;
}

function responsesUsage(promptTokens: number, outputTokens: number): object {
  return {
    input_tokens: promptTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: promptTokens + outputTokens,
  };
}

function messageItem(id: string, text: string, status: string): object {
  return {
    id,
    type: 'message',
    status,
    role: 'assistant',
    content: status === 'completed' ? [{ type: 'output_text', text, annotations: [] }] : [],
  };
}

/** The `response` object; `answer` undefined: still in progress (no output, no usage). */
function responseObject(
  request: ResponsesRequest,
  meta: TextMeta,
  answer: ChatAnswer | undefined,
): Record<string, unknown> {
  const incomplete = answer?.finishReason === 'length';
  let status = 'in_progress';
  if (answer) status = incomplete ? 'incomplete' : 'completed';
  return {
    id: meta.id,
    object: 'response',
    created_at: meta.createdS,
    status,
    error: null,
    incomplete_details: incomplete ? { reason: 'max_output_tokens' } : null,
    instructions: request.instructions,
    max_output_tokens: request.maxTokens ?? null,
    model: request.model,
    output: answer ? [messageItem(itemId(meta), answer.tokens.join(''), 'completed')] : [],
    parallel_tool_calls: true,
    previous_response_id: request.previousResponseId ?? null,
    store: request.store,
    temperature: 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    usage: answer ? responsesUsage(request.promptTokens, answer.completionTokens) : null,
    metadata: {},
  };
}

function itemId(meta: TextMeta): string {
  return `msg_${meta.id.slice('resp_'.length)}`;
}

/** The `response` JSON body. */
export function responseBody(
  request: ResponsesRequest,
  answer: ChatAnswer,
  meta: TextMeta,
): string {
  return JSON.stringify(responseObject(request, meta, answer));
}

/** The events of a Responses stream, split where the stream faults act. */
export function responsesStreamParts(
  request: ResponsesRequest,
  answer: ChatAnswer,
  meta: TextMeta,
): StreamParts {
  let seq = 0;
  const event = (type: string, fields: Record<string, unknown>): string =>
    `event: ${type}\ndata: ${JSON.stringify({ type, ...fields, sequence_number: seq++ })}\n\n`;
  const item = itemId(meta);
  const at = { item_id: item, output_index: 0, content_index: 0 };
  const text = answer.tokens.join('');
  const head = [
    event('response.created', { response: responseObject(request, meta, undefined) }),
    event('response.in_progress', { response: responseObject(request, meta, undefined) }),
    event('response.output_item.added', {
      output_index: 0,
      item: messageItem(item, '', 'in_progress'),
    }),
    event('response.content_part.added', {
      ...at,
      part: { type: 'output_text', text: '', annotations: [] },
    }),
  ];
  const content = answer.tokens.map((delta) =>
    event('response.output_text.delta', { ...at, delta, logprobs: [] }),
  );
  const final = responseObject(request, meta, answer);
  const tail = [
    event('response.output_text.done', { ...at, text, logprobs: [] }),
    event('response.content_part.done', {
      ...at,
      part: { type: 'output_text', text, annotations: [] },
    }),
    event('response.output_item.done', {
      output_index: 0,
      item: messageItem(item, text, 'completed'),
    }),
    event(final.status === 'incomplete' ? 'response.incomplete' : 'response.completed', {
      response: final,
    }),
  ];
  return { head, content, tail };
}

/** A Responses `error` event before any content (an overloaded engine), then the end. */
export function responsesErrorEvent(): string {
  const { code, message } = OVERLOADED;
  return `event: error\ndata: ${JSON.stringify({ type: 'error', code, message, param: null, sequence_number: 0 })}\n\n`;
}

/** A Responses stream whose second event is cut mid-JSON. */
export function malformedResponsesParts(request: ResponsesRequest, meta: TextMeta): string[] {
  const created = JSON.stringify({
    type: 'response.created',
    response: responseObject(request, meta, undefined),
    sequence_number: 0,
  });
  return [
    `event: response.created\ndata: ${created}\n\n`,
    'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"Simul\n\n',
  ];
}

function completionUsage(promptTokens: number, completionTokens: number): object {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}

/** The `text_completion` JSON body. */
export function textCompletionBody(
  request: ChatRequest,
  answer: ChatAnswer,
  meta: TextMeta,
): string {
  return JSON.stringify({
    id: meta.id,
    object: 'text_completion',
    created: meta.createdS,
    model: request.model,
    choices: [
      {
        text: answer.tokens.join(''),
        index: 0,
        logprobs: null,
        finish_reason: answer.finishReason,
      },
    ],
    usage: completionUsage(request.promptTokens, answer.completionTokens),
  });
}

/** The chunks of a completions stream: no role preamble, one chunk per token, then `[DONE]`. */
export function completionStreamParts(
  request: ChatRequest,
  answer: ChatAnswer,
  meta: TextMeta,
): StreamParts {
  const chunk = (text: string, finish: string | null, usage?: object): string =>
    `data: ${JSON.stringify({
      id: meta.id,
      object: 'text_completion',
      created: meta.createdS,
      model: request.model,
      choices: usage ? [] : [{ text, index: 0, logprobs: null, finish_reason: finish }],
      ...(request.includeUsage && { usage: usage ?? null }),
    })}\n\n`;
  const tail = [chunk('', answer.finishReason)];
  if (request.includeUsage) {
    tail.push(chunk('', null, completionUsage(request.promptTokens, answer.completionTokens)));
  }
  tail.push('data: [DONE]\n\n');
  return { head: [], content: answer.tokens.map((t) => chunk(t, null)), tail };
}
