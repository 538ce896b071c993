/**
 * One row of the chaos table: the counts, the latencies, the breaker figures and the verdict,
 * computed from what the client, the simulators and the gateway saw.
 */
import { quantile } from './measure.js';
import type { RequestResult } from './measure.js';

export interface Row {
  readonly name: string;
  readonly sent: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Streams cut after content that ended with an error event (counted apart). */
  readonly cutWithError: number;
  readonly silentCuts: number;
  readonly hung: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Calls that reached a deployment while its breaker was open; undefined: not measurable. */
  readonly intoOpen: number | undefined;
  readonly openMs: number | undefined;
  readonly closeMs: number | undefined;
  /** No fault is aimed at a breaker (the open column is then "n/a"). */
  readonly noBreakerFault?: boolean;
  /** Whether a recovery happens in the scenario (else the close column is "n/a"). */
  readonly recovers: boolean;
  /** A healthy fallback exists: the 99.9 % success rule applies. */
  readonly fallback: boolean;
  /** Unexpected exits, non-zero exit codes, stderr. */
  readonly crashes: readonly string[];
  /** Scenario-specific checks that failed. */
  readonly failures: readonly string[];
  /** Scenario-specific facts worth a line under the table. */
  readonly notes: readonly string[];
  readonly durationMs: number;
}

/** Success as the acceptance rule counts it: streams cut after content are set apart. */
export function successRate(row: Row): number {
  const judged = row.sent - row.cutWithError;
  return judged === 0 ? 1 : row.succeeded / judged;
}

/** The reasons a row fails; empty: PASS. */
export function verdict(row: Row): string[] {
  const why = [...row.failures];
  if (row.hung > 0) why.push(`${row.hung} hung`);
  if (row.silentCuts > 0) why.push(`${row.silentCuts} silently cut streams`);
  if (row.intoOpen !== undefined && row.intoOpen > 0) {
    why.push(`${row.intoOpen} calls reached an open breaker`);
  }
  if (row.crashes.length > 0) why.push(`crash: ${row.crashes.join('; ')}`);
  if (row.fallback && successRate(row) < 0.999) {
    why.push(`success ${(successRate(row) * 100).toFixed(2)} % < 99.9 %`);
  }
  if (row.sent === 0) why.push('nothing sent');
  return why;
}

/** Counts the client's results into the first columns of a row. */
export function tally(results: readonly RequestResult[]): {
  sent: number;
  succeeded: number;
  failed: number;
  cutWithError: number;
  silentCuts: number;
  hung: number;
  p50Ms: number;
  p99Ms: number;
} {
  const count = (o: RequestResult['outcome']): number =>
    results.filter((r) => r.outcome === o).length;
  const ms = results.map((r) => r.ms);
  return {
    sent: results.length,
    succeeded: count('ok'),
    failed: count('failed'),
    cutWithError: count('cut-error'),
    silentCuts: count('silent-cut'),
    hung: count('hung'),
    p50Ms: quantile(ms, 0.5),
    p99Ms: quantile(ms, 0.99),
  };
}

/** A row for a scenario that could not run to its end (timeout or a harness error). */
export function brokenRow(name: string, why: string, durationMs: number): Row {
  return {
    name,
    sent: 0,
    succeeded: 0,
    failed: 0,
    cutWithError: 0,
    silentCuts: 0,
    hung: 0,
    p50Ms: NaN,
    p99Ms: NaN,
    intoOpen: undefined,
    openMs: undefined,
    closeMs: undefined,
    recovers: false,
    fallback: true,
    crashes: [],
    failures: [why],
    notes: [],
    durationMs,
  };
}

const ms = (v: number | undefined): string => {
  if (v === undefined || Number.isNaN(v)) return '—';
  return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`;
};

/** The markdown table and the notes under it. */
export function renderRows(rows: readonly Row[]): string {
  const head =
    '| scenario | sent | ok | failed | cut (error event) | silent cuts | hung | success | p50 | p99 | calls into open breaker | fault → open | recovery → closed | verdict |\n' +
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |';
  const lines = rows.map((r) => {
    const why = verdict(r);
    const success = r.fallback
      ? `${(successRate(r) * 100).toFixed(2)} %`
      : `${(successRate(r) * 100).toFixed(1)} % (no fallback)`;
    const open = r.noBreakerFault ? 'n/a' : r.openMs === undefined ? 'did not open' : ms(r.openMs);
    const close =
      !r.recovers || r.openMs === undefined
        ? 'n/a'
        : r.closeMs === undefined
          ? 'did not close'
          : ms(r.closeMs);
    return [
      r.name,
      r.sent,
      r.succeeded,
      r.failed,
      r.cutWithError,
      r.silentCuts,
      r.hung,
      success,
      ms(r.p50Ms),
      ms(r.p99Ms),
      r.intoOpen ?? 'n/a',
      open,
      close,
      why.length === 0 ? 'PASS' : `**FAIL**: ${why.join('; ')}`,
    ].join(' | ');
  });
  const notes = rows.flatMap((r) => r.notes.map((n) => `- ${r.name}: ${n}`));
  return [head, ...lines.map((l) => `| ${l} |`), '', ...notes].join('\n');
}
