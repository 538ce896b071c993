/**
 * Who may call what.
 *
 * - Model routes (`/v1/*`): a configured client key (`Authorization: Bearer` or `api-key`).
 *   With no client key configured the gateway is open, and then it only ever binds loopback.
 * - Admin routes (`/admin/*`) and the dashboard: the admin key, a separate secret. Without an
 *   admin key they are refused (403), except in local open mode (loopback bind and no client
 *   keys), where anyone who can reach the port already has the whole gateway.
 * - The dashboard page and its event stream also accept a session cookie, set by visiting
 *   `/dashboard?key=<admin key>` once (then redirected to `/dashboard`, so the key leaves the
 *   address bar and history). The cookie holds an HMAC derived from the admin key, not the key.
 */
import type { IncomingMessage } from 'node:http';
import { ConfigError, InvalidApiKeyError } from '../core/index.js';
import {
  KeyRing,
  SESSION_COOKIE,
  cookieValue,
  isLoopbackHost,
  presentedKey,
  secretEquals,
  sessionToken,
} from './auth.js';
import type { ClientIdentity, ClientKeyConfig } from './auth.js';
import { HttpError } from './http-error.js';

/** Options of {@link Access}. */
export interface AccessOptions {
  readonly host: string;
  readonly clientKeys: readonly ClientKeyConfig[];
  readonly adminKey: string | undefined;
}

/** Authentication decisions for one gateway. */
export class Access {
  readonly keys: KeyRing;
  readonly #adminKey: string | undefined;
  readonly #session: string | undefined;
  /** No client keys and a loopback bind: everything is open to whoever can reach the port. */
  readonly openMode: boolean;

  /** @throws ConfigError when no client key is configured and `host` is not loopback */
  constructor(options: AccessOptions) {
    this.keys = new KeyRing(options.clientKeys);
    if (this.keys.size === 0 && !isLoopbackHost(options.host)) {
      throw new ConfigError([
        {
          path: 'server.host',
          message:
            `refusing to listen on ${options.host} with no client key: anyone who can reach it ` +
            'could spend your provider keys. Set server.clientKeys (e.g. ["${BREAKERBOX_KEY}"]), ' +
            'or bind 127.0.0.1 / ::1 / localhost.',
        },
      ]);
    }
    const adminKey = options.adminKey === '' ? undefined : options.adminKey;
    this.#adminKey = adminKey;
    this.#session = adminKey === undefined ? undefined : sessionToken(adminKey);
    this.openMode = this.keys.size === 0;
  }

  /** Whether an admin key is configured. */
  get hasAdminKey(): boolean {
    return this.#adminKey !== undefined;
  }

  /**
   * The caller of a model route, or undefined in open mode.
   * @throws InvalidApiKeyError (401) when the key is missing or wrong
   */
  client(req: IncomingMessage): ClientIdentity | undefined {
    if (this.openMode) return undefined;
    const key = presentedKey(req.headers);
    if (key === undefined) {
      throw new InvalidApiKeyError(
        "You didn't provide an API key. Send it as 'Authorization: Bearer <key>' or in an 'api-key' header.",
      );
    }
    const id = this.keys.match(key);
    if (id === undefined) throw new InvalidApiKeyError('Incorrect API key provided.');
    return id;
  }

  /**
   * Checks admin access. `allowCookie` admits the dashboard session cookie too.
   * @throws HttpError 403 when admin access is disabled, 401 when the admin key is missing or wrong
   */
  admin(req: IncomingMessage, allowCookie = false): void {
    if (this.#adminKey === undefined) {
      if (this.openMode) return;
      throw new HttpError(
        403,
        new InvalidApiKeyError(
          'The admin API is disabled: no admin key is configured (server.adminKey).',
        ),
      );
    }
    const key = presentedKey(req.headers);
    if (key !== undefined && secretEquals(key, this.#adminKey)) return;
    if (allowCookie && this.#session !== undefined) {
      const cookie = cookieValue(req.headers.cookie, SESSION_COOKIE);
      if (cookie !== undefined && secretEquals(cookie, this.#session)) return;
    }
    throw new InvalidApiKeyError(
      key === undefined ? 'This route needs the admin key.' : 'Incorrect admin key provided.',
    );
  }

  /** Whether the request presents the admin key (false when none is configured). */
  isAdmin(req: IncomingMessage): boolean {
    if (this.#adminKey === undefined) return false;
    const key = presentedKey(req.headers);
    return key !== undefined && secretEquals(key, this.#adminKey);
  }

  /**
   * For `/dashboard?key=…`: the `Set-Cookie` value when `key` is the admin key, else undefined.
   */
  sessionCookieFor(key: string): string | undefined {
    if (this.#adminKey === undefined || this.#session === undefined) return undefined;
    if (!secretEquals(key, this.#adminKey)) return undefined;
    return `${SESSION_COOKIE}=${this.#session}; HttpOnly; SameSite=Strict; Path=/dashboard`;
  }
}
