/**
 * The upstream call each route makes for one candidate, shaped as a router `CallResult`.
 * The body is copied once with the deployment's upstream model name and serialised once.
 */
import { UpstreamError } from '../core/index.js';
import type { AttemptContext, CallResult, Deployment } from '../router/index.js';
import type { UpstreamRequest } from '../upstream/index.js';

/** A JSON response body the route accepted. */
export type JsonBody = Record<string, unknown>;

/** A JSON answer: parsed once, its text kept for relaying unchanged. */
export interface JsonResponse {
  readonly body: JsonBody;
  readonly text: string;
}

function isObject(v: unknown): v is JsonBody {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The request one attempt sends: the upstream model name, the attempt's signal (the deadline's:
 * one attempt never outlives the request) and its own cap, and the model's `failoverOn`.
 */
export function upstreamRequest(
  d: Deployment,
  body: JsonBody,
  attempt: AttemptContext,
  requestId: string,
): UpstreamRequest {
  const upstreamBody = d.upstreamModel === body.model ? body : { ...body, model: d.upstreamModel };
  const req: UpstreamRequest = {
    deploymentId: d.id,
    body: upstreamBody,
    bodyText: JSON.stringify(upstreamBody),
    signal: attempt.signal,
    requestId,
  };
  if (attempt.attemptMs !== undefined) req.attemptMs = attempt.attemptMs;
  if (attempt.traceHeaders !== undefined) req.traceHeaders = attempt.traceHeaders;
  if (d.failoverOn.length > 0) req.failoverOn = d.failoverOn;
  return req;
}

/**
 * Calls a JSON route (chat or embeddings) and checks the success body has the field the route
 * promises (`choices` or `data`); a 200 without it is a malformed response, a failure.
 */
export async function callJson(
  d: Deployment,
  route: 'chat' | 'embeddings',
  req: UpstreamRequest,
): Promise<CallResult<JsonResponse>> {
  const result = route === 'chat' ? await d.upstream.chat(req) : await d.upstream.embeddings(req);
  if (result.type !== 'success') return result;
  const field = route === 'chat' ? 'choices' : 'data';
  if (!isObject(result.body) || !Array.isArray(result.body[field])) {
    const error = new UpstreamError({
      kind: 'malformed_response',
      deploymentId: d.id,
      status: result.status,
      message: `upstream ${d.id} answered ${result.status} without '${field}'`,
    });
    return {
      type: 'failure',
      outcome: { type: 'failure', kind: 'malformed_response' },
      error,
      status: result.status,
      durationMs: result.durationMs,
    };
  }
  return {
    type: 'success',
    value: { body: result.body, text: result.bodyText },
    durationMs: result.durationMs,
  };
}

/** Tokens of one upstream answer, as {@link usageOf} reads them. */
export interface WireUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** `usage.prompt_tokens_details.cached_tokens`; present only when the upstream reported some. */
  readonly cachedPromptTokens?: number;
}

/**
 * Prompt, completion and cached prompt tokens from an OpenAI `usage` object (zeros when absent).
 * Cached tokens are part of `prompt_tokens`; the cost ledger prices them at `cachedInput`.
 */
export function usageOf(body: unknown): WireUsage {
  const usage = isObject(body) ? body.usage : undefined;
  if (!isObject(usage)) return { promptTokens: 0, completionTokens: 0 };
  const p = usage.prompt_tokens;
  const c = usage.completion_tokens;
  const details = usage.prompt_tokens_details;
  const cached = isObject(details) ? details.cached_tokens : undefined;
  return {
    promptTokens: typeof p === 'number' ? p : 0,
    completionTokens: typeof c === 'number' ? c : 0,
    ...(typeof cached === 'number' && cached > 0 && { cachedPromptTokens: cached }),
  };
}
