/**
 * What differs between the engine's model routes (chat, embeddings, Responses, legacy
 * completions) once the request is in: validation, the body a stream sends upstream, how a stream
 * is opened and when it has content, the token estimate, and the Responses ids rewrite.
 */
import type { Deployment } from '../router/index.js';
import type { SseEvent, UpstreamRequest, UpstreamStreamResult } from '../upstream/index.js';
import { encodeResponseId, responseIdsOf } from './response-id.js';
import {
  estimateTextTokens,
  isCompletionContent,
  isResponsesContent,
  validateCompletionsBody,
  validateResponsesBody,
} from './text-apis.js';
import type { CompletionsBody, ResponsesBody } from './text-apis.js';
import type { JsonBody, JsonResponse, JsonRoute } from './upstream-calls.js';
import { estimatePromptTokens, validateChatBody, validateEmbeddingsBody } from './validate.js';
import type { ChatBody, EmbeddingsBody } from './validate.js';

/** A model route of the engine. */
export type Route = JsonRoute;
/** A route that streams. */
export type StreamRoute = 'chat' | 'responses' | 'completions';
/** A validated request body of any model route. */
export type AnyBody = ChatBody | EmbeddingsBody | ResponsesBody | CompletionsBody;

/** Validates a body for its route. @throws InvalidRequestError naming the field */
export function validateBody(route: Route, body: unknown): AnyBody {
  switch (route) {
    case 'chat':
      return validateChatBody(body);
    case 'embeddings':
      return validateEmbeddingsBody(body);
    case 'responses':
      return validateResponsesBody(body);
    case 'completions':
      return validateCompletionsBody(body);
  }
}

/**
 * The body a stream sends upstream. Chat and completions ask for usage on the caller's behalf so
 * spend is known (the usage chunk is hidden if unasked); a Responses stream always ends with it.
 */
export function streamBody(route: StreamRoute, body: AnyBody): JsonBody {
  if (route === 'responses') return { ...body, stream: true };
  const options = (body as ChatBody | CompletionsBody).stream_options;
  return { ...body, stream: true, stream_options: { ...options, include_usage: true } };
}

/** How a stream of `route` is opened on `d` and which event is its first content. */
export function streamHooks(
  route: StreamRoute,
  d: Deployment,
): {
  open?: (req: UpstreamRequest) => Promise<UpstreamStreamResult>;
  isContent?: (ev: SseEvent) => boolean;
} {
  if (route === 'responses') {
    return { open: (req) => d.upstream.responsesStream(req), isContent: isResponsesContent };
  }
  if (route === 'completions') {
    return { open: (req) => d.upstream.completionsStream(req), isContent: isCompletionContent };
  }
  return {};
}

/** Prompt estimate plus the output cap, for token-per-minute limits. */
export function estimateTokens(route: Route, body: AnyBody): number {
  switch (route) {
    case 'chat': {
      const chat = body as ChatBody;
      const cap = chat.max_completion_tokens ?? chat.max_tokens ?? 256;
      return estimatePromptTokens(chat.messages) + Math.min(cap, 4096);
    }
    case 'embeddings': {
      const input = (body as EmbeddingsBody).input;
      const text = typeof input === 'string' ? input : JSON.stringify(input);
      return Math.ceil(text.length / 4);
    }
    case 'responses':
    case 'completions':
      return estimateTextTokens(body);
  }
}

/**
 * A Responses JSON answer with breakerbox's ids (the deployment encoded, see `response-id.ts`):
 * the text keeps every other byte the upstream sent.
 */
export function encodeJsonIds(value: JsonResponse, deploymentId: string): JsonResponse {
  const ids = responseIdsOf(value.body);
  if (ids.length === 0) return value;
  let text = value.text;
  const body: JsonBody = { ...value.body };
  for (const id of ids) {
    const encoded = encodeResponseId(deploymentId, id);
    text = text.replaceAll(JSON.stringify(id), JSON.stringify(encoded));
    if (body.id === id) body.id = encoded;
    if (body.previous_response_id === id) body.previous_response_id = encoded;
  }
  return { body, text };
}
