/**
 * The model routes: `POST /v1/chat/completions` and `POST /v1/embeddings`. Order of work for
 * each call: read and parse the body, count the call under its model (before any fault, so a
 * test can prove an open breaker sent nothing), check the key, validate, decide the faults,
 * answer.
 */
import type { IncomingMessage } from 'node:http';
import { checkApiKey } from './auth.js';
import { isApiError, parseChatRequest, type ChatRequest } from './chat-request.js';
import type { CallStats } from './call-stats.js';
import {
  chatAnswer,
  completionBody,
  malformedStreamParts,
  streamParts,
  truncate,
  type ResponseMeta,
} from './chat-response.js';
import { embeddingBody, parseEmbeddingRequest } from './embeddings.js';
import type { Exchange } from './exchange.js';
import type { StreamParts } from './chat-response.js';
import type { Decision, FaultBook } from './fault-book.js';
import { writeErrorEvent, writeMalformedStream, writeStream } from './stream-writer.js';
import {
  OVERLOADED,
  contextLengthExceeded,
  errorForStatus,
  invalidJson,
  invalidParam,
  missingParam,
  rateLimited,
  sendError,
  sendJson,
} from './wire.js';

/** A model's settings with defaults applied. */
export interface ResolvedModelOptions {
  embeddingDimensions: number;
  contextWindowTokens: number;
  chunkCount: number | undefined;
}

/** What the model routes need from the simulator. */
export interface ModelRouteContext {
  readonly faults: FaultBook;
  readonly callStats: CallStats;
  /** When set, requests must carry this Bearer key (or `api-key` header). */
  readonly apiKey: string | undefined;
  readonly fingerprint: string;
  modelOptions(model: string): ResolvedModelOptions;
}

/** Bodies above this are answered 413 without being parsed. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;

type BodyResult = { kind: 'ok'; text: string } | { kind: 'too_large' } | { kind: 'gone' };

function readBody(req: IncomingMessage): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (bytes > MAX_BODY_BYTES) resolve({ kind: 'too_large' });
      else
        resolve({
          kind: 'ok',
          text:
            chunks.length === 1
              ? (chunks[0] as Buffer).toString()
              : Buffer.concat(chunks).toString(),
        });
    });
    // 'close' after 'end' is harmless: a promise settles once.
    req.on('close', () => {
      resolve({ kind: 'gone' });
    });
    req.on('error', () => {
      resolve({ kind: 'gone' });
    });
  });
}

/** A parsed JSON object. */
export type Json = Record<string, unknown>;

/** Reads, counts and checks a model call; answers the errors found on the way. */
export async function admit(
  context: ModelRouteContext,
  req: IncomingMessage,
  exchange: Exchange,
): Promise<{ body: Json; model: string } | undefined> {
  const result = await readBody(req);
  if (result.kind === 'gone' || exchange.isClosed) return undefined;
  if (result.kind === 'too_large') {
    context.callStats.countCall(undefined);
    sendError(exchange, errorForStatus(413, ''));
    return undefined;
  }
  let body: unknown;
  try {
    body = JSON.parse(result.text);
  } catch {
    body = undefined;
  }
  const model = typeof body === 'object' && body !== null ? (body as Json).model : undefined;
  context.callStats.countCall(typeof model === 'string' && model !== '' ? model : undefined);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    sendError(exchange, invalidJson());
    return undefined;
  }
  if (typeof model !== 'string' || model === '') {
    sendError(
      exchange,
      model === undefined || model === ''
        ? missingParam('model')
        : invalidParam('model', 'expected a string.', 'invalid_type'),
    );
    return undefined;
  }
  exchange.model = model;
  exchange.isFlatErrors = context.faults.get(model)?.flatErrorBody === true;
  const denied = context.apiKey === undefined ? undefined : checkApiKey(req, context.apiKey);
  if (denied !== undefined) {
    sendError(exchange, denied);
    return undefined;
  }
  return { body: body as Json, model };
}

/** A decision that answers 200 (a success or a malformed body). */
export type Success = Extract<Decision, { kind: 'ok' | 'malformed' }>;

/**
 * Answers a failing decision (or hangs); returns the successful ones, after their latency, for
 * the route to answer. Undefined: nothing left to do.
 */
