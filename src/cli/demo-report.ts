/**
 * The demo's closing report: what the clients saw, what the breakers did during each fault, and
 * what the fallbacks cost compared with an all-primary run.
 */
import type { DemoEngine } from './demo-fleet.js';
import type { Simulator } from '../sim/index.js';
import { PRIMARY } from './demo-config.js';
import type { DemoIncident } from './demo-config.js';
import { circuitsTable, count, stamp } from './demo-view.js';
import type { DemoView, SeenTransition } from './demo-view.js';
import { duration, paint, percent, usd } from './format.js';

/** The success rate below which the demo fails (exit 1). */
export const REQUIRED_SUCCESS_RATE = 0.99;

/** Counters read at an incident's start and end: upstream calls to its model, requests for it. */
interface Reading {
  readonly calls: number;
  readonly requests: number;
}

/** Reads the simulator's and the engine's counters when each incident starts and ends. */
export class IncidentWatch {
  readonly #sim: Simulator;
  readonly #engine: DemoEngine;
  readonly #start = new Map<DemoIncident, Reading>();
  readonly #end = new Map<DemoIncident, Reading>();

  constructor(sim: Simulator, engine: DemoEngine) {
    this.#sim = sim;
    this.#engine = engine;
  }

  /** Call when `incident` starts (`edge` 'from') or ends ('to'). */
  mark(incident: DemoIncident, edge: 'from' | 'to'): void {
    (edge === 'from' ? this.#start : this.#end).set(incident, this.#read(incident));
  }

  /** Calls and requests during `incident` (up to now if it has not ended); undefined if unstarted. */
  during(incident: DemoIncident): Reading | undefined {
    const start = this.#start.get(incident);
    if (start === undefined) return undefined;
    const end = this.#end.get(incident) ?? this.#read(incident);
    return { calls: end.calls - start.calls, requests: end.requests - start.requests };
  }

  #read(incident: DemoIncident): Reading {
    const requests = this.#engine.stats().models[incident.model]?.requests ?? 0;
    return { calls: this.#sim.calls(incident.model), requests };
  }
}

/**
 * One incident as figures: calls that reached its model against requests made for it. Only what
 * the counters show; nothing here claims a behaviour the figures do not measure.
 */
function incidentLine(i: DemoIncident, r: Reading, view: DemoView): string {
  // An interrupted run ends some faults early.
  const toMs = Math.min(i.toMs, view.elapsedMs);
  const when = `${(i.fromMs / 1000).toFixed(1)}–${(toMs / 1000).toFixed(1)} s`;
  const calls = `${count(r.calls)} call${r.calls === 1 ? '' : 's'} reached ${i.model}`;
  const head = `  ${when}  ${i.label}: ${calls} for ${count(r.requests)} requests`;
  switch (i.kind) {
    case 'errors':
    case 'stream-error-event':
      return head;
    case 'down':
    case 'rate-limit': {
      const share = r.requests === 0 ? null : r.calls / r.requests;
      return `${head} (${percent(share, 0)} of them)`;
    }
    case 'stream-cut':
      return `${head}; ${count(view.tally.cutMidAnswer)} streams cut mid-answer ended with an error the clients saw`;
  }
}

/** When the primary closed again after the outage, as a line; undefined if it did not. */
function recoveryLine(view: DemoView): string | undefined {
  const down = view.script.incidents.find((i) => i.model === PRIMARY && i.kind === 'down');
  if (down === undefined || view.elapsedMs < down.toMs) return undefined;
  const closed = view.transitions.find(
    (t: SeenTransition) =>
      t.deployment === `sim/${PRIMARY}` && t.to === 'closed' && t.atMs >= down.toMs,
  );
  if (closed === undefined) return `  ${PRIMARY} had not closed again by the end of the run`;
  return `  ${PRIMARY} closed again at ${stamp(closed.atMs).trim()}, ${duration(closed.atMs - down.toMs)} after it recovered`;
}

function tripsLine(view: DemoView): string {
  const stats = view.engine.stats();
  const by = Object.entries(stats.deployments)
    .filter(([, d]) => d.trips > 0)
    .map(([id, d]) => `${id} ×${d.trips}`);
  return `${count(stats.totals.trips)}${by.length > 0 ? `  (${by.join(', ')})` : ''}`;
}

/** The last line: PASS, FAIL, or INTERRUPTED (which neither passes nor fails). */
function verdict(successRate: number | null, interrupted: boolean, color: boolean): string {
  const rate = percent(successRate);
  const required = percent(REQUIRED_SUCCESS_RATE, 0);
  if (interrupted) return paint(color, 'yellow', `INTERRUPTED: success rate ${rate} so far`);
  if ((successRate ?? 0) >= REQUIRED_SUCCESS_RATE) {
    return paint(color, 'green', `PASS: success rate ${rate} ≥ ${required}`);
  }
  return paint(color, 'red', `FAIL: success rate ${rate} < ${required}`);
}

/** Options of {@link renderReport}. */
export interface ReportOptions {
  readonly color: boolean;
  /** The run was stopped before its end (Ctrl-C). */
  readonly interrupted: boolean;
}

/** The report: the circuits, what the clients saw, each fault's effect, the verdict. */
export function renderReport(view: DemoView, watch: IncidentWatch, options: ReportOptions): string {
  const { color } = options;
  const t = view.tally;
  const stats = view.engine.stats();
  const spend = view.engine.ledger.snapshot().total;
  const lat = t.latency.summary();
  const saved = spend.costIfRequestedUsd > 0 ? 1 - spend.costUsd / spend.costIfRequestedUsd : null;
  const failures = [...t.failuresByCode].map(([code, n]) => `${code} ×${n}`).join(', ');
  const lines = [
    '',
    paint(color, 'bold', `breakerbox demo: report after ${duration(view.elapsedMs)}`),
    circuitsTable(view, color),
    `requests         ${count(t.requests)} (${count(t.streams)} streams)`,
    `success rate: ${percent(t.successRate)} (${count(t.ok)} of ${count(t.requests - t.cutMidAnswer)}; the ${count(t.cutMidAnswer)} streams cut mid-answer on purpose are counted apart)`,
    `  counting those cuts as failures: ${percent(t.rawSuccessRate)}`,
    `failed           ${count(t.failed)}${failures === '' ? '' : `  (${failures})`}`,
    `fallback share   ${percent(t.fallbackShare, 1)} of answers (${count(t.fallbacks)}) came from another model`,
    `breaker trips    ${tripsLine(view)}`,
    `latency          p50 ${duration(lat.p50Ms)} · p95 ${duration(lat.p95Ms)} · p99 ${duration(lat.p99Ms)} (client-observed, full answer)`,
    `upstream calls   ${count(stats.totals.attempts.calls)} (${(stats.totals.attempts.calls / Math.max(1, t.requests)).toFixed(2)} per request)`,
    `spend            ${usd(spend.costUsd)} vs ${usd(spend.costIfRequestedUsd)} had every request been served by the model it asked for${saved === null ? '' : ` (${saved >= 0 ? '−' : '+'}${percent(Math.abs(saved), 0)})`}`,
    'during the incident:',
  ];
  for (const i of [...view.script.incidents].sort((a, b) => a.fromMs - b.fromMs)) {
    const r = watch.during(i);
    if (r !== undefined) lines.push(incidentLine(i, r, view));
  }
  const recovery = recoveryLine(view);
  if (recovery !== undefined) lines.push(recovery);
  lines.push(verdict(t.successRate, options.interrupted, color));
  return lines.join('\n');
}
