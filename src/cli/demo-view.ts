/**
 * What the demo shows while it runs: a table of circuits redrawn about once a second on a TTY, or
 * plain lines (phase changes, transitions, a periodic status line) when stdout is a pipe or a file.
 */
import { stripVTControlCharacters } from 'node:util';
import type { DemoEngine } from './demo-fleet.js';
import { DEMO_MODELS, PRIMARY, incidentsAt, phaseAt } from './demo-config.js';
import type { DemoScript } from './demo-config.js';
import type { DemoTally } from './demo-traffic.js';
import { bar, duration, makeTable, paint, percent, stateStyle, usd } from './format.js';

/** A breaker transition as the demo saw it, `atMs` after the start. */
export interface SeenTransition {
  readonly atMs: number;
  readonly deployment: string;
  readonly from: string;
  readonly to: string;
  readonly reason: string;
}

/** Everything a frame, a status line or the report is drawn from. */
export interface DemoView {
  readonly engine: DemoEngine;
  readonly tally: DemoTally;
  readonly script: DemoScript;
  readonly durationMs: number;
  readonly elapsedMs: number;
  readonly transitions: readonly SeenTransition[];
  readonly dashboardUrl: string;
}

/** Transitions listed under the live table. */
const RECENT_TRANSITIONS = 5;
const PROGRESS_WIDTH_CHARS = 20;

/** `1234` → `"1,234"`. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** A time since the start, aligned: `  9.1 s`. */
export function stamp(ms: number): string {
  return `${(ms / 1000).toFixed(1).padStart(5)} s`;
}

/** A transition: `sim/gpt-4.1   closed → open  (consecutive_failures)`. */
export function transitionText(t: SeenTransition, color: boolean): string {
  const to = paint(color, stateStyle(t.to), t.to);
  return `${t.deployment.padEnd(22)} ${t.from} → ${to}  (${t.reason})`;
}

/** The circuits table: one row per deployment, from the engine's stats and breakers. */
export function circuitsTable(view: DemoView, color: boolean): string {
  const stats = view.engine.stats();
  const states = new Map<string, string>();
  for (const [id, breaker] of view.engine.breakers.entries()) states.set(id, breaker.state);
  const table = makeTable(
    [
      'deployment',
      'state',
      'calls',
      'ok',
      'skipped',
      'fell back',
      'took over',
      'trips',
      'p50',
      'spend',
    ],
    ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    color,
  );
  for (const model of DEMO_MODELS) {
    const id = `sim/${model}`;
    const d = stats.deployments[id];
    const m = stats.models[model];
    const state = states.get(id) ?? 'closed';
    const decided = d === undefined ? 0 : d.attempts.successes + d.attempts.failures;
    table.push([
      id,
      paint(color, stateStyle(state), state),
      count(d?.attempts.calls ?? 0),
      percent(decided === 0 ? null : (d?.attempts.successes ?? 0) / decided, 1),
      count(d?.attempts.skipped ?? 0),
      count(m?.fallbacks ?? 0),
      count(m?.fallbacksServed ?? 0),
      count(d?.trips ?? 0),
      duration(d?.latency.p50Ms ?? null),
      usd(d?.costUsd ?? 0),
    ]);
  }
  return table.toString();
}

/** One line of totals, as the clients saw them. */
export function totalsLine(view: DemoView): string {
  const t = view.tally;
  const lat = t.latency.summary();
  return [
    `requests ${count(t.requests)}`,
    `ok ${percent(t.successRate)}`,
    `fallbacks ${percent(t.fallbackShare, 1)}`,
    `cut mid-answer ${count(t.cutMidAnswer)}`,
    `in flight ${t.inFlight}`,
    `p50 ${duration(lat.p50Ms)}`,
    `p99 ${duration(lat.p99Ms)}`,
    `spend ${usd(view.engine.ledger.snapshot().total.costUsd)}`,
  ].join('  ');
}

