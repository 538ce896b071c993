/**
 * What runs one batch line: an in-process engine or a breakerbox gateway over HTTP. Both give
 * the runner the same {@link LineOutcome}, so the journal, stats and resume do not care which.
 */

/** One request to run. */
export interface LineRequest {
  readonly route: 'chat' | 'embeddings';
  readonly body: Record<string, unknown>;
  /** Sent as `x-request-id`; the result's `request_id` when nothing better is known. */
  readonly requestId: string;
  /** Aborted when the batch gives up on in-flight lines (they stay unfinished for the resume). */
  readonly signal: AbortSignal;
}

/** What breakerbox did for one line, as far as the target knows. */
export interface LineMeta {
  /** The model the line asked for (`body.model`), undefined when absent. */
  readonly requestedModel: string | undefined;
  /** The logical model that answered, null when none did. */
  readonly servedModel: string | null;
  /** The deployment that answered, null when none did (or unknown). */
  readonly deployment: string | null;
  readonly fallbackUsed: boolean;
  /** Upstream calls made for the line. */
  readonly calls: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** USD. */
  readonly costUsd: number;
  /** What the same tokens would have cost on the requested model, USD. */
  readonly costIfRequestedUsd: number;
  /** ms from sending the line to its answer. */
  readonly durationMs: number;
}

/** The result of one line. */
export type LineOutcome =
  | {
      /** An HTTP result (a 2xx answer or an OpenAI error envelope). */
      readonly type: 'http';
      readonly statusCode: number;
      readonly requestId: string;
      /** The body as sent, when it is JSON text (reused verbatim when it is one line). */
      readonly bodyText: string | undefined;
      readonly body: unknown;
      /** The breakerbox error code when the request failed (`all_candidates_failed`, ...). */
      readonly errorCode: string | null;
      readonly meta: LineMeta;
      /**
       * Set when the request failed without any upstream call (every candidate's breaker open,
       * the rate limit spent): capacity returns in about this many ms, so the batch waits
       * and sends the line again instead of failing it.
       */
      readonly admitAfterMs: number | undefined;
    }
  | {
      /** No HTTP result (the gateway could not be reached). */
      readonly type: 'error';
      readonly code: string;
      readonly message: string;
      readonly meta: LineMeta;
      /** As for HTTP results: worth waiting and sending again (the gateway is down). */
      readonly admitAfterMs: number | undefined;
    };

/** Runs lines. */
export interface LineExecutor {
  /** Never throws for a line's own failure; returns its outcome. */
  execute(request: LineRequest): Promise<LineOutcome>;
  /** Frees connections. */
  close(): Promise<void>;
}

/** Prompt and completion tokens from an OpenAI `usage` object (zeros when absent). */
export function usageOf(body: unknown): { promptTokens: number; completionTokens: number } {
  const usage =
    typeof body === 'object' && body !== null ? (body as { usage?: unknown }).usage : undefined;
  if (typeof usage !== 'object' || usage === null) return { promptTokens: 0, completionTokens: 0 };
  const { prompt_tokens: p, completion_tokens: c } = usage as Record<string, unknown>;
  return {
    promptTokens: typeof p === 'number' && p > 0 ? p : 0,
    completionTokens: typeof c === 'number' && c > 0 ? c : 0,
  };
}

/** The `model` of a request body, if it is a string. */
export function requestedModelOf(body: Record<string, unknown>): string | undefined {
  return typeof body.model === 'string' ? body.model : undefined;
}

/** A meta for a line nothing answered. */
export function failedMeta(body: Record<string, unknown>, durationMs: number): LineMeta {
  return {
    requestedModel: requestedModelOf(body),
    servedModel: null,
    deployment: null,
    fallbackUsed: false,
    calls: 0,
    promptTokens: 0,
    completionTokens: 0,
    costUsd: 0,
    costIfRequestedUsd: 0,
    durationMs,
  };
}

/** Skip reasons that clear by themselves within minutes (unlike a spent daily budget). */
const TRANSIENT_SKIPS: ReadonlySet<string> = new Set([
  'breaker_open',
  'rate_limited',
  'bulkhead_full',
]);

/**
 * When a failure made no upstream call at all (every attempt a transient skip), how long until
 * capacity returns; undefined when some call was made or a skip will not clear soon.
 * @param attempts the failure's attempt records (`AttemptRecord[]`, possibly from JSON)
 * @param retryAfterMs the failure's own hint, ms
 */
export function admitAfterSkips(
  attempts: unknown,
  retryAfterMs: number | undefined,
): number | undefined {
  if (!Array.isArray(attempts) || attempts.length === 0) return undefined;
  const allSkipped = attempts.every((a: unknown) => {
    const { result, reason } = (a ?? {}) as { result?: unknown; reason?: unknown };
    return result === 'skipped' && typeof reason === 'string' && TRANSIENT_SKIPS.has(reason);
  });
  if (!allSkipped) return undefined;
  return retryAfterMs !== undefined && Number.isFinite(retryAfterMs)
    ? Math.max(0, retryAfterMs)
    : 1000;
}