export async function applyFaults(
  exchange: Exchange,
  decision: Decision,
  contextError: () => ReturnType<typeof contextLengthExceeded>,
): Promise<Success | undefined> {
  const model = exchange.model ?? '';
  switch (decision.kind) {
    case 'rate_limited':
      sendError(exchange, rateLimited(model, decision.retryAfterS, decision.retryAfterMs));
      return undefined;
    case 'down':
      sendError(exchange, { status: 503, ...OVERLOADED });
      return undefined;
    case 'error':
      sendError(exchange, errorForStatus(decision.status, model));
      return undefined;
    case 'hang':
      await exchange.hang();
      return undefined;
    case 'context_length':
      sendError(exchange, contextError());
      return undefined;
    case 'ok':
    case 'malformed':
      return (await exchange.sleep(decision.latencyMs)) ? decision : undefined;
  }
}

/** `POST /v1/chat/completions` (JSON, or SSE when the body says `stream: true`). */
export async function handleChat(
  context: ModelRouteContext,
  req: IncomingMessage,
  exchange: Exchange,
): Promise<void> {
  const admitted = await admit(context, req, exchange);
  if (admitted === undefined) return;
  const { model } = admitted;
  const request = parseChatRequest(admitted.body, model);
  if (isApiError(request)) {
    sendError(exchange, request);
    return;
  }
  const options = context.modelOptions(model);
  const decision = context.faults.decide({
    model,
    isStream: request.isStream,
    promptTokens: request.promptTokens,
    contextWindowTokens: options.contextWindowTokens,
  });
  const success = await applyFaults(exchange, decision, () =>
    contextLengthExceeded({
      contextWindow: options.contextWindowTokens,
      promptTokens: request.promptTokens,
      completionTokens: request.maxTokens ?? 0,
      param: 'messages',
    }),
  );
  if (success === undefined) return;
  const { chunkCount } = options;
  await answerChat({ exchange, request, success, chunkCount, fingerprint: context.fingerprint });
}

async function answerChat(answering: {
  exchange: Exchange;
  request: ChatRequest;
  success: Success;
  chunkCount: number | undefined;
  fingerprint: string;
}): Promise<void> {
  const { exchange, request, success, chunkCount, fingerprint } = answering;
  const meta: ResponseMeta = {
    id: `chatcmpl-${exchange.requestId.slice('req_'.length)}`,
    createdS: Math.floor(Date.now() / 1000),
    fingerprint,
  };
  const answer = chatAnswer(request, chunkCount);
  await sendAnswer(exchange, success, request.isStream, {
    body: () => completionBody(request, answer, meta),
    malformedStream: () => malformedStreamParts(request, meta),
    stream: () => streamParts(request, answer, meta),
  });
}

/** The forms one answer takes: its JSON body, its stream's events, its broken stream. */
export interface AnswerForms {
  body(): string;
  stream(): StreamParts;
  malformedStream(): string[];
  /** The stream's error event when the faults ask for one. @default a chat `overloaded` error */
  errorEvent?(): string;
}

/**
 * Sends a successful decision's answer: a malformed one (half the JSON, or a stream whose last
 * event is broken), the JSON body, a stream's error event, or the stream.
 */
export async function sendAnswer(
  exchange: Exchange,
  success: Success,
  isStream: boolean,
  forms: AnswerForms,
): Promise<void> {
  if (success.kind === 'malformed') {
    if (isStream) writeMalformedStream(exchange, forms.malformedStream());
    else sendJson(exchange, 200, truncate(forms.body()));
  } else if (!isStream) {
    sendJson(exchange, 200, forms.body());
  } else if (success.stream.isErrorEvent) {
    writeErrorEvent(exchange, forms.errorEvent?.());
  } else {
    await writeStream(exchange, forms.stream(), success.stream);
  }
}

/** `POST /v1/embeddings`. */
export async function handleEmbeddings(
  context: ModelRouteContext,
  req: IncomingMessage,
  exchange: Exchange,
): Promise<void> {
  const admitted = await admit(context, req, exchange);
  if (admitted === undefined) return;
  const { model } = admitted;
  const options = context.modelOptions(model);
  const request = parseEmbeddingRequest(admitted.body, model, options.embeddingDimensions);
  if (isApiError(request)) {
    sendError(exchange, request);
    return;
  }
  const decision = context.faults.decide({
    model,
    isStream: false,
    promptTokens: request.promptTokens,
    contextWindowTokens: options.contextWindowTokens,
  });
  const success = await applyFaults(exchange, decision, () =>
    contextLengthExceeded({
      contextWindow: options.contextWindowTokens,
      promptTokens: request.promptTokens,
      completionTokens: 0,
      param: 'input',
    }),
  );
  if (success === undefined) return;
  const body = embeddingBody(request);
  sendJson(exchange, 200, success.kind === 'malformed' ? truncate(body) : body);
}
