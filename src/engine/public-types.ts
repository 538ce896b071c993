/**
 * The public request and response types of the library, taken from the official `openai` SDK so
 * the two mix without casts: a `ChatResult` is assignable where the SDK's `ChatCompletion` is
 * expected, and a request written for `client.chat.completions.create` is a `ChatRequest`.
 *
 * The engine validates every request at run time as well (a JavaScript caller, a config file or a
 * gateway client has no types), so these describe what is accepted, not all that is checked.
 */
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParams,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from 'openai/resources/chat/completions';
import type { CreateEmbeddingResponse, EmbeddingCreateParams } from 'openai/resources/embeddings';
import type {
  Response as OpenAIResponse,
  ResponseCreateParamsNonStreaming,
} from 'openai/resources/responses/responses';
import type { BreakerboxMeta } from './meta.js';

/** A chat completion request (`stream` false or absent), as the SDK takes it. */
export type ChatRequest = ChatCompletionCreateParamsNonStreaming;

/** A streamed chat completion request (`stream: true`). */
export type ChatStreamRequest = ChatCompletionCreateParamsStreaming;

/** What `stream()` and `openStream()` take: a chat request, `stream: true` or not (set for you). */
export type AnyChatRequest = ChatCompletionCreateParams;

/** An embeddings request. */
export type EmbeddingsRequest = EmbeddingCreateParams;

/** A chat completion as the provider answered it, plus what breakerbox did (`breakerbox`). */
export type ChatResult = ChatCompletion & { readonly breakerbox: BreakerboxMeta };

/** An embeddings response as the provider answered it, plus what breakerbox did. */
export type EmbeddingsResult = CreateEmbeddingResponse & { readonly breakerbox: BreakerboxMeta };

/** One chunk of a streamed chat completion. */
export type ChatChunk = ChatCompletionChunk;

/** A Responses API request (`stream` false or absent), as the SDK takes it. */
export type ResponsesRequest = ResponseCreateParamsNonStreaming;

/**
 * A Responses API answer as the provider gave it (its `id` breakerbox's, naming the deployment
 * that holds it), with the SDK's `output_text` convenience, plus what breakerbox did.
 */
export type ResponsesResult = OpenAIResponse & { readonly breakerbox: BreakerboxMeta };
