/**
 * The dashboard's live feed: `/dashboard/events` is an SSE stream of `snapshot` events, pushed
 * every `intervalMs` and (coalesced) on each circuit transition. One timer serves every viewer and
 * runs only while someone watches; a slow viewer is skipped (never buffered without bound).
 */
import type { ServerResponse } from 'node:http';
import { DASHBOARD_HTML } from './dashboard-page.js';

/** One deployment's card. */
export interface DashboardDeployment {
  readonly id: string;
  readonly model: string;
  readonly provider: string;
  readonly state: string;
  readonly calls: number;
  /** Successes over finished calls (0..1); null before the first call. */
  readonly successRate: number | null;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly spendUsd: number;
}

/** One circuit transition on the timeline. */
export interface DashboardTransition {
  readonly deployment: string;
  readonly from: string;
  readonly to: string;
  readonly reason: string;
  readonly atEpochMs: number;
}

/** Requests for model `from` answered by model `to`. */
export interface DashboardFlow {
  readonly from: string;
  readonly to: string;
  readonly count: number;
}

/** What the page renders. Plain data, no secrets (no keys, no key names). */
export interface DashboardSnapshot {
  readonly atEpochMs: number;
  readonly deployments: readonly DashboardDeployment[];
  readonly transitions: readonly DashboardTransition[];
  readonly flows: readonly DashboardFlow[];
  readonly totals: { readonly requests: number; readonly errors: number; readonly costUsd: number };
}

/** Options of {@link DashboardFeed}. */
export interface DashboardFeedOptions {
  /** Builds the current snapshot. */
  readonly snapshot: () => DashboardSnapshot;
  /** Push interval, ms. @default 1000 */
  readonly intervalMs?: number;
}

/** The page's response headers: no external loads allowed, even by mistake. */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; " +
    "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** The dashboard page. */
export function dashboardHtml(): string {
  return DASHBOARD_HTML;
}

/** Viewers of `/dashboard/events` and the timer that feeds them. */
export class DashboardFeed {
  readonly #snapshot: () => DashboardSnapshot;
  readonly #intervalMs: number;
  readonly #viewers = new Set<ServerResponse>();
  #timer: NodeJS.Timeout | undefined;
  #pushQueued = false;
  #closed = false;

  constructor(options: DashboardFeedOptions) {
    this.#snapshot = options.snapshot;
    this.#intervalMs = options.intervalMs ?? 1000;
  }

  /** Number of connected viewers. */
  get viewers(): number {
    return this.#viewers.size;
  }

  /** Adopts an SSE response: sends the headers and a first snapshot, then keeps it fed. */
  attach(res: ServerResponse, headers: Record<string, string>): void {
    if (this.#closed) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('shutting down');
      return;
    }
    res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    });
    // Tells EventSource to wait 2 s before reconnecting after a drop.
    res.write('retry: 2000\n\n');
    this.#viewers.add(res);
    res.on('close', () => {
      this.#viewers.delete(res);
      if (this.#viewers.size === 0) this.#stopTimer();
    });
    this.#send(res, this.#frame());
    this.#startTimer();
  }

  /** Pushes a fresh snapshot soon (coalesces bursts of transitions into one push). */
  poke(): void {
    if (this.#pushQueued || this.#viewers.size === 0) return;
    this.#pushQueued = true;
    setImmediate(() => {
      this.#pushQueued = false;
      this.#pushAll();
    });
  }

  /** Ends every viewer's stream and stops the timer. */
  close(): void {
    this.#closed = true;
    this.#stopTimer();
    for (const res of this.#viewers) res.end();
    this.#viewers.clear();
  }

  #frame(): string {
    return `event: snapshot\ndata: ${JSON.stringify(this.#snapshot())}\n\n`;
  }

  #pushAll(): void {
    if (this.#viewers.size === 0) return;
    const frame = this.#frame();
    for (const res of this.#viewers) this.#send(res, frame);
  }

  #send(res: ServerResponse, frame: string): void {
    // A viewer whose socket buffer is still full misses this frame; the next one replaces it.
    if (res.writableNeedDrain || res.destroyed) return;
    res.write(frame);
  }

  #startTimer(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      this.#pushAll();
    }, this.#intervalMs);
    this.#timer.unref();
  }

  #stopTimer(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
