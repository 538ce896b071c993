/**
 * The OpenAI routes: `POST /v1/chat/completions` (JSON and SSE), `POST /v1/embeddings`,
 * `GET /v1/models` and `GET /v1/models/{id}`. The body is parsed once (the engine needs the
 * object) and the upstream's answer is sent as the text it came in, never re-serialised.
 */
import { CancelledError, InvalidRequestError, ModelNotFoundError } from '../../core/index.js';
import { metaHeaders } from '../../engine/index.js';
import type { CallOptions } from '../../engine/index.js';
import { parseJson, readBody } from '../body.js';
import type { GatewayContext } from '../context.js';
import { readDeadline } from '../deadline.js';
import type { Exchange } from '../exchange.js';
import { sendJson } from '../respond.js';
import { pumpStream } from './stream.js';

/** Authenticates the caller and applies its key's limits. @throws the 401/429 errors */
export function admitClient(ctx: GatewayContext, ex: Exchange): void {
  const client = ctx.access.client(ex.req);
  if (client === undefined) return;
  ex.client = client;
  try {
    ctx.limits.admit(client);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'rate_limited') ctx.metrics.clientRateLimited();
    throw error;
  }
}

function modelOf(ctx: GatewayContext, body: unknown): string | undefined {
  const model = (body as { model?: unknown } | null | undefined)?.model;
  return typeof model === 'string' && ctx.models.has(model) ? model : undefined;
}

/** `POST /v1/chat/completions` and `POST /v1/embeddings`. */
export async function handleModelCall(
  ctx: GatewayContext,
  ex: Exchange,
  kind: 'chat' | 'embeddings',
): Promise<void> {
  admitClient(ctx, ex);
  const hint = readDeadline(ex.req.headers, ctx.deadlineMs);
  if (!hint.ok) throw new InvalidRequestError(hint.message, hint.param);
  const bytes = await readBody(ex.req, ctx.bodyLimitBytes);
  const body = parseJson(bytes, ctx.maxJsonDepth);
  ex.model = modelOf(ctx, body);
  const options: CallOptions = {
    signal: ex.signal,
    requestId: ex.requestId,
    ...(ex.client !== undefined && { clientKey: ex.client.name }),
    ...(hint.deadlineMs !== undefined && { deadlineMs: hint.deadlineMs }),
  };
  ctx.watch(ex);
  if (kind === 'chat' && (body as { stream?: unknown } | null | undefined)?.stream === true) {
    ex.stream = true;
    const stream = await ctx.engine.openStream(body, options);
    ex.meta = stream.meta;
    const end = await pumpStream(stream, ex.res);
    if (end.type === 'failed') throw new MidStreamFailure(end.error);
    // Counted like a JSON request the client abandoned: a caller's cancellation.
    if (end.type === 'client-gone') throw new MidStreamFailure(new CancelledError());
    return;
  }
  const r = await ctx.engine.relay(kind, body, options);
  ex.meta = r.meta;
  sendJson(ex.res, 200, r.text ?? JSON.stringify(r.body), metaHeaders(r.meta));
}

/** A stream that failed after its head was sent; already answered with an error event. */
export class MidStreamFailure extends Error {
  readonly error: unknown;
  constructor(error: unknown) {
    super('stream failed after content was sent');
    this.name = 'MidStreamFailure';
    this.error = error;
  }
}

function modelEntry(ctx: GatewayContext, id: string): Record<string, unknown> {
  return {
    id,
    object: 'model',
    created: Math.floor(ctx.engine.startedAtEpochMs / 1000),
    owned_by: 'breakerbox',
  };
}

/** `GET /v1/models` and `GET /v1/models/{id}`. @throws ModelNotFoundError (404) */
export function handleModels(ctx: GatewayContext, ex: Exchange, id: string | undefined): void {
  admitClient(ctx, ex);
  if (id === undefined) {
    const data = ctx.engine.models.map((m) => modelEntry(ctx, m));
    sendJson(ex.res, 200, JSON.stringify({ object: 'list', data }), ex.baseHeaders());
    return;
  }
  if (!ctx.models.has(id)) throw new ModelNotFoundError(id);
  sendJson(ex.res, 200, JSON.stringify(modelEntry(ctx, id)), ex.baseHeaders());
}