/** The live frame: progress, phase, active faults, the table, totals, recent transitions. */
export function renderFrame(view: DemoView, color: boolean): string {
  const elapsed = Math.min(view.elapsedMs, view.durationMs);
  const progress = bar(elapsed, view.durationMs, PROGRESS_WIDTH_CHARS).padEnd(
    PROGRESS_WIDTH_CHARS,
    '·',
  );
  const phase = phaseAt(view.script.phases, view.elapsedMs);
  const faults = incidentsAt(view.script.incidents, view.elapsedMs).map((i) => i.label);
  const lines = [
    `${paint(color, 'bold', 'breakerbox demo')}  ${(elapsed / 1000).toFixed(1)} s / ${view.durationMs / 1000} s  ${paint(color, 'cyan', progress)}   dashboard: ${view.dashboardUrl}`,
    paint(color, 'bold', phase?.label ?? ''),
    `faults: ${faults.length === 0 ? 'none' : faults.join(' · ')}`,
    circuitsTable(view, color),
    totalsLine(view),
    'recent transitions:',
    ...view.transitions
      .slice(-RECENT_TRANSITIONS)
      .map((t) => `  ${stamp(t.atMs)}  ${transitionText(t, color)}`),
  ];
  return lines.join('\n');
}

/** Terminal rows `text` takes on a screen `columns` wide (long lines wrap). */
export function rowsOf(text: string, columns: number): number {
  let rows = 0;
  for (const line of text.split('\n')) {
    // Every character drawn here is one column wide (box drawing, blocks, ASCII).
    const width = stripVTControlCharacters(line).length;
    rows += Math.max(1, Math.ceil(width / Math.max(1, columns)));
  }
  return rows;
}

/** Redraws a frame in place on a TTY: moves up over the previous one and clears below. */
export class LiveFrame {
  readonly #write: (text: string) => void;
  readonly #columns: () => number;
  #previousRows = 0;

  /** @param columns the terminal's width now (it may change between frames) */
  constructor(write: (text: string) => void, columns: () => number) {
    this.#write = write;
    this.#columns = columns;
  }

  /** Draws `frame` over the previous one. */
  draw(frame: string): void {
    const up = this.#previousRows > 0 ? `\u001b[${this.#previousRows}F` : '';
    this.#write(`${up}\u001b[0J${frame}\n`);
    this.#previousRows = frame === '' ? 1 : rowsOf(frame, this.#columns());
  }
}

/**
 * Plain output for pipes and files: the story as it happens, one line per event in time order
 * (a phase starts, a fault on another model starts or ends, a breaker changes state), and the
 * totals every `statusEveryMs`.
 */
export class PlainLines {
  readonly #out: (line: string) => void;
  readonly #statusEveryMs: number;
  /** Events up to this time have been printed, ms after the start. */
  #printedToMs = -1;
  #transitionsShown = 0;
  #lastStatusMs = 0;

  constructor(out: (line: string) => void, statusEveryMs: number) {
    this.#out = out;
    this.#statusEveryMs = statusEveryMs;
  }

  /** Prints what happened since the last call. */
  update(view: DemoView): void {
    const now = view.elapsedMs;
    const since = (atMs: number): boolean => atMs > this.#printedToMs && atMs <= now;
    const events: { atMs: number; text: string }[] = [];
    for (const p of view.script.phases)
      if (since(p.atMs)) events.push({ atMs: p.atMs, text: p.label });
    // The phases tell the primary's story; faults elsewhere get their own lines.
    for (const i of view.script.incidents.filter((x) => x.model !== PRIMARY)) {
      if (since(i.fromMs)) events.push({ atMs: i.fromMs, text: `+ ${i.label}` });
      if (since(i.toMs)) events.push({ atMs: i.toMs, text: `- over: ${i.label}` });
    }
    for (const t of view.transitions.slice(this.#transitionsShown)) {
      events.push({ atMs: t.atMs, text: transitionText(t, false) });
    }
    this.#transitionsShown = view.transitions.length;
    this.#printedToMs = now;
    events.sort((a, b) => a.atMs - b.atMs);
    for (const e of events) this.#out(`[${stamp(e.atMs)}] ${e.text}`);
    if (now - this.#lastStatusMs >= this.#statusEveryMs) {
      this.#lastStatusMs = now;
      this.#out(`[${stamp(now)}] ${totalsLine(view)}`);
    }
  }
}
