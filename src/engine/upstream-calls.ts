/**
 * The upstream call each route makes for one candidate, shaped as a router `CallResult`.
 * The body is copied once with the deployment's upstream model name and serialised once.
 */
import { UpstreamError } from '../core/index.js';
import type { AttemptContext, CallResult, Deployment } from '../router/index.js';
import type { UpstreamRequest } from '../upstream/index.js';
import type { RawBody } from './raw-body.js';

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
 * one attempt never outlives the request) and its own cap, and the model's `failoverOn`. `raw`:
 * the caller's own bytes for this body, sent when the deployment's model name is theirs.
 */
export function upstreamRequest(
  d: Deployment,
  body: JsonBody,
  attempt: AttemptContext,
  requestId: string,
  raw?: RawBody,
): UpstreamRequest {
  const upstreamBody = d.upstreamModel === body.model ? body : { ...body, model: d.upstreamModel };
  const req: UpstreamRequest = {
    deploymentId: d.id,
    body: upstreamBody,
    bodyText: raw?.model === d.upstreamModel ? raw.text : JSON.stringify(upstreamBody),
    signal: attempt.signal,
    requestId,
  };
  if (attempt.attemptMs !== undefined) req.attemptMs = attempt.attemptMs;
  if (attempt.signalWithinMs !== undefined && Number.isFinite(attempt.signalWithinMs)) {
    req.signalWithinMs = attempt.signalWithinMs;
  }
  if (attempt.traceHeaders !== undefined) req.traceHeaders = attempt.traceHeaders;
  if (d.failoverOn.length > 0) req.failoverOn = d.failoverOn;
  return req;
}

/** The JSON routes of the engine. */
export type JsonRoute = 'chat' | 'embeddings' | 'responses' | 'completions';

/** The field a route's success body must hold. */
const FIELD: Record<JsonRoute, string> = {
  chat: 'choices',
  embeddings: 'data',
  responses: 'output',
  completions: 'choices',
};

function send(d: Deployment, route: JsonRoute, req: UpstreamRequest) {
  switch (route) {
    case 'chat':
      return d.upstream.chat(req);
    case 'embeddings':
      return d.upstream.embeddings(req);
    case 'responses':
      return d.upstream.responses(req);
    case 'completions':
      return d.upstream.completions(req);
  }
}

/**
 * Calls a JSON route and checks the success body has the field the route promises (`choices`,
 * `data`, `output`); a 200 without it is a malformed response, a failure.
 */
export async function callJson(
  d: Deployment,
  route: JsonRoute,
  req: UpstreamRequest,
): Promise<CallResult<JsonResponse>> {
  const result = await send(d, route, req);
  if (result.type !== 'success') return result;
  const field = FIELD[route];
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
 * Prompt, completion and cached prompt tokens from an OpenAI `usage` object (zeros when absent):
 * chat's and completions' `prompt_tokens` / `completion_tokens` /
 * `prompt_tokens_details.cached_tokens`, or the Responses API's `input_tokens` / `output_tokens`
 * / `input_tokens_details.cached_tokens`. Cached tokens are part of the prompt tokens; the cost
 * ledger prices them at `cachedInput`.
 */
export function usageOf(body: unknown): WireUsage {
  const usage = isObject(body) ? body.usage : undefined;
  if (!isObject(usage)) return { promptTokens: 0, completionTokens: 0 };
  const responses = usage.prompt_tokens === undefined && usage.input_tokens !== undefined;
  const p = responses ? usage.input_tokens : usage.prompt_tokens;
  const c = responses ? usage.output_tokens : usage.completion_tokens;
  const details = responses ? usage.input_tokens_details : usage.prompt_tokens_details;
  const cached = isObject(details) ? details.cached_tokens : undefined;
  return {
    promptTokens: typeof p === 'number' ? p : 0,
    completionTokens: typeof c === 'number' ? c : 0,
    ...(typeof cached === 'number' && cached > 0 && { cachedPromptTokens: cached }),
  };
}
