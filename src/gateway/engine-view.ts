/**
 * Read-only views of the engine for the admin API, the metrics and the dashboard: circuits by
 * deployment id, and the dashboard's snapshot derived from `bb.stats()`.
 */
import { FleetBreaker } from '../state/index.js';
import { CircuitBreaker } from '../core/index.js';
import type { Breakerbox } from '../engine/index.js';
import type { Deployment } from '../router/index.js';
import type { DashboardDeployment, DashboardSnapshot } from './dashboard.js';
import type { DashboardHistory } from './dashboard-history.js';
import type { ModelBudget } from './scrape-gauges.js';

/** Most transitions the dashboard shows. */
const TIMELINE_LENGTH = 50;
/** Most fallback flows the dashboard draws. */
const FLOW_COUNT = 20;

/**
 * The circuit breaker of a deployment. The router sees only its `RouterBreaker` face; the
 * runtime object is the core `CircuitBreaker`, checked here rather than assumed.
 */
function circuitOfDeployment(d: Deployment): CircuitBreaker | undefined {
  const breaker = d.breaker;
  if (breaker instanceof CircuitBreaker) return breaker;
  // In a fleet, the replica's own breaker (what it decides with, and what an operator acts on:
  // its transitions reach the fleet).
  return breaker instanceof FleetBreaker ? breaker.local : undefined;
}

/** The circuit of deployment `name` (its id, `provider/model`), or undefined. */
export function circuitOf(engine: Breakerbox, name: string): CircuitBreaker | undefined {
  const d = engine.deployments.get(name);
  return d === undefined ? undefined : circuitOfDeployment(d);
}

/** Every circuit's snapshot, with its deployment's model and provider. */
export function circuitSnapshots(engine: Breakerbox): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const d of engine.deployments.values()) {
    const breaker = circuitOfDeployment(d);
    if (breaker !== undefined) {
      out.push({ ...breaker.snapshot(), name: d.id, model: d.model, provider: d.provider });
    }
  }
  return out;
}

/** `[deployment, state]` for every circuit, read now (for `breakerbox_circuit_state`). */
export function* circuitStates(engine: Breakerbox): Iterable<readonly [string, string]> {
  for (const d of engine.deployments.values()) {
    const breaker = circuitOfDeployment(d);
    if (breaker !== undefined) yield [d.id, breaker.state];
  }
}

/**
 * The dashboard's snapshot: one card per deployment, the transitions, the fallback flows and,
 * with a history, its live bucket.
 */
export function dashboardSnapshot(
  engine: Breakerbox,
  history?: DashboardHistory,
): DashboardSnapshot {
  const stats = engine.stats();
  const deployments: DashboardDeployment[] = [...engine.deployments.values()].map((d) => {
    const s = stats.deployments[d.id];
    const decided = s === undefined ? 0 : s.attempts.successes + s.attempts.failures;
    const circuit = circuitOfDeployment(d)?.snapshot();
    return {
      id: d.id,
      model: d.model,
      provider: d.provider,
      state: circuit?.state ?? 'unknown',
      consecutiveFailures: circuit?.consecutiveFailures ?? 0,
      trips: s?.trips ?? 0,
      calls: s?.attempts.calls ?? 0,
      successRate: s !== undefined && decided > 0 ? s.attempts.successes / decided : null,
      p50Ms: s?.latency.p50Ms ?? null,
      p99Ms: s?.latency.p99Ms ?? null,
      spendUsd: s?.costUsd ?? 0,
    };
  });
  return {
    atEpochMs: stats.atEpochMs,
    deployments,
    transitions: stats.transitions.slice(-TIMELINE_LENGTH),
    flows: stats.fallbackFlows.slice(0, FLOW_COUNT),
    totals: {
      requests: stats.totals.requests,
      errors: stats.totals.errors,
      costUsd: stats.totals.costUsd,
    },
    ...(history !== undefined && { live: history.live() }),
  };
}

/** Every model with a daily budget, and today's spend on it (for the budget gauges). */
export function* modelBudgets(engine: Breakerbox): Iterable<ModelBudget> {
  for (const [model, m] of Object.entries(engine.config.models)) {
    if (m.budget === undefined) continue;
    yield { model, usdPerDay: m.budget.usdPerDay, spentTodayUsd: engine.ledger.spentToday(model) };
  }
}

/** Whether a model can be served right now, for `/readyz`. */
export interface ModelReadiness {
  /** Some deployment of the model or of its fallback chain would admit a call now. */
  readonly admitting: boolean;
  /** When not admitting: ms until the first candidate admits again. */
  readonly retryAfterMs?: number;
}

/**
 * Per configured model: whether any candidate (its deployments, then its fallbacks', the chain
 * followed once per model) would be admitted by its breaker now. Reads `msUntilAdmission()`,
 * which takes no permit.
 */
export function modelReadiness(engine: Breakerbox): Record<string, ModelReadiness> {
  const byModel = new Map<string, Deployment[]>();
  for (const d of engine.deployments.values()) {
    const list = byModel.get(d.model) ?? [];
    list.push(d);
    byModel.set(d.model, list);
  }
  const out: Record<string, ModelReadiness> = {};
  for (const model of engine.models) {
    let soonestMs = Infinity;
    const seen = new Set<string>();
    const queue = [model];
    // Bounded: each model enters the queue at most once.
    while (queue.length > 0 && soonestMs > 0) {
      const next = queue.shift() as string;
      if (seen.has(next)) continue;
      seen.add(next);
      for (const d of byModel.get(next) ?? []) {
        soonestMs = Math.min(soonestMs, d.breaker.msUntilAdmission());
      }
      queue.push(...(engine.config.models[next]?.fallbacks ?? []));
    }
    out[model] =
      soonestMs === 0
        ? { admitting: true }
        : {
            admitting: false,
            ...(Number.isFinite(soonestMs) && { retryAfterMs: Math.ceil(soonestMs) }),
          };
  }
  return out;
}
