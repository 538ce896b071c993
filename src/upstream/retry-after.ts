/**
 * `Retry-After` in its three real-world forms. Same precedence as the official SDKs
 * (openai-node `retryRequest`): `retry-after-ms` first, then `retry-after`.
 */

/** Response headers as undici returns them: lower-case names, repeated headers as arrays. */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

/**
 * The longest delay we believe: 24 h. A larger value is a provider bug or a quota that resets at
 * month end; either way the breaker's own backoff is the better guide past a day.
 */
export const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

// RFC 9110 delay-seconds is an integer; SDKs and Azure also send fractions ("1.5"). Nothing else.
const DECIMAL = /^\d+(?:\.\d+)?$/;

function first(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v === undefined ? undefined : v.trim();
}

function clamp(ms: number): number {
  return Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS);
}

/**
 * How long the upstream asked us to wait, in ms.
 *
 * 1. `retry-after-ms`: decimal milliseconds (Azure, the SDKs' extension).
 * 2. `retry-after`: decimal seconds, or an HTTP-date (RFC 9110 §10.2.3), relative to `nowEpochMs`;
 *    a date in the past gives `0` (retry now).
 *
 * A garbage or negative value is ignored (`retry-after-ms` garbage falls through to
 * `retry-after`). The result is clamped to [0, {@link MAX_RETRY_AFTER_MS}].
 *
 * @param headers response headers (lower-case names).
 * @param nowEpochMs wall-clock now in ms since the epoch (HTTP-dates are wall-clock).
 * @returns milliseconds, or `undefined` when neither header says anything usable.
 */
export function parseRetryAfterMs(
  headers: ResponseHeaders,
  nowEpochMs: number,
): number | undefined {
  const ms = first(headers['retry-after-ms']);
  if (ms !== undefined && DECIMAL.test(ms)) return clamp(Number(ms));

  const value = first(headers['retry-after']);
  if (value === undefined || value === '') return undefined;
  if (DECIMAL.test(value)) return clamp(Number(value) * 1000);
  // An HTTP-date always names a weekday or month; this also keeps Date.parse from reading
  // garbage such as "-5" or "2024" as a date.
  if (!/[a-z]/i.test(value)) return undefined;
  const atMs = Date.parse(value);
  return Number.isNaN(atMs) ? undefined : clamp(atMs - nowEpochMs);
}

// "Please try again in 26.604s." (OpenAI), "try again in 120ms", "Please retry after 20 seconds."
// (Azure). OpenAI does not promise a Retry-After header on 429; its message often carries one.
const IN_MESSAGE =
  /(?:try again|retry after|retry)\s+(?:in\s+)?(\d+(?:\.\d+)?)\s*(ms|s|sec|secs|seconds?)\b/i;

/**
 * The delay a 429 message spells out ("Please try again in 26.604s"), in ms, clamped like
 * {@link parseRetryAfterMs}. Used only when no header says anything.
 */
export function parseRetryAfterFromMessage(message: string): number | undefined {
  const m = IN_MESSAGE.exec(message);
  if (!m?.[1] || !m[2]) return undefined;
  const n = Number(m[1]);
  return clamp(m[2].toLowerCase() === 'ms' ? n : n * 1000);
}
