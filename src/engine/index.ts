export { Breakerbox, createBreakerbox } from './breakerbox.js';
export type { BreakerboxDeps } from './breakerbox.js';
export type { ReloadReport } from './reload.js';
export type {
  AnyChatRequest,
  ChatChunk,
  ChatRequest,
  ChatResult,
  ChatStreamRequest,
  EmbeddingsRequest,
  EmbeddingsResult,
  ResponsesRequest,
  ResponsesResult,
} from './public-types.js';
export type { BreakerboxEvents, RequestEvent } from './accounting.js';
export type { UnaryResult } from './rescue.js';
export { ChatStream } from './chat-stream.js';
export { ResponsesStream } from './responses-stream.js';
export type { ResponsesEvent } from './responses-stream.js';
export { responsesErrorEvent, responsesFrame, responsesSse } from './responses-sse.js';
export { decodeResponseId, encodeResponseId } from './response-id.js';
export type { ResponsesBody, CompletionsBody } from './text-apis.js';
export type { StreamEnd } from './chat-stream.js';
export type { ReadyIterator } from './relayed-stream.js';
export { metaHeaders } from './meta.js';
export type { BreakerboxMeta, FallbackKind } from './meta.js';
export type { CallOptions } from './request-context.js';
export { newRequestId } from './request-context.js';
export { LightSignal } from './light-signal.js';
export { toWireError, MAX_RETRY_AFTER_MS } from './openai-error.js';
export type { WireError } from './openai-error.js';
export { errorResponse } from './fetch.js';
export { CHAT_SSE, DONE, errorEvent, sseHeaders } from './sse-body.js';
export type { SseFormat } from './sse-body.js';
export {
  answerOpenAI,
  checkMethod,
  isStreamCall,
  resolveOpenAIRoute,
  routeError,
  safeDecode,
  takesBody,
} from './openai-routes.js';
export type {
  OpenAIAnswer,
  OpenAICall,
  OpenAIRoute,
  OpenAIRouteId,
  RouteResolution,
} from './openai-routes.js';
export { validateChatBody, validateEmbeddingsBody, estimatePromptTokens } from './validate.js';
export type { ChatBody, EmbeddingsBody } from './validate.js';
