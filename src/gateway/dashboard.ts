/**
 * The dashboard's live feed: `/dashboard/events` is an SSE stream of `snapshot` events, pushed
 * every `intervalMs` and (coalesced) on each circuit transition. One timer serves every viewer and
 * runs only while someone watches; a slow viewer is skipped (never buffered without bound).
 *
 * Each snapshot is small (cards, totals, the live bucket). The 15-minute history rides along only
 * when a viewer has not seen its current version (a bucket closed or a circuit moved since), so a
 * page left open costs about one history every 10 s plus a snapshot a second.
 */
import type { ServerResponse } from 'node:http';
import { DASHBOARD_HTML } from './dashboard-page.js';
import type { DashboardBucket, DashboardHistoryJson } from './dashboard-history.js';

export type { DashboardBucket, DashboardHistoryJson };

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
  /** The breaker's consecutive failures now (as `/admin/circuits` reports them). */
  readonly consecutiveFailures: number;
  /** Transitions to open since start. */
  readonly trips: number;
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
  /** The bucket filling now (the last one of the history). */
  readonly live?: DashboardBucket;
}

/** A snapshot as one frame carries it: with the history when the viewer needs it. */
export interface DashboardFrame extends DashboardSnapshot {
  readonly history?: DashboardHistoryJson;
}

/** Where the feed reads the history from. */
export interface DashboardHistorySource {
  /** Changes whenever the history does beyond its live bucket. */
  version(): string;
  toJSON(): DashboardHistoryJson;
}

/** Options of {@link DashboardFeed}. */
export interface DashboardFeedOptions {
  /** Builds the current snapshot. */
  readonly snapshot: () => DashboardSnapshot;
  /** The history sent to viewers that have not seen its version. @default none */
  readonly history?: DashboardHistorySource;
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
  readonly #history: DashboardHistorySource | undefined;
  /** Each viewer and the history version it last received. */
  readonly #viewers = new Map<ServerResponse, string | undefined>();
  #timer: NodeJS.Timeout | undefined;
  #pushQueued = false;
  #closed = false;

  constructor(options: DashboardFeedOptions) {
    this.#snapshot = options.snapshot;
    this.#intervalMs = options.intervalMs ?? 1000;
    this.#history = options.history;
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
    this.#viewers.set(res, undefined);
    res.on('close', () => {
      this.#viewers.delete(res);
      if (this.#viewers.size === 0) this.#stopTimer();
    });
    this.#pushAll();
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
    for (const res of this.#viewers.keys()) res.end();
    this.#viewers.clear();
  }

  #pushAll(): void {
    if (this.#viewers.size === 0) return;
    const snapshot = this.#snapshot();
    const version = this.#history?.version();
    let plain: string | undefined;
    let full: string | undefined;
    for (const [res, seen] of this.#viewers) {
      // A viewer whose socket buffer is still full misses this frame; the next one replaces it
      // (and still carries the history it has not received).
      if (res.writableNeedDrain || res.destroyed) continue;
      if (this.#history === undefined || seen === version) {
        res.write((plain ??= frame(snapshot)));
      } else {
        res.write((full ??= frame({ ...snapshot, history: this.#history.toJSON() })));
        this.#viewers.set(res, version);
      }
    }
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

function frame(data: DashboardFrame): string {
  return `event: snapshot\ndata: ${JSON.stringify(data)}\n\n`;
}
