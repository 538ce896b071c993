/**
 * The route table: method and path to a route id. Plain string checks, no regex engine on the
 * hot path; the admin paths carry a deployment id that itself contains `/` (`provider/model`).
 */

/** Every route the gateway serves. */
export type RouteId =
  | 'chat'
  | 'embeddings'
  | 'models'
  | 'model'
  | 'metrics'
  | 'healthz'
  | 'readyz'
  | 'circuits'
  | 'circuit-action'
  | 'dashboard'
  | 'dashboard-events';

/** What an operator can do to one circuit. `close` is the same as `reset`. */
export type CircuitAction = 'open' | 'close' | 'reset' | 'disable';

/** A matched route and the values taken from its path. */
export interface RouteMatch {
  readonly id: RouteId;
  /** `/v1/models/{id}`: the model id. `/admin/circuits/{name}/{action}`: the circuit name. */
  readonly name?: string;
  readonly action?: CircuitAction;
}

/** The result of resolving a request line. */
export type Resolution =
  | { readonly kind: 'match'; readonly route: RouteMatch }
  | { readonly kind: 'wrong-method'; readonly allow: string }
  | { readonly kind: 'not-found' };

const FIXED: ReadonlyMap<string, { method: string; id: RouteId }> = new Map([
  ['/v1/chat/completions', { method: 'POST', id: 'chat' }],
  ['/v1/embeddings', { method: 'POST', id: 'embeddings' }],
  ['/v1/models', { method: 'GET', id: 'models' }],
  ['/metrics', { method: 'GET', id: 'metrics' }],
  ['/healthz', { method: 'GET', id: 'healthz' }],
  ['/readyz', { method: 'GET', id: 'readyz' }],
  ['/admin/circuits', { method: 'GET', id: 'circuits' }],
  ['/dashboard', { method: 'GET', id: 'dashboard' }],
  ['/dashboard/events', { method: 'GET', id: 'dashboard-events' }],
]);

const ACTIONS: ReadonlySet<string> = new Set(['open', 'close', 'reset', 'disable']);
const MODEL_PREFIX = '/v1/models/';
const CIRCUIT_PREFIX = '/admin/circuits/';

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

function allows(method: string, expected: string): boolean {
  return method === expected || (expected === 'GET' && method === 'HEAD');
}

function checked(method: string, expected: string, route: RouteMatch): Resolution {
  return allows(method, expected)
    ? { kind: 'match', route }
    : { kind: 'wrong-method', allow: expected === 'GET' ? 'GET, HEAD' : expected };
}

/** Resolves `method` and `path` (without the query string). A trailing `/` is ignored. */
export function resolveRoute(method: string, rawPath: string): Resolution {
  const path = rawPath.length > 1 && rawPath.endsWith('/') ? rawPath.slice(0, -1) : rawPath;
  const fixed = FIXED.get(path);
  if (fixed) return checked(method, fixed.method, { id: fixed.id });
  if (path.startsWith(MODEL_PREFIX) && path.length > MODEL_PREFIX.length) {
    const name = safeDecode(path.slice(MODEL_PREFIX.length));
    if (name === undefined) return { kind: 'not-found' };
    return checked(method, 'GET', { id: 'model', name });
  }
  if (path.startsWith(CIRCUIT_PREFIX)) {
    const rest = path.slice(CIRCUIT_PREFIX.length);
    const slash = rest.lastIndexOf('/');
    const action = rest.slice(slash + 1);
    if (slash <= 0 || !ACTIONS.has(action)) return { kind: 'not-found' };
    const name = safeDecode(rest.slice(0, slash));
    if (name === undefined) return { kind: 'not-found' };
    return checked(method, 'POST', {
      id: 'circuit-action',
      name,
      action: action as CircuitAction,
    });
  }
  return { kind: 'not-found' };
}

/** Splits a request target into path and query string (without `?`). */
export function splitTarget(target: string): { path: string; query: string } {
  const q = target.indexOf('?');
  return q < 0
    ? { path: target, query: '' }
    : { path: target.slice(0, q), query: target.slice(q + 1) };
}
