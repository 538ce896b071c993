/**
 * Cross-site and DNS-rebinding protection, checked on every request before its route.
 *
 * In local open mode (loopback, no client key) any web page the developer visits could otherwise
 * POST to `/v1/chat/completions` and spend their provider credit, or force circuits open:
 *
 * - **Host**: a DNS-rebinding page reaches 127.0.0.1 under its own name, so its requests carry
 *   `Host: evil.example:8787`. Only the bound address, `localhost`, `127.0.0.1` and `[::1]` on the
 *   gateway's port, and the names in `server.allowedHosts`, are accepted. A gateway bound to a
 *   non-loopback address (which always has client keys) checks `Host` only when `allowedHosts`
 *   is set: behind a proxy or a load balancer the names are the operator's to list.
 * - **Origin**: browsers send it on every cross-origin request and on every POST. It must be the
 *   gateway's own origin (the dashboard) or one of `server.cors.origins`; requests without one
 *   (the SDKs, curl) are not browser requests and pass.
 * - **Content-Type**: a POST with a body must say `application/json`. A form or a `text/plain`
 *   fetch, the "simple" requests a browser sends cross-site without a preflight, gets 415.
 * - **CORS** is opt-in: an allowed origin gets `Access-Control-Allow-Origin` on its answers and
 *   a 204 to its preflight; any other preflight is refused.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpRefusedError } from '../core/index.js';
import { isLoopbackHost } from './auth.js';

/** Options of {@link RequestGuard}. */
export interface RequestGuardOptions {
  /** The address the gateway binds. */
  readonly host: string;
  /** The port it listens on (known once it listens). */
  readonly port: () => number;
  /** `server.allowedHosts`: `name` (any port) or `name:port`. */
  readonly allowedHosts: readonly string[];
  /** `server.cors.origins`. */
  readonly corsOrigins: readonly string[];
}

/** What the guard decided about a request. */
export type GuardVerdict = 'pass' | 'preflight';

/** Headers a browser script may read on a cross-origin answer. */
const EXPOSED_HEADERS = [
  'x-request-id',
  'retry-after',
  'retry-after-ms',
  'x-should-retry',
  'x-breakerbox-deployment',
  'x-breakerbox-model',
  'x-breakerbox-fallback',
  'x-breakerbox-attempts',
  'x-breakerbox-cached',
].join(', ');

/** A header list as browsers send it in `Access-Control-Request-Headers`. */
const HEADER_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/;
const MAX_REQUEST_HEADERS_LENGTH = 2048;
/** How long a browser may cache a preflight answer, s. */
const PREFLIGHT_MAX_AGE_S = '600';

/** Splits `name`, `name:port`, `[v6]` or `[v6]:port` into a lowercase name and a port. */
function splitHost(value: string): { name: string; port: string | undefined } {
  const v = value.trim().toLowerCase();
  if (v.startsWith('[')) {
    const end = v.indexOf(']');
    if (end < 0) return { name: v, port: undefined };
    const rest = v.slice(end + 1);
    return { name: v.slice(0, end + 1), port: rest.startsWith(':') ? rest.slice(1) : undefined };
  }
  const colon = v.lastIndexOf(':');
  return colon < 0
    ? { name: v, port: undefined }
    : { name: v.slice(0, colon), port: v.slice(colon + 1) };
}

/** The address as it appears in a `Host` header (`[::1]` for IPv6). */
function hostForm(address: string): string {
  const a = address.toLowerCase();
  return a.includes(':') && !a.startsWith('[') ? `[${a}]` : a;
}

/** Decides whether a request may proceed, and adds the CORS headers it needs. */
export class RequestGuard {
  readonly #port: () => number;
  /** Names accepted on the gateway's own port. */
  readonly #local: ReadonlySet<string>;
  /** Configured names: any port, or exact `name:port`. */
  readonly #anyPort: ReadonlySet<string>;
  readonly #exact: ReadonlySet<string>;
  readonly #checkHost: boolean;
  readonly #cors: ReadonlySet<string>;
  /**
   * The last `Host` value accepted, and the port it was accepted on: clients send the same
   * value on every request, so it is parsed once rather than split and lowercased each time.
   */
  #lastHost: string | undefined;
  #lastHostPort = 0;

  constructor(options: RequestGuardOptions) {
    this.#port = options.port;
    this.#local = new Set(['localhost', '127.0.0.1', '[::1]', hostForm(options.host)]);
    const anyPort = new Set<string>();
    const exact = new Set<string>();
    for (const entry of options.allowedHosts) {
      const { name, port } = splitHost(entry);
      if (port === undefined) anyPort.add(name);
      else exact.add(`${name}:${port}`);
    }
    this.#anyPort = anyPort;
    this.#exact = exact;
    this.#checkHost = isLoopbackHost(options.host) || options.allowedHosts.length > 0;
    this.#cors = new Set(options.corsOrigins.map((o) => o.toLowerCase()));
  }

