/** Turns the core benchmark's samples into markdown tables and target verdicts. */
import { formatNs, median } from '../harness.js';
import type { IdleReport } from './idle.js';
import type { BenchRow, FailurePair } from './rows.js';

/** Every round's ns per op, by contender name. */
export type Samples = ReadonlyMap<string, readonly number[]>;

/** A target with its verdict. */
export interface Verdict {
  readonly target: string;
  readonly measured: string;
  readonly pass: boolean;
  /** Within 10 % of the threshold: may flip from run to run. */
  readonly borderline: boolean;
}

/** Median ns per op of `name`. @throws {Error} when `name` was not measured. */
export function ns(samples: Samples, name: string): number {
  const s = samples.get(name);
  if (s === undefined || s.length === 0) throw new Error(`no samples for ${name}`);
  return median(s);
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (at - lo);
}

/** Half the interquartile range as a share of the median: `±4 %`. */
function spread(samples: Samples, name: string): string {
  const s = samples.get(name) ?? [];
  const m = median(s);
  return `±${(((quantile(s, 0.75) - quantile(s, 0.25)) / 2 / m) * 100).toFixed(0)} %`;
}

/** `12.3×` (or `0.81×`). */
export function times(ratio: number): string {
  return `${ratio.toFixed(ratio >= 10 ? 0 : 2)}×`;
}

function signedNs(value: number): string {
  return value < 0 ? `−${formatNs(-value)}` : `+${formatNs(value)}`;
}

/** The success-path table: ns/op, overhead over the direct call, ratios to breakerbox. */
export function successTable(samples: Samples, rows: readonly BenchRow[], direct: string): string {
  const floor = ns(samples, direct);
  const lines = [
    '| contender | ns/op | spread | over direct | vs breakerbox (same trip): time · overhead |',
    '|---|--:|--:|--:|--:|',
  ];
  for (const row of rows) {
    const value = ns(samples, row.name);
    const ref = row.vs === undefined ? undefined : ns(samples, row.vs);
    const vs =
      ref === undefined ? '—' : `${times(value / ref)} · ${times((value - floor) / (ref - floor))}`;
    const over = row.name === direct ? '—' : signedNs(value - floor);
    lines.push(
      `| ${row.name} | ${formatNs(value)} | ${spread(samples, row.name)} | ${over} | ${vs} |`,
    );
  }
  return lines.join('\n');
}

/** The open fast-fail table: ns/op and how many times slower than breakerbox. */
export function openTable(samples: Samples, rows: readonly BenchRow[]): string {
  const lines = ['| contender | ns/op | spread | vs breakerbox |', '|---|--:|--:|--:|'];
  for (const row of rows) {
    const value = ns(samples, row.name);
    const vs = row.vs === undefined ? '—' : `${times(value / ns(samples, row.vs))} slower`;
    lines.push(`| ${row.name} | ${formatNs(value)} | ${spread(samples, row.name)} | ${vs} |`);
  }
  return lines.join('\n');
}

/** The failure-path table: fresh, after 100k, their ratio, and the window's fill at the end. */
export function failureTable(
  samples: Samples,
  pairs: readonly FailurePair[],
  direct: string,
  held: ReadonlyMap<string, number>,
): string {
  const lines = [
    '| contender | fresh | after 100k | after / fresh | calls in window at the end | vs breakerbox (fresh · after) |',
    '|---|--:|--:|--:|--:|--:|',
    `| ${direct} | ${formatNs(ns(samples, direct))} | | | | |`,
  ];
  const fresh = (p: FailurePair): number => ns(samples, p.fresh.name);
  const after = (p: FailurePair): number => ns(samples, p.after.name);
  const byLabel = new Map(pairs.map((p) => [p.label, p]));
  for (const p of pairs) {
    const ref = p.vs === undefined ? undefined : byLabel.get(p.vs);
    const vs =
      ref === undefined ? '—' : `${times(fresh(p) / fresh(ref))} · ${times(after(p) / after(ref))}`;
    const h = held.get(p.label);
    const inWindow = h === undefined ? 'no window' : h.toLocaleString('en-US');
    const opsNote = p.after.ops === undefined ? '' : ` (${p.after.ops} ops/round)`;
    lines.push(
      `| ${p.label} | ${formatNs(fresh(p))} | ${formatNs(after(p))}${opsNote} | ` +
        `${times(after(p) / fresh(p))} | ${inWindow} | ${vs} |`,
    );
  }
  return lines.join('\n');
}

/** CPU share as `% of a core`. */
export function percentOfCore(cores: number): string {
  return `${(cores * 100).toFixed(2)} %`;
}

/** The idle table: bytes per breaker and idle CPU above the process's own. */
export function idleTable(report: IdleReport): string {
  const lines = [
    `| ${report.count.toLocaleString('en-US')} idle breakers | bytes per breaker | idle CPU over ${report.idleMs / 1_000} s (one core; baseline subtracted) |`,
    '|---|--:|--:|',
  ];
  for (const r of report.results) {
    lines.push(
      `| ${r.label} | ${Math.round(r.bytesPerBreaker).toLocaleString('en-US')} B | ` +
        `${percentOfCore(r.idleCores - report.baselineCores)} |`,
    );
  }
  lines.push(`| (process alone, the baseline) | | ${percentOfCore(report.baselineCores)} |`);
  return lines.join('\n');
}

/** Verdicts as a markdown table. */
export function verdictTable(verdicts: readonly Verdict[]): string {
  const lines = ['| target | measured | |', '|---|---|---|'];
  for (const v of verdicts) {
    const note = v.borderline ? ' (borderline: within 10 % of the threshold)' : '';
    lines.push(`| ${v.target} | ${v.measured} | **${v.pass ? 'PASS' : 'MISS'}**${note} |`);
  }
  return lines.join('\n');
}
