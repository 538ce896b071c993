/**
 * `bb.fetch`: a WHATWG fetch the official `openai` SDK accepts as its `fetch` option. It routes
 * `/chat/completions` (streams included), `/embeddings` and `/models` through the engine and
 * always returns a `Response` — errors as the OpenAI envelope with `x-request-id` and
 * `x-should-retry` — and never throws (a throw becomes an SDK connection error, which it retries).
 * Use it with `maxRetries: 0` so only breakerbox retries.
 */
import { InvalidRequestError, ModelNotFoundError } from '../core/index.js';
import type { Breakerbox } from './breakerbox.js';
import { metaHeaders } from './meta.js';
import { toWireError } from './openai-error.js';
import { newRequestId } from './request-context.js';
import { sseBody } from './sse-body.js';

const JSON_TYPE = { 'content-type': 'application/json' };

function json(status: number, body: string, headers: Record<string, string>): Response {
  return new Response(body, { status, headers: { ...JSON_TYPE, ...headers } });
}

/** The error Response for anything thrown while serving `requestId`. */
export function errorResponse(error: unknown, requestId: string): Response {
  const wire = toWireError(error);
  return json(wire.status, JSON.stringify(wire.body), {
    ...wire.headers,
    'x-request-id': requestId,
  });
}

async function readBody(
  input: string | URL | Request,
  init: RequestInit | undefined,
): Promise<unknown> {
  let text: string;
  if (typeof init?.body === 'string') text = init.body;
  else if (init?.body !== undefined && init.body !== null)
    text = await new Response(init.body).text();
  else if (input instanceof Request) text = await input.text();
  else text = '';
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InvalidRequestError(
      'We could not parse the JSON body of your request. The body must be valid JSON.',
      null,
    );
  }
}

function modelsResponse(bb: Breakerbox, id: string | undefined, requestId: string): Response {
  const created = Math.floor(bb.startedAtEpochMs / 1000);
  const entry = (name: string) => ({ id: name, object: 'model', created, owned_by: 'breakerbox' });
  if (id !== undefined) {
    if (!bb.models.includes(id)) return errorResponse(new ModelNotFoundError(id), requestId);
    return json(200, JSON.stringify(entry(id)), { 'x-request-id': requestId });
  }
  const body = { object: 'list', data: bb.models.map(entry) };
  return json(200, JSON.stringify(body), { 'x-request-id': requestId });
}

/** Creates the `fetch` for one engine. */
export function createFetch(
  bb: Breakerbox,
): (input: string | URL | Request, init?: RequestInit) => Promise<Response> {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = (
      init?.method ?? (input instanceof Request ? input.method : 'GET')
    ).toUpperCase();
    const headers = new Headers(
      init?.headers ?? (input instanceof Request ? input.headers : undefined),
    );
    const requestId = headers.get('x-request-id') ?? newRequestId();
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    const path = url.pathname.replace(/\/+$/, '');
    try {
      if (method === 'GET' && path.endsWith('/models'))
        return modelsResponse(bb, undefined, requestId);
      const modelMatch = method === 'GET' ? /\/models\/([^/]+)$/.exec(path) : null;
      if (modelMatch) return modelsResponse(bb, decodeURIComponent(modelMatch[1] ?? ''), requestId);
      const route = path.endsWith('/chat/completions')
        ? 'chat'
        : path.endsWith('/embeddings')
          ? 'embeddings'
          : undefined;
      if (method !== 'POST' || route === undefined) {
        return errorResponse(
          new InvalidRequestError(`Invalid URL (${method} ${url.pathname})`, null),
          requestId,
        );
      }
      const body = await readBody(input, init ?? undefined);
      const options = { requestId, ...(signal ? { signal } : {}) };
      if (route === 'chat' && (body as { stream?: unknown } | null)?.stream === true) {
        const stream = await bb.openStream(body, options);
        return new Response(sseBody(stream), {
          status: 200,
          headers: {
            'content-type': 'text/event-stream; charset=utf-8',
            'cache-control': 'no-cache',
            ...metaHeaders(stream.meta),
          },
        });
      }
      const r = await bb.relay(route, body, options);
      return json(200, r.text ?? JSON.stringify(r.body), metaHeaders(r.meta));
    } catch (error) {
      return errorResponse(error, requestId);
    }
  };
}
