/** upstream/: the OpenAI-compatible client on undici, SSE parsing, error classification. */
export { createUpstream, MAX_ERROR_BODY_BYTES } from './client.js';
export { preciseConnector } from './connector.js';
export { DEFAULT_TIMEOUTS } from './types.js';
export type {
  UpstreamTimeouts,
  ProviderOptions,
  UpstreamRequest,
  Upstream,
  OpenAIErrorBody,
  UpstreamResult,
  UpstreamStreamResult,
  SseEvent,
  SseEvents,
} from './types.js';
export {
  classifyResponse,
  classifyError,
  failureKindForStatus,
  isContextLengthError,
  CONTEXT_LENGTH,
} from './classify.js';
export type { ClassifyResponseInput } from './classify.js';
export {
  parseRetryAfterMs,
  parseRetryAfterFromMessage,
  MAX_RETRY_AFTER_MS,
} from './retry-after.js';
export type { ResponseHeaders } from './retry-after.js';
export { toOpenAIErrorBody, errorTypeForStatus } from './envelope.js';
export type { EnvelopeOptions } from './envelope.js';
export { SseParser, MAX_SSE_EVENT_CHARS } from './sse.js';
export { responsesEventType } from './stream.js';
export type { StreamProtocol } from './stream.js';
export { BREAKERBOX_VERSION } from './version.js';
