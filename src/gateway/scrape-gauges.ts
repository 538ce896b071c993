/**
 * Gauges read at scrape time rather than fed by events: circuit states from the breakers, model
 * budgets and today's spend from the cost ledger. Each collect starts from a reset, so a
 * deployment or budget removed from the config does not linger with its last value.
 */
import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import { CIRCUIT_STATES } from './metrics-labels.js';

/** A model's daily budget and what it has spent today (UTC), USD. */
export interface ModelBudget {
  readonly model: string;
  readonly usdPerDay: number;
  readonly spentTodayUsd: number;
}

/** `breakerbox_circuit_state{deployment,state}`: 1 for the current state, 0 for the others. */
export function circuitStateGauge(
  registry: Registry,
  circuits: () => Iterable<readonly [string, string]>,
): void {
  new Gauge({
    name: 'breakerbox_circuit_state',
    help: 'Circuit state per deployment: 1 for the current state, 0 for the others.',
    labelNames: ['deployment', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [deployment, state] of circuits()) {
        for (const s of CIRCUIT_STATES) this.set({ deployment, state: s }, s === state ? 1 : 0);
        if (!CIRCUIT_STATES.includes(state)) this.set({ deployment, state }, 1);
      }
    },
  });
}

/**
 * `breakerbox_budget_usd_per_day{model}` and `breakerbox_budget_spent_today_usd{model}`, for
 * models with a `budget`. Their ratio is how near the budget is to refusing or downgrading.
 */
export function budgetGauges(registry: Registry, budgets: () => Iterable<ModelBudget>): void {
  new Gauge({
    name: 'breakerbox_budget_usd_per_day',
    help: "A model's configured daily budget (budget.usdPerDay), USD.",
    labelNames: ['model'],
    registers: [registry],
    collect() {
      this.reset();
      for (const b of budgets()) this.set({ model: b.model }, b.usdPerDay);
    },
  });
  new Gauge({
    name: 'breakerbox_budget_spent_today_usd',
    help: "A budgeted model's spend today (UTC day), USD.",
    labelNames: ['model'],
    registers: [registry],
    collect() {
      this.reset();
      for (const b of budgets()) this.set({ model: b.model }, b.spentTodayUsd);
    },
  });
}

/** What the state-store gauges read: undefined when breaker state lives in this process only. */
export interface StateStoreReading {
  readonly mode: 'shared' | 'local';
  readonly replicas: number;
}

/**
 * `breakerbox_state_store_up` (1 while this replica is in step with the fleet through Redis, 0
 * while it runs on its own) and `breakerbox_fleet_replicas` (replicas seen alive), when a state
 * store is configured.
 */
export function stateStoreGauges(registry: Registry, read: () => StateStoreReading): void {
  new Gauge({
    name: 'breakerbox_state_store_up',
    help: '1 while breaker state and limits are shared through Redis, 0 while this replica runs alone.',
    registers: [registry],
    collect() {
      this.set(read().mode === 'shared' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'breakerbox_fleet_replicas',
    help: 'Replicas of the fleet seen alive in Redis by this one (itself included).',
    registers: [registry],
    collect() {
      this.set(read().replicas);
    },
  });
}
