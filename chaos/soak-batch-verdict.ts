/**
 * The batch soak's verdict and its RELIABILITY.md section (`batch-soak`).
 */
import type { BatchSoakResult } from './soak-batch.js';
import { verdictLines } from './report.js';
import type { Check } from './report.js';
import { mb } from './soak-proc.js';

/** Largest peak RSS of a run over the smallest: memory is flat when it stays under this. */
export const MAX_PEAK_RATIO = 1.25;
/**
 * Inputs shorter than this are not judged on memory: their runs are a few hundred lines each,
 * so their peaks measure start-up and the JIT warming up, not growth (a 2,000-line run showed
 * 1.30 between a run killed early and the last).
 */
export const MIN_LINES_FOR_MEMORY = 20_000;

export function batchVerdict(r: BatchSoakResult): { pass: boolean; checks: Check[] } {
  const peaks = r.segments.map((s) => s.peakRss);
  const ratio = Math.max(...peaks) / Math.min(...peaks);
  const judgeMemory = r.options.lines >= MIN_LINES_FOR_MEMORY;
  const killed = r.segments.filter((s) => s.exit.signal === 'SIGKILL').length;
  const last = r.segments[r.segments.length - 1];
  const fr = r.finalReport;
  const checks: Check[] = [
    {
      name: 'runs SIGKILLed, then resumed',
      value: String(killed),
      bound: String(r.options.kills),
      pass: killed === r.options.kills,
    },
    {
      name: 'last run exits 0',
      value: String(last?.exit.code),
      bound: '0',
      pass: last?.exit.code === 0,
    },
    { name: 'lines lost', value: String(r.lost), bound: '0', pass: r.lost === 0 },
    { name: 'lines duplicated', value: String(r.duplicated), bound: '0', pass: r.duplicated === 0 },
    {
      name: 'results not 200, or not matching their line',
      value: String(r.notOk + r.mismatched),
      bound: '0',
      pass: r.notOk + r.mismatched === 0,
    },
    {
      name: 'lines sent to the provider again',
      value: `${r.redone} (${r.calls} calls for ${r.options.lines} lines)`,
      bound: `0 … ${r.redoneAllowed} (in flight at a kill: ${r.options.kills} × ${r.concurrency})`,
      pass: r.redone >= 0 && r.redone <= r.redoneAllowed,
    },
    {
      name: 'last run: skipped as done + run',
      value: fr ? `${fr.skippedDone} + ${fr.succeeded + fr.failed}` : 'no report',
      bound: `= ${r.options.lines}`,
      pass: fr !== undefined && fr.skippedDone + fr.succeeded + fr.failed === r.options.lines,
    },
    {
      name: 'peak RSS per run, max / min',
      value: `${ratio.toFixed(2)} (${mb(Math.min(...peaks))} … ${mb(Math.max(...peaks))})`,
      bound: judgeMemory
        ? `≤ ${MAX_PEAK_RATIO}`
        : `not judged under ${MIN_LINES_FOR_MEMORY.toLocaleString('en-US')} lines`,
      pass: !judgeMemory || ratio <= MAX_PEAK_RATIO,
    },
  ];
  return { pass: checks.every((c) => c.pass), checks };
}

/** The `batch-soak` section of RELIABILITY.md. */
export function batchMarkdown(r: BatchSoakResult, command: string): string {
  const { pass, checks } = batchVerdict(r);
  const o = r.options;
  const lines = [
    '## Soak: the batch runner killed and resumed',
    '',
    `\`${command}\` on ${new Date().toISOString().slice(0, 10)}, Node ${process.versions.node}: ` +
      `\`breakerbox batch\` over a ${o.lines.toLocaleString('en-US')}-line chat input ` +
      `(\`--config\`, \`--concurrency ${r.concurrency}\`) against a simulator with no latency, ` +
      `SIGKILLed ${o.kills} times at seeded random points (one in each of ${o.kills} equal ` +
      'strata of 5–95 % of the lines, judged by the calls the simulator received) and resumed ' +
      'each time by running the same command again. Then the output and error files are joined ' +
      "on `custom_id` (each result's `id` must carry its line number), and the simulator's " +
      'call count is held to the documented contract: exactly once in the output, at least ' +
      'once at the provider, and only the lines in flight at a kill sent twice. Run time ' +
      `${(r.elapsedMs / 1000).toFixed(0)} s.`,
    '',
    ...verdictLines(pass, checks),
    '',
    'Each run of the command (peak RSS: `VmHWM` of the runner from `/proc/<pid>/status`, read ' +
      'every 20 ms and right before the kill):',
    '',
    '| run | ended | simulator calls | results on disk after | peak RSS | time |',
    '| --- | --- | --- | --- | --- | --- |',
    ...r.segments.map(
      (s, i) =>
        `| ${i + 1} | ${s.exit.signal ?? `exit ${String(s.exit.code)}`} | ${s.calls} | ${s.resultsAfter} | ${mb(s.peakRss)} | ${(s.ms / 1000).toFixed(1)} s |`,
    ),
  ];
  return lines.join('\n');
}
