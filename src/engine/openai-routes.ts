/**
 * The OpenAI routes breakerbox serves, in one table with one handler per route, for `bb.fetch`
 * and the gateway alike: `POST /chat/completions` (JSON and SSE), `POST /embeddings`,
 * `POST /responses` (JSON and Responses events), `POST /completions` (JSON and SSE),
 * `GET /models` and `GET /models/{id}`. Paths are relative to the API base (`/v1` on the
 * gateway; whatever `baseURL` the SDK was given for `bb.fetch`). What a route answers is plain
 * data ({@link OpenAIAnswer}); each transport writes it its own way (a `Response`, or straight
 * to a `node:http` socket).
 */
import { InvalidRequestError, ModelNotFoundError } from '../core/index.js';
import type { Breakerbox } from './breakerbox.js';
import type { ChatStream } from './chat-stream.js';
import type { ResponsesStream } from './responses-stream.js';
import type { AnyChatRequest } from './public-types.js';
import { metaHeaders } from './meta.js';
import type { CallOptions } from './request-context.js';
import type { UnaryResult } from './rescue.js';

/** Every OpenAI route. */
export type OpenAIRouteId =
  'chat' | 'embeddings' | 'responses' | 'completions' | 'models' | 'model';

/** A matched OpenAI route; `name` is the model id of `/models/{id}`, decoded. */
export interface OpenAIRoute {
  readonly id: OpenAIRouteId;
  readonly name?: string;
}

/** The result of resolving a method and path against a route table. */
export type RouteResolution<R> =
  | { readonly kind: 'match'; readonly route: R }
  | { readonly kind: 'wrong-method'; readonly allow: string }
  | { readonly kind: 'not-found' };

const FIXED: ReadonlyMap<string, { readonly method: string; readonly id: OpenAIRouteId }> = new Map(
  [
    ['/chat/completions', { method: 'POST', id: 'chat' }],
    ['/embeddings', { method: 'POST', id: 'embeddings' }],
    ['/responses', { method: 'POST', id: 'responses' }],
    ['/completions', { method: 'POST', id: 'completions' }],
    ['/models', { method: 'GET', id: 'models' }],
  ],
);
const MODEL_PREFIX = '/models/';

/** `decodeURIComponent`, or undefined for a malformed escape. */
export function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** Matches `method` against a route's: `HEAD` is allowed wherever `GET` is. */
export function checkMethod<R>(method: string, expected: string, route: R): RouteResolution<R> {
  return method === expected || (expected === 'GET' && method === 'HEAD')
    ? { kind: 'match', route }
    : { kind: 'wrong-method', allow: expected === 'GET' ? 'GET, HEAD' : expected };
}

function trimSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/**
 * Resolves `method` and a path relative to the API base (`/chat/completions`,
 * `/models/gpt-4.1`). A trailing `/` is ignored; a model id may contain `/`.
 */
export function resolveOpenAIRoute(method: string, apiPath: string): RouteResolution<OpenAIRoute> {
  const path = trimSlash(apiPath);
  const fixed = FIXED.get(path);
  if (fixed) return checkMethod(method, fixed.method, { id: fixed.id });
  if (path.startsWith(MODEL_PREFIX) && path.length > MODEL_PREFIX.length) {
    const name = safeDecode(path.slice(MODEL_PREFIX.length));
    if (name === undefined) return { kind: 'not-found' };
    return checkMethod(method, 'GET', { id: 'model', name });
  }
  return { kind: 'not-found' };
}

/**
 * The API path at the end of a full URL path whose base is unknown (`bb.fetch` serves any
 * `baseURL`): the trailing route of the table (`/v1/chat/completions` → `/chat/completions`,
 * `/openai/v1/models/gpt-4.1` → `/models/gpt-4.1`), or undefined when none ends it.
 */
export function apiPathOf(pathname: string): string | undefined {
  const path = trimSlash(pathname);
  // `/chat/completions` is listed before `/completions`, which it also ends with.
  for (const fixed of FIXED.keys()) if (path.endsWith(fixed)) return fixed;
  const at = path.lastIndexOf(MODEL_PREFIX);
  return at >= 0 && path.length > at + MODEL_PREFIX.length ? path.slice(at) : undefined;
}

