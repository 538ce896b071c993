/**
 * The gateway's route table: the OpenAI routes under `/v1` (the engine's table, the same one
 * `bb.fetch` serves), plus the gateway's own ops and admin routes. Plain string checks, no regex
 * engine on the hot path; the admin paths carry a deployment id that itself contains `/`
 * (`provider/model`).
 */
import { checkMethod, resolveOpenAIRoute, safeDecode } from '../engine/index.js';
import type { OpenAIRouteId, RouteResolution } from '../engine/index.js';

/** Every route the gateway serves. */
export type RouteId =
  | OpenAIRouteId
  | 'metrics'
  | 'healthz'
  | 'readyz'
  | 'circuits'
  | 'circuit-action'
  | 'reload'
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
export type Resolution = RouteResolution<RouteMatch>;

const FIXED: ReadonlyMap<string, { method: string; id: RouteId }> = new Map([
  ['/metrics', { method: 'GET', id: 'metrics' }],
  ['/healthz', { method: 'GET', id: 'healthz' }],
  ['/readyz', { method: 'GET', id: 'readyz' }],
  ['/admin/circuits', { method: 'GET', id: 'circuits' }],
  ['/admin/reload', { method: 'POST', id: 'reload' }],
  ['/dashboard', { method: 'GET', id: 'dashboard' }],
  ['/dashboard/events', { method: 'GET', id: 'dashboard-events' }],
]);

const ACTIONS: ReadonlySet<string> = new Set(['open', 'close', 'reset', 'disable']);
/** The OpenAI API base: the SDK's `baseURL` is `<gateway>/v1`. */
const API_BASE = '/v1';
const CIRCUIT_PREFIX = '/admin/circuits/';

function circuitAction(method: string, path: string): Resolution {
  const rest = path.slice(CIRCUIT_PREFIX.length);
  const slash = rest.lastIndexOf('/');
  const action = rest.slice(slash + 1);
  if (slash <= 0 || !ACTIONS.has(action)) return { kind: 'not-found' };
  const name = safeDecode(rest.slice(0, slash));
  if (name === undefined) return { kind: 'not-found' };
  return checkMethod(method, 'POST', {
    id: 'circuit-action',
    name,
    action: action as CircuitAction,
  });
}

/** Resolves `method` and `path` (without the query string). A trailing `/` is ignored. */
export function resolveRoute(method: string, rawPath: string): Resolution {
  if (rawPath.startsWith(`${API_BASE}/`)) {
    return resolveOpenAIRoute(method, rawPath.slice(API_BASE.length));
  }
  const path = rawPath.length > 1 && rawPath.endsWith('/') ? rawPath.slice(0, -1) : rawPath;
  const fixed = FIXED.get(path);
  if (fixed) return checkMethod(method, fixed.method, { id: fixed.id });
  if (path.startsWith(CIRCUIT_PREFIX)) return circuitAction(method, path);
  return { kind: 'not-found' };
}

/** Splits a request target into path and query string (without `?`). */
export function splitTarget(target: string): { path: string; query: string } {
  const q = target.indexOf('?');
  return q < 0
    ? { path: target, query: '' }
    : { path: target.slice(0, q), query: target.slice(q + 1) };
}
