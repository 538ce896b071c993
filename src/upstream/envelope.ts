/**
 * Normalises an upstream's error body into the OpenAI envelope
 * `{"error":{"message","type","param","code"}}` (openai-wire.md §3): a flat body reaches SDK users
 * as "400 status code (no body)", so every error the router relays goes through here first.
 */
import { STATUS_CODES } from 'node:http';
import type { OpenAIErrorBody } from './types.js';

/** Options for {@link toOpenAIErrorBody}. */
export interface EnvelopeOptions {
  /** A secret (the deployment's API key) to cut out of the message if the upstream echoed it. */
  redact?: string;
}

/** Longest message taken from a body that was not an envelope (plain text, flat JSON). */
const MAX_FOREIGN_MESSAGE_CHARS = 1000;

/** The envelope `type` that fits an HTTP status, in OpenAI's (and its newer docs') vocabulary. */
export function errorTypeForStatus(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  if (status === 503 || status === 529) return 'service_unavailable_error';
  if (status >= 400 && status < 500) return 'invalid_request_error';
  return 'server_error';
}

function defaultMessage(status: number): string {
  const text = STATUS_CODES[status];
  return `Upstream returned HTTP ${status}${text ? ` ${text}` : ''}`;
}

function str(value: unknown): string | null {
  if (typeof value === 'string') return value;
  // Old vLLM sends `"code": 400`; the envelope's code is a string.
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

function redactIn(text: string, secret: string | undefined): string {
  // Short secrets are not redacted: cutting "abc" out of every message would mangle it.
  return secret && secret.length >= 8 && text.includes(secret)
    ? text.split(secret).join('[redacted]')
    : text;
}

function truncate(text: string): string {
  return text.length > MAX_FOREIGN_MESSAGE_CHARS
    ? `${text.slice(0, MAX_FOREIGN_MESSAGE_CHARS)}…`
    : text;
}

function fromObject(status: number, o: Record<string, unknown>): OpenAIErrorBody['error'] | null {
  const inner = o['error'];
  if (inner !== null && typeof inner === 'object' && !Array.isArray(inner)) {
    // The envelope (OpenAI) or Anthropic's `{type:"error", error:{type, message}}`: keep it.
    const e = inner as Record<string, unknown>;
    return {
      message: typeof e['message'] === 'string' ? e['message'] : defaultMessage(status),
      type: typeof e['type'] === 'string' ? e['type'] : errorTypeForStatus(status),
      param: str(e['param']),
      code: str(e['code']),
    };
  }
  // Flat bodies: old vLLM `{object:"error", message, type, code}`, TGI/Ollama `{error:"..."}`,
  // FastAPI `{detail:"..."}`.
  const message =
    typeof inner === 'string'
      ? inner
      : typeof o['message'] === 'string'
        ? o['message']
        : typeof o['detail'] === 'string'
          ? o['detail']
          : null;
  if (message === null) return null;
  const type = o['type'] ?? o['error_type'];
  return {
    message: truncate(message),
    type: typeof type === 'string' ? type : errorTypeForStatus(status),
    param: str(o['param']),
    code: str(o['code']),
  };
}

function parseObject(text: string): Record<string, unknown> | null {
  if (!text.startsWith('{')) return null;
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/**
 * The upstream's error body as an OpenAI envelope.
 *
 * - An envelope is kept as is; missing or mistyped keys become the status's defaults / `null`.
 * - A flat body (`{message, code, object:"error"}`, `{error:"..."}`, `{detail:"..."}`) is rewrapped.
 * - HTML (an edge proxy's error page) and empty bodies become a message naming the status; other
 *   plain text is kept as the message (truncated to 1000 characters).
 *
 * The message never contains `options.redact` (the API key). Never throws.
 *
 * @param status the HTTP status of the response.
 * @param bodyText the response body as text (may be empty).
 */
export function toOpenAIErrorBody(
  status: number,
  bodyText: string,
  options: EnvelopeOptions = {},
): OpenAIErrorBody {
  const text = bodyText.trim();
  const obj = parseObject(text);
  let error = obj ? fromObject(status, obj) : null;
  if (!error) {
    const isMarkup = text.startsWith('<') || obj !== null || text.startsWith('[');
    error = {
      message: text === '' || isMarkup ? defaultMessage(status) : truncate(text),
      type: errorTypeForStatus(status),
      param: null,
      code: null,
    };
  }
  error.message = redactIn(error.message, options.redact);
  return { error };
}
