/**
 * The dashboard of one gateway: its 15-minute history, fed by the engine's `request` and
 * `transition` events and by the gateway's answered errors, and the SSE feed that pushes it.
 */
import type { AttemptRecord } from '../core/index.js';
import type { Breakerbox } from '../engine/index.js';
import { DashboardFeed } from './dashboard.js';
import { DashboardHistory } from './dashboard-history.js';
import { circuitOf, dashboardSnapshot } from './engine-view.js';
import type { ErrorSource } from './taxonomy.js';

/** The history and the feed, wired to one engine. */
export class LiveDashboard {
  readonly history: DashboardHistory;
  readonly feed: DashboardFeed;
  readonly #subscriptions: { dispose(): void }[];

  constructor(engine: Breakerbox, intervalMs: number) {
    this.history = new DashboardHistory({
      deployments: [...engine.deployments.keys()],
      stateOf: (d) => circuitOf(engine, d)?.state,
    });
    this.feed = new DashboardFeed({
      snapshot: () => dashboardSnapshot(engine, this.history),
      history: this.history,
      intervalMs,
    });
    this.#subscriptions = [
      engine.on('request', (e) => {
        this.history.request(e);
      }),
      engine.on('transition', (t) => {
        this.history.transition(t);
        this.feed.poke();
      }),
    ];
  }

  /** An error the gateway answered, with what the request tried (for a model call). */
  error(source: ErrorSource, attempts?: readonly AttemptRecord[]): void {
    this.history.error(source, attempts);
  }

  /** Ends every viewer's stream and stops listening to the engine. */
  close(): void {
    this.feed.close();
    for (const s of this.#subscriptions) s.dispose();
    this.#subscriptions.length = 0;
  }
}
