/**
 * The stream handed to the caller once the first content chunk exists. From here breakerbox
 * cannot switch models mid-answer: a failure ends the stream with an error (the gateway writes it
 * as an OpenAI error event, without `[DONE]`), is recorded against the deployment, and never
 * leaves the caller hanging (the upstream's idle timeout bounds every wait).
 *
 * Payloads pass through as text: only chunks that may carry usage are parsed.
 */
import type { SseEvent } from '../upstream/index.js';
import type { RequestEvent } from './accounting.js';
import type { BreakerboxMeta } from './meta.js';
import { RelayedStream } from './relayed-stream.js';
import type { StreamEnd, StreamUsage } from './relayed-stream.js';
import type { OpenedStream } from './stream-call.js';

export type { StreamEnd } from './relayed-stream.js';

/** Options of a {@link ChatStream}. */
export interface ChatStreamOptions {
  readonly opened: OpenedStream;
  readonly meta: BreakerboxMeta;
  /** Whether the caller asked for `stream_options.include_usage` itself. */
  readonly callerWantsUsage: boolean;
  /** Called exactly once when the stream ends in any way; returns the request's report. */
  readonly onEnd: (end: StreamEnd) => RequestEvent;
}

const USAGE_NULL = ',"usage":null';

/**
 * Where the first `"usage":` key starts in `data`, or -1. Searches for `ge":` and checks the
 * four characters before it: chunk JSON is full of `"` (where a search for `"usage":` keeps
 * restarting) but has few `g`. Runs once per chunk, so it is on the hot path.
 */
function usageKeyAt(data: string): number {
  for (let i = data.indexOf('ge":', 4); i !== -1; i = data.indexOf('ge":', i + 4)) {
    if (data.startsWith('"usa', i - 4)) return i - 4;
  }
  return -1;
}

/**
 * An async iterable of raw chunk payloads (the JSON text after `data: `). Iterate it once.
 * Breaking out of the loop (or calling `return()`) closes the upstream socket at once.
 */
export class ChatStream extends RelayedStream<string> {
  readonly #wantsUsage: boolean;
  #promptTokens = 0;
  #cachedPromptTokens = 0;
  #completionTokens = 0;

  constructor(options: ChatStreamOptions) {
    super(options.opened, options.meta, options.onEnd);
    this.#wantsUsage = options.callerWantsUsage;
  }

  protected relay(event: SseEvent): string | undefined {
    return this.#filter(event.data);
  }

  protected usage(): StreamUsage {
    return {
      promptTokens: this.#promptTokens,
      cachedPromptTokens: this.#cachedPromptTokens,
      completionTokens: this.#completionTokens,
    };
  }

  /** Reads usage from the usage chunk and hides it (and `"usage":null`) unless the caller asked. */
  #filter(data: string): string | undefined {
    // Both patterns below hold `"usage":`; most chunks have no such key.
    const at = usageKeyAt(data);
    if (at === -1) return data;
    if (data.includes('"usage":{', at)) {
      const chunk = JSON.parse(data) as {
        usage?: {
          prompt_tokens?: number;
          completion_tokens?: number;
          prompt_tokens_details?: { cached_tokens?: number } | null;
        };
        choices?: unknown[];
      };
      this.#promptTokens = chunk.usage?.prompt_tokens ?? this.#promptTokens;
      const cached = chunk.usage?.prompt_tokens_details?.cached_tokens;
      if (typeof cached === 'number') this.#cachedPromptTokens = cached;
      this.#completionTokens = chunk.usage?.completion_tokens ?? this.#completionTokens;
      if (!this.#wantsUsage && (chunk.choices?.length ?? 0) === 0) return undefined;
    }
    if (!this.#wantsUsage && data.includes(USAGE_NULL, at - 1))
      return data.replaceAll(USAGE_NULL, '');
    return data;
  }
}
