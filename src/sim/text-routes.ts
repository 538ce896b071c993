/**
 * `POST /v1/responses` and `POST /v1/completions`, with the same faults as chat (a model's
 * faults apply to every route that names it). The Responses route keeps the ids of stored
 * responses (`store` not false), bounded, so a `previous_response_id` this simulator never issued
 * is answered as OpenAI does: 400 `previous_response_not_found`.
 */
import type { IncomingMessage } from 'node:http';
import { chatAnswer } from './chat-response.js';
import { isApiError } from './chat-request.js';
import type { Exchange } from './exchange.js';
import {
  admit,
  applyFaults,
  sendAnswer,
  type ModelRouteContext,
  type Success,
} from './model-routes.js';
import {
  completionStreamParts,
  malformedResponsesParts,
  responseBody,
  responsesErrorEvent,
  responsesStreamParts,
  textCompletionBody,
  type TextMeta,
} from './text-answers.js';
import { parseCompletionsRequest, parseResponsesRequest } from './text-requests.js';
import { contextLengthExceeded, sendError } from './wire.js';

/** Stored response ids kept per simulator; the oldest are forgotten past this. */
export const MAX_STORED_RESPONSES = 10_000;

const stores = new WeakMap<ModelRouteContext, Set<string>>();

function storeOf(context: ModelRouteContext): Set<string> {
  let store = stores.get(context);
  if (!store) {
    store = new Set();
    stores.set(context, store);
  }
  return store;
}

function remember(store: Set<string>, id: string): void {
  store.add(id);
  if (store.size > MAX_STORED_RESPONSES) {
    const oldest = store.values().next();
    if (oldest.done !== true) store.delete(oldest.value);
  }
}

function metaOf(exchange: Exchange, prefix: 'resp_' | 'cmpl-'): TextMeta {
  return {
    id: `${prefix}${exchange.requestId.slice('req_'.length)}`,
    createdS: Math.floor(Date.now() / 1000),
  };
}

/** Decides and applies the model's faults; the success to answer, or undefined when answered. */
async function decide(
  context: ModelRouteContext,
  exchange: Exchange,
  facts: { model: string; isStream: boolean; promptTokens: number; maxTokens: number | undefined },
  param: string,
): Promise<Success | undefined> {
  const options = context.modelOptions(facts.model);
  const decision = context.faults.decide({
    model: facts.model,
    isStream: facts.isStream,
    promptTokens: facts.promptTokens,
    contextWindowTokens: options.contextWindowTokens,
  });
  return applyFaults(exchange, decision, () =>
    contextLengthExceeded({
      contextWindow: options.contextWindowTokens,
      promptTokens: facts.promptTokens,
      completionTokens: facts.maxTokens ?? 0,
      param,
    }),
  );
}

/** `POST /v1/responses` (JSON, or Responses events when the body says `stream: true`). */
export async function handleResponses(
  context: ModelRouteContext,
  req: IncomingMessage,
  exchange: Exchange,
): Promise<void> {
  const admitted = await admit(context, req, exchange);
  if (admitted === undefined) return;
  const request = parseResponsesRequest(admitted.body, admitted.model);
  if (isApiError(request)) {
    sendError(exchange, request);
    return;
  }
  const store = storeOf(context);
  const previous = request.previousResponseId;
  if (previous !== undefined && !store.has(previous)) {
    sendError(exchange, {
      status: 400,
      message: `Previous response with id '${previous}' not found.`,
      type: 'invalid_request_error',
      param: 'previous_response_id',
      code: 'previous_response_not_found',
    });
    return;
  }
  const success = await decide(context, exchange, request, 'input');
  if (success === undefined) return;
  const meta = metaOf(exchange, 'resp_');
  const answer = chatAnswer(request, context.modelOptions(request.model).chunkCount);
  // A malformed answer holds no state to continue from.
  if (success.kind !== 'malformed' && request.store) remember(store, meta.id);
  await sendAnswer(exchange, success, request.isStream, {
    body: () => responseBody(request, answer, meta),
    malformedStream: () => malformedResponsesParts(request, meta),
    stream: () => responsesStreamParts(request, answer, meta),
    errorEvent: responsesErrorEvent,
  });
}

/** `POST /v1/completions` (legacy text completions; SSE when the body says `stream: true`). */
export async function handleCompletions(
  context: ModelRouteContext,
  req: IncomingMessage,
  exchange: Exchange,
): Promise<void> {
  const admitted = await admit(context, req, exchange);
  if (admitted === undefined) return;
  const request = parseCompletionsRequest(admitted.body, admitted.model);
  if (isApiError(request)) {
    sendError(exchange, request);
    return;
  }
  const success = await decide(context, exchange, request, 'prompt');
  if (success === undefined) return;
  const meta = metaOf(exchange, 'cmpl-');
  const answer = chatAnswer(request, context.modelOptions(request.model).chunkCount);
  await sendAnswer(exchange, success, request.isStream, {
    body: () => textCompletionBody(request, answer, meta),
    malformedStream: () => [
      completionStreamParts(request, answer, meta).content[0] ?? '',
      'data: {"id\n\n',
    ],
    stream: () => completionStreamParts(request, answer, meta),
  });
}
