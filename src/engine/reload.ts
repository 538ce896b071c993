/**
 * Config reload: the new runtime graph, built over the old one so that what did not change keeps
 * its state (see `buildRuntime`), and what the reload reports.
 */
import type { Clock } from '../core/index.js';
import type { ResolvedConfig } from '../config/index.js';
import type { Upstream } from '../upstream/index.js';
import { buildRuntime } from './build.js';
import type { BuildDeps, PreviousRuntime, Runtime } from './build.js';

/** What a reload changed. Deployment ids, sorted. */
export interface ReloadReport {
  /** Deployments new in this config. */
  readonly added: readonly string[];
  /** Deployments gone; requests already running on them finish. */
  readonly removed: readonly string[];
  /** Deployments whose settings changed: a fresh breaker and fresh limits. */
  readonly changed: readonly string[];
  /** Deployments taken over as they were: breaker state, limits and latency estimate kept. */
  readonly kept: readonly string[];
  /**
   * Top-level sections that differ but are not reloaded (they need a restart): `server`,
   * `telemetry`, `cache`, `pricing` (for spend; deployment ordering by price does reload).
   */
  readonly restartNeeded: readonly string[];
}

/** A reload's result: the runtime to swap in, its report, and the upstreams no longer used. */
export interface ReloadPlan {
  readonly runtime: Runtime;
  readonly report: ReloadReport;
  /** Connection pools of providers removed or changed: close them once running requests end. */
  readonly retired: readonly Upstream[];
}

const NOT_RELOADED = ['server', 'telemetry', 'cache', 'pricing', 'state'] as const;

/** Builds the runtime for `next` over `previous`. Pure but for creating new upstream clients. */
export function planReload(
  previous: PreviousRuntime,
  next: ResolvedConfig,
  deps: BuildDeps,
): ReloadPlan {
  const runtime = buildRuntime(next, deps, previous);
  const before = previous.runtime.deployments;
  const after = runtime.deployments;
  const added: string[] = [];
  const changed: string[] = [];
  const kept: string[] = [];
  for (const [id, d] of after) {
    const old = before.get(id);
    if (old === undefined) added.push(id);
    else if (old === d) kept.push(id);
    else changed.push(id);
  }
  const removed = [...before.keys()].filter((id) => !after.has(id));
  const inUse = new Set(runtime.upstreams.values());
  const retired = [...previous.runtime.upstreams.values()].filter((u) => !inUse.has(u));
  const restartNeeded = NOT_RELOADED.filter(
    (key) => JSON.stringify(previous.config[key]) !== JSON.stringify(next[key]),
  );
  return {
    runtime,
    retired,
    report: {
      added: added.sort(),
      removed: removed.sort(),
      changed: changed.sort(),
      kept: kept.sort(),
      restartNeeded,
    },
  };
}

/**
 * Connection pools a reload left behind, closed once `afterMs` (the request deadline) has passed:
 * no request that started before the reload can begin another call on them after that.
 */
export class Retirement {
  readonly #clock: Clock;
  readonly #pending = new Set<Upstream>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  retire(upstreams: readonly Upstream[], afterMs: number): void {
    if (upstreams.length === 0) return;
    for (const u of upstreams) this.#pending.add(u);
    this.#clock.setTimer(afterMs, () => {
      for (const u of upstreams) {
        if (this.#pending.delete(u)) void u.close();
      }
    });
  }

  /** Closes every pool still waiting (the engine is closing). */
  async closeAll(): Promise<void> {
    const pools = [...this.#pending];
    this.#pending.clear();
    await Promise.all(pools.map((u) => u.close()));
  }
}