/** The error for a path no route serves (404) or a method its route does not take (405). */
export function routeError(
  resolution: Exclude<RouteResolution<unknown>, { kind: 'match' }>,
  method: string,
  path: string,
): { status: 404 | 405; error: InvalidRequestError; headers: Record<string, string> } {
  if (resolution.kind === 'not-found') {
    return {
      status: 404,
      error: new InvalidRequestError(`Invalid URL (${method} ${path})`),
      headers: {},
    };
  }
  return {
    status: 405,
    error: new InvalidRequestError(`Method ${method} is not allowed on ${path}`),
    headers: { allow: resolution.allow },
  };
}

/** Whether a route reads a JSON request body (the model calls). */
export function takesBody(id: OpenAIRouteId): boolean {
  return id !== 'models' && id !== 'model';
}

/**
 * Whether a call streams: a chat, Responses or completions body with `stream: true` (never
 * decided from `Accept`).
 */
export function isStreamCall(id: OpenAIRouteId, body: unknown): boolean {
  return (
    id !== 'embeddings' &&
    takesBody(id) &&
    (body as { stream?: unknown } | null | undefined)?.stream === true
  );
}

/** One call of an OpenAI route. */
export interface OpenAICall {
  readonly route: OpenAIRoute;
  /** The parsed JSON body, for the routes that {@link takesBody}. */
  readonly body?: unknown;
  /** The request's options; its `requestId` is sent back as `x-request-id`. */
  readonly options: CallOptions & { readonly requestId: string };
}

/**
 * What a route answers, before a transport writes it. `json`: a 200 body (the upstream's text
 * as it came, for model calls) with its headers (but `content-type`) and, for model calls, the
 * engine's result with this request's own report. `stream`: a chat stream to write as SSE with
 * `sseHeaders(stream.meta)`; its report resolves when it ends.
 */
export type OpenAIAnswer =
  | {
      readonly type: 'json';
      readonly text: string;
      readonly headers: Record<string, string>;
      readonly result?: UnaryResult;
    }
  | { readonly type: 'stream'; readonly stream: ChatStream }
  | { readonly type: 'events'; readonly stream: ResponsesStream };

function modelEntry(id: string, created: number): Record<string, unknown> {
  return { id, object: 'model', created, owned_by: 'breakerbox' };
}

/** `GET /models` (no `id`) and `GET /models/{id}` as JSON text. @throws ModelNotFoundError */
export function modelsJson(bb: Breakerbox, id: string | undefined): string {
  const created = Math.floor(bb.startedAtEpochMs / 1000);
  if (id === undefined) {
    return JSON.stringify({ object: 'list', data: bb.models.map((m) => modelEntry(m, created)) });
  }
  if (!bb.models.includes(id)) throw new ModelNotFoundError(id);
  return JSON.stringify(modelEntry(id, created));
}

/**
 * Serves one OpenAI route through the engine: the one handler per route. A chat body with
 * `stream: true` opens a stream ({@link isStreamCall}).
 * @throws whatever the engine throws (`InvalidRequestError`, `ModelNotFoundError`,
 *   `AllCandidatesFailedError`, `CancelledError`, ...): the transport answers it as an envelope
 */
export async function answerOpenAI(bb: Breakerbox, call: OpenAICall): Promise<OpenAIAnswer> {
  const { route, body, options } = call;
  switch (route.id) {
    case 'models':
    case 'model':
      return {
        type: 'json',
        text: modelsJson(bb, route.name),
        headers: { 'x-request-id': options.requestId },
      };
    case 'chat':
      if (isStreamCall(route.id, body)) {
        // A wire body: untyped JSON, validated by the engine before anything is sent.
        return { type: 'stream', stream: await bb.openStream(body as AnyChatRequest, options) };
      }
      return unary(bb, 'chat', call);
    case 'embeddings':
      return unary(bb, 'embeddings', call);
    case 'responses':
      if (isStreamCall(route.id, body)) {
        return { type: 'events', stream: await bb.openRouteStream('responses', body, options) };
      }
      return unary(bb, 'responses', call);
    case 'completions':
      if (isStreamCall(route.id, body)) {
        return { type: 'stream', stream: await bb.openRouteStream('completions', body, options) };
      }
      return unary(bb, 'completions', call);
  }
}

async function unary(
  bb: Breakerbox,
  kind: 'chat' | 'embeddings' | 'responses' | 'completions',
  call: OpenAICall,
): Promise<OpenAIAnswer> {
  const result = await bb.relay(kind, call.body, call.options);
  return {
    type: 'json',
    text: result.text ?? JSON.stringify(result.body),
    headers: metaHeaders(result.meta),
    result,
  };
}
