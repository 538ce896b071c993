/**
 * OpenAI error bodies and JSON responses. Types, codes and messages copy what OpenAI sends
 * (shared/reference/openai-wire.md §3), so clients classify the simulator's errors exactly as
 * they would the real ones.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { Exchange } from './exchange.js';

/** The inner object of the OpenAI error envelope. */
export interface ErrorObject {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

/** An error response to send: status, envelope contents and any extra headers. */
export interface ApiError extends ErrorObject {
  status: number;
  headers?: OutgoingHttpHeaders;
}

/** What an overloaded engine says: the 503 body and the in-stream error event. */
export const OVERLOADED: ErrorObject = {
  message: 'The engine is currently overloaded, please try again later',
  type: 'service_unavailable_error',
  param: null,
  code: 'server_is_overloaded',
};

const SERVER_ERROR = 'The server had an error while processing your request. Sorry about that!';

/** [type, code, message] for statuses a fault may produce; others fall back by class. */
const BY_STATUS = new Map<number, [string, string | null, string]>([
  [400, ['invalid_request_error', null, 'Simulated bad request.']],
  [
    403,
    [
      'invalid_request_error',
      'unsupported_country_region_territory',
      'Country, region, or territory not supported',
    ],
  ],
  [408, ['server_error', null, 'Request timed out.']],
  [409, ['invalid_request_error', null, 'Simulated conflict: the request could not be completed.']],
  [413, ['invalid_request_error', null, 'Request too large.']],
  [422, ['invalid_request_error', null, 'Simulated unprocessable entity.']],
  [500, ['server_error', null, SERVER_ERROR]],
  [502, ['server_error', null, 'Bad gateway.']],
  [504, ['server_error', null, 'Gateway timeout.']],
  [529, ['overloaded_error', 'overloaded', 'Overloaded']],
]);

/** Writes a JSON response with `content-type: application/json` and `x-request-id`. */
export function sendJson(
  exchange: Exchange,
  status: number,
  body: string,
  headers: OutgoingHttpHeaders = {},
): void {
  if (exchange.isClosed) return;
  headers['content-type'] = 'application/json';
  headers['content-length'] = Buffer.byteLength(body);
  exchange.head(status, headers);
  exchange.res.end(body);
}

/** Sends `error` in the OpenAI envelope, or old vLLM's flat shape when the model asks for it. */
export function sendError(exchange: Exchange, error: ApiError): void {
  const { status, headers, ...inner } = error;
  const body = exchange.isFlatErrors
    ? JSON.stringify({
        object: 'error',
        message: inner.message,
        type: inner.type,
        param: inner.param,
        code: status,
      })
    : JSON.stringify({ error: inner });
  sendJson(exchange, status, body, { ...headers });
}

/** 400: the body is not JSON (OpenAI's code is null here). */
export function invalidJson(): ApiError {
  return {
    status: 400,
    message:
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
    type: 'invalid_request_error',
    param: null,
    code: null,
  };
}

/** 400: a required field is absent. */
export function missingParam(param: string): ApiError {
  return {
    status: 400,
    message: `Missing required parameter: '${param}'.`,
    type: 'invalid_request_error',
    param,
    code: 'missing_required_parameter',
  };
}

/** 400: a field has the wrong type or value. */
export function invalidParam(param: string, problem: string, code = 'invalid_value'): ApiError {
  return {
    status: 400,
    message: `Invalid '${param}': ${problem}`,
    type: 'invalid_request_error',
    param,
    code,
  };
}

/** 404 for a route the simulator does not serve. */
export function unknownRoute(method: string, path: string): ApiError {
  return {
    status: 404,
    message: `Invalid URL (${method} ${path})`,
    type: 'invalid_request_error',
    param: null,
    code: null,
  };
}

/** 401: a key was sent and is wrong (never echoed back), or none was sent (code null). */
export function authError(hasKey: boolean): ApiError {
  return {
    status: 401,
    message: hasKey
      ? 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.'
      : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
    type: 'invalid_request_error',
    param: null,
    code: hasKey ? 'invalid_api_key' : null,
  };
}

/** 429 with `Retry-After` (and `retry-after-ms` when given). */
export function rateLimited(model: string, retryAfterS: number, retryAfterMs?: number): ApiError {
  const headers: OutgoingHttpHeaders = { 'retry-after': String(retryAfterS) };
  if (retryAfterMs !== undefined) headers['retry-after-ms'] = String(retryAfterMs);
  const waitS = retryAfterMs === undefined ? retryAfterS : retryAfterMs / 1000;
  return {
    status: 429,
    message: `Rate limit reached for ${model} in organization org-sim on requests per min (RPM): Limit 60, Used 60, Requested 1. Please try again in ${waitS}s. Visit https://platform.openai.com/account/rate-limits to learn more.`,
    type: 'requests',
    param: null,
    code: 'rate_limit_exceeded',
    headers,
  };
}

/** 400 `context_length_exceeded`, worded as OpenAI words it. */
export function contextLengthExceeded(options: {
  contextWindow: number;
  promptTokens: number;
  completionTokens: number;
  param: string;
}): ApiError {
  const { contextWindow, promptTokens, completionTokens, param } = options;
  return {
    status: 400,
    message: `This model's maximum context length is ${contextWindow} tokens. However, you requested ${promptTokens + completionTokens} tokens (${promptTokens} in the messages, ${completionTokens} in the completion). Please reduce the length of the messages or completion.`,
    type: 'invalid_request_error',
    param,
    code: 'context_length_exceeded',
  };
}

/** The error a fault with `errorStatus` sends: realistic type and code for each status. */
export function errorForStatus(status: number, model: string): ApiError {
  if (status === 401) return authError(true);
  if (status === 429) return { ...rateLimited(model, 1), headers: {} };
  if (status === 503) return { status, ...OVERLOADED };
  if (status === 404) {
    return {
      status,
      message: `The model \`${model}\` does not exist or you do not have access to it.`,
      type: 'invalid_request_error',
      param: null,
      code: 'model_not_found',
    };
  }
  const known = BY_STATUS.get(status);
  if (known !== undefined)
    return { status, type: known[0], param: null, code: known[1], message: known[2] };
  return status < 500
    ? {
        status,
        type: 'invalid_request_error',
        param: null,
        code: null,
        message: `Simulated ${status} error.`,
      }
    : { status, type: 'server_error', param: null, code: null, message: SERVER_ERROR };
}