  /**
   * Checks `Host` and `Origin`; answers a CORS preflight (returns `'preflight'` once it has);
   * adds `Access-Control-Allow-Origin` for an allowed cross-origin caller.
   * @throws HttpRefusedError `host_not_allowed` or `origin_not_allowed` (403)
   */
  check(req: IncomingMessage, res: ServerResponse): GuardVerdict {
    const host = req.headers.host;
    if (this.#checkHost && !this.isAllowedHost(host)) {
      throw new HttpRefusedError({
        code: 'host_not_allowed',
        param: 'host',
        message:
          `The Host header ${host === undefined ? 'is missing' : `'${host.slice(0, 100)}'`}: ` +
          'this gateway answers only to its own address, localhost, 127.0.0.1 and [::1] ' +
          '(a guard against DNS rebinding). Add the name to server.allowedHosts to allow it.',
      });
    }
    const origin = req.headers.origin;
    if (origin === undefined) return 'pass';
    const cross = !this.#isSameOrigin(origin, host);
    if (cross && !this.#cors.has(origin.toLowerCase())) {
      throw new HttpRefusedError({
        code: 'origin_not_allowed',
        param: 'origin',
        message:
          `The Origin header '${origin.slice(0, 100)}' is not allowed: browsers on other sites ` +
          'may not call this gateway. List the origin in server.cors.origins to allow it.',
      });
    }
    if (cross) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
      res.setHeader('vary', 'Origin');
    }
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
      this.#preflight(req, res);
      return 'preflight';
    }
    return 'pass';
  }

  /** Whether a `Host` header value is accepted. */
  isAllowedHost(value: string | undefined): boolean {
    if (value === undefined) return false;
    const own = this.#port();
    if (value === this.#lastHost && own === this.#lastHostPort) return true;
    if (!this.#allowsHost(value, own)) return false;
    this.#lastHost = value;
    this.#lastHostPort = own;
    return true;
  }

  #allowsHost(value: string, own: number): boolean {
    const { name, port } = splitHost(value);
    // No port in Host means the scheme's default: 80 for the plain HTTP the gateway speaks.
    if (this.#local.has(name) && (port ?? '80') === String(own)) return true;
    if (this.#anyPort.has(name)) return true;
    return port !== undefined && this.#exact.has(`${name}:${port}`);
  }

  /** The page's origin is the gateway's own (same scheme-less authority as `Host`). */
  #isSameOrigin(origin: string, host: string | undefined): boolean {
    if (host === undefined) return false;
    const sep = origin.indexOf('://');
    if (sep < 0) return false;
    const scheme = origin.slice(0, sep).toLowerCase();
    if (scheme !== 'http' && scheme !== 'https') return false;
    return origin.slice(sep + 3).toLowerCase() === host.toLowerCase();
  }

  #preflight(req: IncomingMessage, res: ServerResponse): void {
    const asked = req.headers['access-control-request-headers'];
    const headers: Record<string, string> = {
      'access-control-allow-methods': 'GET, HEAD, POST',
      'access-control-max-age': PREFLIGHT_MAX_AGE_S,
      'content-length': '0',
    };
    if (
      typeof asked === 'string' &&
      asked.length <= MAX_REQUEST_HEADERS_LENGTH &&
      HEADER_LIST.test(asked)
    ) {
      headers['access-control-allow-headers'] = asked;
    } else {
      headers['access-control-allow-headers'] = 'authorization, api-key, content-type';
    }
    res.writeHead(204, headers);
    res.end();
  }
}

/**
 * Refuses a POST body that is not JSON: a body (a length or chunked encoding) with any
 * `Content-Type` but `application/json` (parameters such as `charset` allowed), or with none.
 * A POST without a body (`curl -X POST` on an admin action) passes.
 * @throws HttpRefusedError `unsupported_media_type` (415)
 */
export function checkJsonBody(req: IncomingMessage): void {
  const type = req.headers['content-type'];
  if (type === 'application/json') return;
  const length = req.headers['content-length'];
  const hasBody =
    req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  if (type === undefined && !hasBody) return;
  const media = (type ?? '').split(';')[0]?.trim().toLowerCase();
  if (media === 'application/json') return;
  throw new HttpRefusedError({
    code: 'unsupported_media_type',
    param: 'content-type',
    message:
      `The Content-Type header ${type === undefined ? 'is missing' : `'${type.slice(0, 100)}'`}: ` +
      'request bodies must be JSON, sent with Content-Type: application/json.',
  });
}
