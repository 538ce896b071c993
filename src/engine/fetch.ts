/**
 * `bb.fetch`: a WHATWG fetch the official `openai` SDK accepts as its `fetch` option. It serves
 * the OpenAI route table (`openai-routes.ts`, the same the gateway serves) through the engine.
 *
 * Errors from breakerbox come back as `Response`s, never as throws: the OpenAI envelope with
 * `x-request-id` and `x-should-retry` (a throw becomes an SDK connection error, which it
 * retries). Use it with `maxRetries: 0` so only breakerbox retries.
 *
 * Cancellation is fetch's own: once `init.signal` aborts, the promise rejects with the signal's
 * reason (a `DOMException` `AbortError` when it has none) and a streaming body errors the same
 * way mid-stream. So the SDK raises `APIUserAbortError` for a user's abort and
 * `APIConnectionTimeoutError` for its own `timeout`, as with the real fetch.
 */
import { InvalidRequestError } from '../core/index.js';
import type { Breakerbox } from './breakerbox.js';
import { toWireError } from './openai-error.js';
import {
  answerOpenAI,
  apiPathOf,
  resolveOpenAIRoute,
  routeError,
  takesBody,
} from './openai-routes.js';
import { newRequestId } from './request-context.js';
import { responsesSseBody } from './responses-sse.js';
import { abortReason, sseBody, sseHeaders } from './sse-body.js';

const JSON_TYPE = { 'content-type': 'application/json' };

function json(status: number, body: string, headers: Record<string, string>): Response {
  return new Response(body, { status, headers: { ...JSON_TYPE, ...headers } });
}

/**
 * The error Response for anything thrown while serving `requestId`.
 * @param status overrides the catalogue's status (404 and 405 for routing errors)
 */
export function errorResponse(
  error: unknown,
  requestId: string,
  override: { status?: number; headers?: Record<string, string> } = {},
): Response {
  const wire = toWireError(error);
  return json(override.status ?? wire.status, JSON.stringify(wire.body), {
    ...wire.headers,
    ...override.headers,
    'x-request-id': requestId,
  });
}

async function readBody(
  input: string | URL | Request,
  init: RequestInit | undefined,
): Promise<{ readonly text: string; readonly body: unknown }> {
  let text: string;
  if (typeof init?.body === 'string') text = init.body;
  else if (init?.body !== undefined && init.body !== null)
    text = await new Response(init.body).text();
  else if (input instanceof Request) text = await input.text();
  else text = '';
  try {
    return { text, body: JSON.parse(text) as unknown };
  } catch {
    throw new InvalidRequestError(
      'We could not parse the JSON body of your request. The body must be valid JSON.',
      null,
    );
  }
}

/** What one call to `bb.fetch` asks for, read from `input` and `init` as fetch reads them. */
interface FetchRequest {
  readonly input: string | URL | Request;
  readonly init: RequestInit | undefined;
  readonly url: URL;
  readonly method: string;
  readonly requestId: string;
  readonly signal: AbortSignal | undefined;
}

function requestOf(input: string | URL | Request, init: RequestInit | undefined): FetchRequest {
  const req = input instanceof Request ? input : undefined;
  const headers = new Headers(init?.headers ?? req?.headers);
  return {
    input,
    init,
    url: new URL(req ? req.url : input instanceof URL ? input.href : input),
    method: (init?.method ?? req?.method ?? 'GET').toUpperCase(),
    requestId: headers.get('x-request-id') ?? newRequestId(),
    signal: init?.signal ?? req?.signal ?? undefined,
  };
}

async function serve(bb: Breakerbox, req: FetchRequest): Promise<Response> {
  const { url, method, requestId, signal } = req;
  const apiPath = apiPathOf(url.pathname);
  const resolution =
    apiPath === undefined ? { kind: 'not-found' as const } : resolveOpenAIRoute(method, apiPath);
  if (resolution.kind !== 'match') {
    const { status, error, headers } = routeError(resolution, method, url.pathname);
    return errorResponse(error, requestId, { status, headers });
  }
  const route = resolution.route;
  const read = takesBody(route.id) ? await readBody(req.input, req.init) : undefined;
  // The text goes upstream as it came when nothing in it needs changing (see raw-body.ts).
  const options = { requestId, ...(signal && { signal }), ...(read && { rawBody: read.text }) };
  const answer = await answerOpenAI(bb, { route, body: read?.body, options });
  if (answer.type === 'json') return json(200, answer.text, answer.headers);
  if (answer.type === 'events') {
    return new Response(responsesSseBody(answer.stream, signal), {
      status: 200,
      headers: sseHeaders(answer.stream.meta),
    });
  }
  return new Response(sseBody(answer.stream, signal), {
    status: 200,
    headers: sseHeaders(answer.stream.meta),
  });
}

/**
 * What fetch rejects with once `signal` has aborted, else undefined. A call rather than an inline
 * `signal.aborted`, which TypeScript would keep narrowed to false across the awaits.
 */
function rejection(signal: AbortSignal | undefined): { reason: unknown } | undefined {
  return signal?.aborted === true ? { reason: abortReason(signal) } : undefined;
}

/** Creates the `fetch` for one engine. */
export function createFetch(
  bb: Breakerbox,
): (input: string | URL | Request, init?: RequestInit) => Promise<Response> {
  return async (input, init) => {
    const req = requestOf(input, init ?? undefined);
    // As fetch: an aborted signal rejects, before any work and whatever the work then did.
    const early = rejection(req.signal);
    if (early) throw early.reason;
    let response: Response;
    try {
      response = await serve(bb, req);
    } catch (error) {
      const aborted = rejection(req.signal);
      if (aborted) throw aborted.reason;
      return errorResponse(error, req.requestId);
    }
    const late = rejection(req.signal);
    if (late) {
      // Aborted as the answer came: drop it (a stream body has already cancelled itself).
      await response.body?.cancel().catch(() => undefined);
      throw late.reason;
    }
    return response;
  };
}
