/**
 * The caller's deadline hint: breakerbox's own `x-breakerbox-deadline-ms`, else the openai SDK's
 * `x-stainless-timeout` (seconds, sent when a per-request `timeout` is set). The engine takes the
 * tighter of this and its configured deadline, so a caller can shorten but never extend it.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** The header breakerbox reads a deadline from, in milliseconds. */
export const DEADLINE_HEADER = 'x-breakerbox-deadline-ms';

/** Outcome of reading the deadline headers. */
export type DeadlineHint =
  | { readonly ok: true; readonly deadlineMs: number | undefined }
  | { readonly ok: false; readonly param: string; readonly message: string };

function positive(raw: string): number | undefined {
  if (!/^\s*\d+(\.\d+)?\s*$/.test(raw)) return undefined;
  const n = Number(raw);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/**
 * Reads the deadline hint, capped at `maxMs`. A malformed `x-breakerbox-deadline-ms` is the
 * caller's mistake (reported); a malformed `x-stainless-timeout` is ignored, since the SDK sets
 * it and the caller cannot fix it.
 */
export function readDeadline(headers: IncomingHttpHeaders, maxMs: number): DeadlineHint {
  const own = headers[DEADLINE_HEADER];
  if (typeof own === 'string') {
    const ms = positive(own);
    if (ms === undefined) {
      return {
        ok: false,
        param: DEADLINE_HEADER,
        message: `'${DEADLINE_HEADER}' must be a positive number of milliseconds`,
      };
    }
    return { ok: true, deadlineMs: Math.min(ms, maxMs) };
  }
  const stainless = headers['x-stainless-timeout'];
  if (typeof stainless === 'string') {
    const s = positive(stainless);
    if (s !== undefined) return { ok: true, deadlineMs: Math.min(s * 1000, maxMs) };
  }
  return { ok: true, deadlineMs: undefined };
}
