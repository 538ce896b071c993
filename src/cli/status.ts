/**
 * `breakerbox status`: the circuits of a running gateway, from its `GET /admin/circuits`, as a
 * table (or the raw JSON with `--json`).
 */
import { duration, makeTable, paint, percent, stateStyle } from './format.js';
import type { Output } from './format.js';

/** Options of {@link runStatus}. */
export interface StatusOptions {
  /** The gateway's base URL (a trailing `/v1` is ignored). @default 'http://127.0.0.1:8787' */
  readonly url?: string;
  /** The admin key. @default env BREAKERBOX_ADMIN_KEY */
  readonly adminKey?: string;
  /** Print the circuits as JSON. @default false */
  readonly json?: boolean;
  /** Give up on the gateway after this long, ms. @default 5000 */
  readonly timeoutMs?: number;
}

/** The fields of one circuit this command reads (the admin API sends a full breaker snapshot). */
export interface CircuitView {
  readonly name: string;
  readonly model?: string;
  readonly state: string;
  readonly atEpochMs?: number;
  readonly consecutiveFailures?: number;
  readonly nextProbeAtEpochMs?: number | null;
  readonly retryAfterMs?: number;
  readonly window?: { calls: number; failures: number; failureRate: number } | null;
  readonly totals?: { calls: number; successes: number; failures: number; rejections: number };
}

/** `http://h:p/v1/` → `http://h:p`. */
export function gatewayBase(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/v1$/, '');
}

/** `provider/model`, with the logical model added when the upstream name differs. */
function deploymentCell(c: CircuitView): string {
  return c.model === undefined || c.name.endsWith(`/${c.model}`)
    ? c.name
    : `${c.name} (${c.model})`;
}

/** How long until the circuit admits calls again. */
function retryAfterCell(c: CircuitView): string {
  if (c.state === 'forced-open') return 'until reset';
  return c.retryAfterMs !== undefined && c.retryAfterMs > 0 ? duration(c.retryAfterMs) : '-';
}

/**
 * Renders the circuits. The next probe is timed from each snapshot's own `atEpochMs` (the
 * gateway's clock), falling back to `nowEpochMs`, so a skewed local clock does not shift it.
 * The sliding-window column appears only when some circuit trips on a failure rate.
 */
export function renderCircuits(
  circuits: readonly CircuitView[],
  nowEpochMs: number,
  color: boolean,
): string {
  const hasWindow = circuits.some((c) => c.window != null);
  const head = ['deployment', 'state', 'calls', 'failures', 'in a row'];
  if (hasWindow) head.push('window failures');
  head.push('rejected', 'retry-after', 'next probe');
  const align = head.map((_, i) => (i < 2 ? ('left' as const) : ('right' as const)));
  const table = makeTable(head, align, color);
  for (const c of circuits) {
    const probe = c.nextProbeAtEpochMs ?? null;
    const row = [
      deploymentCell(c),
      paint(color, stateStyle(c.state), c.state),
      String(c.totals?.calls ?? '-'),
      String(c.totals?.failures ?? '-'),
      String(c.consecutiveFailures ?? '-'),
    ];
    if (hasWindow) {
      row.push(c.window ? `${percent(c.window.failureRate, 0)} of ${c.window.calls}` : '-');
    }
    row.push(
      String(c.totals?.rejections ?? '-'),
      retryAfterCell(c),
      probe === null ? '-' : `in ${duration(Math.max(0, probe - (c.atEpochMs ?? nowEpochMs)))}`,
    );
    table.push(row);
  }
  return table.toString();
}

function errorMessage(body: unknown): string | undefined {
  const m = (body as { error?: { message?: unknown } } | null)?.error?.message;
  return typeof m === 'string' ? m : undefined;
}

/**
 * Fetches and prints the circuits.
 * @returns the exit code: 0, 1 when the gateway cannot be reached or refuses
 */
export async function runStatus(options: StatusOptions, output: Output): Promise<number> {
  const base = gatewayBase(options.url ?? 'http://127.0.0.1:8787');
  const key = options.adminKey ?? process.env.BREAKERBOX_ADMIN_KEY;
  let response: Response;
  try {
    response = await fetch(`${base}/admin/circuits`, {
      headers: key === undefined || key === '' ? {} : { authorization: `Bearer ${key}` },
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: unknown } }).cause?.code;
    output.err(
      `cannot reach the gateway at ${base}: ${typeof cause === 'string' ? cause : (error as Error).message}`,
    );
    return 1;
  }
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const hint =
      response.status === 401 || response.status === 403
        ? ' (pass --admin-key or set BREAKERBOX_ADMIN_KEY)'
        : '';
    output.err(
      `${base}/admin/circuits answered ${response.status}: ${errorMessage(body) ?? 'no message'}${hint}`,
    );
    return 1;
  }
  const circuits = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(circuits)) {
    output.err(
      `${base}/admin/circuits did not answer a list of circuits: is this a breakerbox gateway?`,
    );
    return 1;
  }
  const store = (body as { stateStore?: StateStoreView }).stateStore;
  if (options.json === true) {
    output.out(JSON.stringify(circuits, null, 2));
    return 0;
  }
  const views = circuits as CircuitView[];
  output.out(renderCircuits(views, Date.now(), output.color));
  const open = views.filter((c) => c.state !== 'closed').length;
  output.out(`${views.length} circuits, ${open} not closed (${base})`);
  if (store !== undefined) output.out(renderFleet(store, output.color));
  return 0;
}

/** The `stateStore` part of `/admin/circuits` on a replica of a fleet. */
export interface StateStoreView {
  readonly replicaId: string;
  readonly mode: 'shared' | 'local';
  readonly reason?: string | null;
  readonly fleet?: readonly { replicaId: string; lastSeenMsAgo: number; inStep: boolean }[];
}

/** The fleet as the asked replica sees it: whether it is in step with Redis, and every replica. */
export function renderFleet(store: StateStoreView, color: boolean): string {
  const lines = [
    store.mode === 'shared'
      ? `fleet: ${store.replicaId} is in step with Redis (state shared)`
      : `fleet: ${paint(color, 'red', `${store.replicaId} runs alone`)}: Redis unreachable (${store.reason ?? 'no reason given'})`,
  ];
  const fleet = store.fleet ?? [];
  if (fleet.length > 0) {
    const table = makeTable(['replica', 'last sync', 'in step'], ['left', 'right', 'left'], color);
    for (const r of fleet) {
      table.push([
        r.replicaId === store.replicaId ? `${r.replicaId} (this one)` : r.replicaId,
        `${duration(r.lastSeenMsAgo)} ago`,
        r.inStep ? 'yes' : paint(color, 'red', 'no'),
      ]);
    }
    lines.push(table.toString());
  }
  return lines.join('\n');
}
