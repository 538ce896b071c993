/**
 * The exact-match cache key of a chat completion request (docs/configuration.md, "Cache").
 *
 * The key is a SHA-256 over a canonical JSON form of the request body: every top-level field
 * except those that cannot change the answer ({@link EXCLUDED_FIELDS}), with object keys sorted at
 * every depth and array order kept. Fields are *excluded* by a fixed list rather than *included*
 * by one on purpose: a field this module has never heard of (a new provider parameter) stays in
 * the key, so an unknown knob can cost a cache miss but never serve an answer to a different
 * question.
 *
 * What is deliberately *not* normalised: defaults (`n: 1` and an absent `n` are different keys,
 * because defaults differ between providers), message text (whitespace, case) and numbers beyond
 * JavaScript's own (`1` and `1.0` are one number).
 *
 * Requests asking for several choices (`n > 1`) or sampling at a high temperature are still
 * cacheable: turning on an exact-match cache is the operator's statement that a stored answer to
 * the same request is acceptable. A cached answer replays one sample, identically, until it
 * expires.
 */
import { createHash } from 'node:crypto';

/**
 * Top-level request fields left out of the key: transport (`stream`, `stream_options`),
 * attribution and storage (`user`, `metadata`, `store`, `safety_identifier`), provider-side
 * caching and scheduling (`prompt_cache_key`, `service_tier`). None of them changes the content
 * of the answer. A cached answer may therefore be replayed as a stream or as one JSON body; the
 * caller decides.
 */
export const EXCLUDED_FIELDS: ReadonlySet<string> = new Set([
  'stream',
  'stream_options',
  'user',
  'metadata',
  'store',
  'safety_identifier',
  'prompt_cache_key',
  'service_tier',
]);

/** Deeper than any real request; bounds recursion so a hostile body cannot overflow the stack. */
const MAX_DEPTH = 64;

/** Bumped whenever the canonical form changes, so keys from an older form never match. */
const KEY_VERSION = 'bb-cache-v1';

/** Options of {@link cacheKey}. */
export interface CacheKeyOptions {
  /**
   * Mixed into the key so answers are never shared across scopes: a tenant, a virtual key or a
   * model alias table version. Two requests with different scopes never share an entry.
   * @default '' (one shared scope)
   */
  readonly scope?: string;
}

/** Thrown internally when a value has no canonical JSON form; never escapes {@link cacheKey}. */
class Unkeyable extends Error {}

/**
 * The cache key of a chat completion request body.
 *
 * Top-level fields set to `null` count as absent (the OpenAI API treats a `null` optional
 * parameter as not given); nested `null`s are kept (an assistant message's `content: null` is
 * content). Properties whose value is `undefined` are ignored at every depth, as `JSON.stringify`
 * does.
 *
 * @param body the parsed JSON request body.
 * @returns a base64url SHA-256 digest (43 characters), or `undefined` when the body cannot be
 *   keyed: not a plain object, no string `model`, no array `messages`, or a value with no exact
 *   JSON form (`NaN`, `Infinity`, a bigint, a function, a symbol, a cycle, nesting deeper than 64).
 */
export function cacheKey(
  body: Record<string, unknown>,
  options: CacheKeyOptions = {},
): string | undefined {
  if (!isPlainObject(body)) return undefined;
  if (typeof body.model !== 'string' || body.model === '') return undefined;
  if (!Array.isArray(body.messages)) return undefined;
  let canonical: string;
  try {
    canonical = canonicalRequest(body);
  } catch (e) {
    if (e instanceof Unkeyable) return undefined;
    throw e;
  }
  return createHash('sha256')
    .update(KEY_VERSION)
    .update('\n')
    .update(JSON.stringify(options.scope ?? ''))
    .update('\n')
    .update(canonical)
    .digest('base64url');
}

/**
 * The canonical text hashed by {@link cacheKey}, exported for tests and debugging. Never log it:
 * it contains the prompt.
 *
 * @throws Error when the body has no canonical form (see {@link cacheKey}).
 */
export function canonicalRequest(body: Record<string, unknown>): string {
  const keys = Object.keys(body)
    .filter((k) => !EXCLUDED_FIELDS.has(k) && body[k] !== null && body[k] !== undefined)
    .sort();
  const parts: string[] = [];
  const path = new Set<object>([body]);
  for (const k of keys) {
    parts.push(`${JSON.stringify(k)}:${canonical(body[k], 1, path)}`);
  }
  return `{${parts.join(',')}}`;
}

function canonical(value: unknown, depth: number, path: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new Unkeyable('non-finite number');
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      return canonicalObject(value, depth, path);
    case 'undefined':
    case 'bigint':
    case 'function':
    case 'symbol':
      throw new Unkeyable(`no JSON form for ${typeof value}`);
  }
}

function canonicalObject(value: object, depth: number, path: Set<object>): string {
  if (depth > MAX_DEPTH) throw new Unkeyable('nested too deep');
  // `path` holds the ancestors only, so a shared (non-cyclic) sub-object is fine.
  if (path.has(value)) throw new Unkeyable('cycle');
  path.add(value);
  let out: string;
  if (Array.isArray(value)) {
    const items: string[] = [];
    // JSON.stringify writes `undefined` items and holes as null; do the same so the key matches
    // what would be sent on the wire.
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      items.push(item === undefined ? 'null' : canonical(item, depth + 1, path));
    }
    out = `[${items.join(',')}]`;
  } else if (isPlainObject(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    const fields = keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k], depth + 1, path)}`);
    out = `{${fields.join(',')}}`;
  } else {
    // Dates, Maps, class instances: their JSON form depends on toJSON/enumerability, not worth
    // guessing for a parsed request body, which never holds them.
    throw new Unkeyable('not a plain object');
  }
  path.delete(value);
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
