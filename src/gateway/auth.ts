/**
 * Client and admin keys. Keys are kept only as SHA-256 digests and compared with
 * `timingSafeEqual` over the digests, so neither a key's content nor its length leaks through
 * timing; every configured key is compared on every call (no early exit on a match). A key is
 * never logged, counted or echoed: callers are identified by the key's *name*.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** A client key as configured: the key alone, or with a name and per-key limits. */
export type ClientKeyConfig =
  | string
  | {
      readonly key: string;
      /** Shown in logs, metrics and the ledger instead of the key. @default `key-<n>` */
      readonly name?: string;
      /** Requests per minute for this key. @default unlimited */
      readonly rpm?: number;
      /** USD this key may spend per UTC day. @default unlimited */
      readonly budgetUsdPerDay?: number;
    };

/** A caller the gateway recognised. */
export interface ClientIdentity {
  /** The key's name (never the key). */
  readonly name: string;
  readonly rpm: number | undefined;
  readonly budgetUsdPerDay: number | undefined;
}

interface StoredKey {
  readonly digest: Buffer;
  readonly identity: ClientIdentity;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** The set of client keys, matched in constant time. */
export class KeyRing {
  readonly #keys: StoredKey[];

  /** @param keys as configured; each string key is named `key-<n>` (1-based). */
  constructor(keys: readonly ClientKeyConfig[]) {
    this.#keys = keys.map((k, i) => {
      const spec = typeof k === 'string' ? { key: k } : k;
      return {
        digest: digest(spec.key),
        identity: {
          name: spec.name ?? `key-${i + 1}`,
          rpm: spec.rpm,
          budgetUsdPerDay: spec.budgetUsdPerDay,
        },
      };
    });
  }

  /** Number of configured keys (0: the gateway is open, loopback only). */
  get size(): number {
    return this.#keys.length;
  }

  /** Every identity, for building per-key limiters. */
  get identities(): readonly ClientIdentity[] {
    return this.#keys.map((k) => k.identity);
  }

  /** The identity whose key equals `presented`, or undefined. */
  match(presented: string): ClientIdentity | undefined {
    const d = digest(presented);
    let found: ClientIdentity | undefined;
    // No early exit: the time taken does not depend on which key (if any) matched.
    for (const k of this.#keys) {
      if (timingSafeEqual(k.digest, d) && found === undefined) found = k.identity;
    }
    return found;
  }
}

/** Compares a presented secret with one expected secret in constant time. */
export function secretEquals(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

/**
 * The key a request presents: `Authorization: Bearer <key>` or the Azure-style `api-key` header.
 * @returns undefined when neither is present
 */
export function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  if (auth !== undefined) {
    const space = auth.indexOf(' ');
    if (space > 0 && auth.slice(0, space).toLowerCase() === 'bearer') {
      const key = auth.slice(space + 1).trim();
      if (key.length > 0) return key;
    }
  }
  const apiKey = headers['api-key'];
  if (typeof apiKey === 'string' && apiKey.length > 0) return apiKey;
  return undefined;
}

/** Name of the dashboard session cookie. */
export const SESSION_COOKIE = 'breakerbox_admin';

/**
 * The dashboard cookie's value: an HMAC of a fixed label under the admin key. It proves the
 * visitor knew the admin key without storing the key in the browser; changing the admin key
 * invalidates every cookie.
 */
export function sessionToken(adminKey: string): string {
  return createHmac('sha256', adminKey).update('breakerbox-dashboard-session-v1').digest('hex');
}

/** The value of cookie `name` in a `Cookie` header, if present. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Whether `host` is a loopback address or name: 127.0.0.0/8, ::1 (and its IPv4-mapped form),
 * or `localhost`.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice('::ffff:'.length) : h;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}
