/**
 * The OpenAI routes (`/v1/chat/completions` JSON and SSE, `/v1/embeddings`, `/v1/models`,
 * `/v1/models/{id}`): auth, limits, the deadline hint and the body here, then the engine's one
 * handler per route (`answerOpenAI`, the same `bb.fetch` runs). The body is parsed once (the
 * engine needs the object) and the upstream's answer is sent as the text it came in, never
 * re-serialised.
 */
import { CancelledError, InvalidRequestError } from '../../core/index.js';
import { answerOpenAI, isStreamCall, responsesErrorEvent } from '../../engine/index.js';
import type { CallOptions, OpenAIRoute } from '../../engine/index.js';
import { parseJson, readBody } from '../body.js';
import type { GatewayContext } from '../context.js';
import { readDeadline } from '../deadline.js';
import type { Exchange } from '../exchange.js';
import { sendJson } from '../respond.js';
import { pumpEvents } from './events.js';
import { requestContent, withResponseContent } from '../request-log.js';
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

/** `POST /v1/chat/completions`, `/v1/embeddings`, `/v1/responses` and `/v1/completions`. */
export async function handleModelCall(
  ctx: GatewayContext,
  ex: Exchange,
  route: OpenAIRoute,
): Promise<void> {
  admitClient(ctx, ex);
  const hint = readDeadline(ex.req.headers, ctx.deadlineMs);
  if (!hint.ok) throw new InvalidRequestError(hint.message, hint.param);
  ex.bodyHold = ctx.bodyBudget.open();
  const bytes = await readBody(ex.req, ctx.bodyLimitBytes, ex.bodyHold);
  const body = parseJson(bytes, ctx.maxJsonDepth);
  ex.model = modelOf(ctx, body);
  ex.stream = isStreamCall(route.id, body);
  if (ctx.requestLog?.content === true) ex.content = requestContent(body);
  const options: { -readonly [K in keyof CallOptions]: CallOptions[K] } & { requestId: string } = {
    signal: ex.signal,
    requestId: ex.requestId,
    // Sent upstream as they came when nothing in them needs changing (see engine/raw-body.ts).
    rawBody: bytes,
    // With tracing on, the request span continues the client's `traceparent`.
    traceHeaders: ex.req.headers,
  };
  if (ex.client !== undefined) options.clientKey = ex.client.name;
  if (hint.deadlineMs !== undefined) options.deadlineMs = hint.deadlineMs;
  const answer = await answerOpenAI(ctx.engine, { route, body, options });
  if (answer.type === 'json') {
    // Tokens, cost and outcome come from this call's own result, never from an event matched
    // by request id (a client may send one `x-request-id` on concurrent requests).
    if (answer.result) {
      ex.meta = answer.result.meta;
      ex.report = answer.result.report;
      if (ex.content !== undefined)
        ex.content = withResponseContent(ex.content, answer.result.body);
    }
    sendJson(ex.res, 200, answer.text, answer.headers);
    return;
  }
  const { stream } = answer;
  ex.meta = stream.meta;
  ex.stopStream = () => {
    stream.cancel();
  };
  ex.awaitReport(stream.report);
  let end;
  if (answer.type === 'events') {
    ex.streamErrorEvent = (error) => responsesErrorEvent(error, answer.stream.nextSequenceNumber);
    end = await pumpEvents(answer.stream, ex.res);
  } else {
    end = await pumpStream(answer.stream, ex.res);
  }
  if (end.type === 'failed') throw new MidStreamFailure(end.error);
  // Counted like a JSON request the client abandoned: a caller's cancellation.
  if (end.type === 'client-gone') throw new MidStreamFailure(new CancelledError());
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

/** `GET /v1/models` and `GET /v1/models/{id}`. @throws ModelNotFoundError (404) */
export async function handleModels(
  ctx: GatewayContext,
  ex: Exchange,
  route: OpenAIRoute,
): Promise<void> {
  admitClient(ctx, ex);
  const answer = await answerOpenAI(ctx.engine, { route, options: { requestId: ex.requestId } });
  if (answer.type === 'json') sendJson(ex.res, 200, answer.text, answer.headers);
}
