/**
 * The gateway soak's verdict and its RELIABILITY.md section.
 */
import { availableParallelism, loadavg } from 'node:os';
import type { GatewaySoakResult, Sample } from './soak-gateway.js';
import { latency } from './soak-load.js';
import { mb, pct } from './soak-proc.js';
import { verdictLines } from './report.js';
import type { Check } from './report.js';

export const MIN_SUCCESS = 0.999;
export const MAX_GROWTH = 0.1;
/**
 * The median per-interval event-loop lag p99 the gateway may show under the soak's load: a loop
 * blocked by the gateway shows seconds; a shared 2-core machine alone shows tens of ms.
 */
export const MAX_LAG_P99_S = 0.2;

const growth = (from: number, to: number): number => to / from - 1;

/** The acceptance checks of a gateway soak; `pass` when every one holds. */
export function gatewayVerdict(r: GatewaySoakResult): { pass: boolean; checks: Check[] } {
  const t = r.total;
  const judged = t.sent - t.cut;
  const success = judged > 0 ? t.ok / judged : 0;
  const heap = growth(r.steady.heapUsed, r.end.heapUsed);
  const rss = growth(r.steady.rss, r.end.rss);
  // Under load the handles count the open connections, which follow the fault of the moment
  // (a hanging upstream keeps more pooled sockets open); a leak is what stays once the load stops.
  const handles = r.idle.handles - r.start.handles;
  const lags = r.samples.map((s) => s.lagP99).sort((a, b) => a - b);
  const lagMedian = lags[Math.floor(lags.length / 2)] ?? Number.NaN;
  const checks: Check[] = [
    {
      name: 'success (cut streams apart)',
      value: `${pct(success, 3)} (${t.ok} of ${judged})`,
      bound: `≥ ${pct(MIN_SUCCESS)}`,
      pass: success >= MIN_SUCCESS,
    },
    { name: 'hung (30 s client timeout)', value: String(t.hung), bound: '0', pass: t.hung === 0 },
    {
      name: 'streams truncated silently',
      value: String(t.truncated),
      bound: '0',
      pass: t.truncated === 0,
    },
    {
      name: 'gateway crashed / exit after SIGTERM',
      value: `${r.crashed ? 'crashed' : 'no'} / ${String(r.exitCode)}`,
      bound: 'no / 0',
      pass: !r.crashed && r.exitCode === 0,
    },
    {
      name: 'heap used growth, steady → end',
      value: `${signed(heap)} (${mb(r.steady.heapUsed)} → ${mb(r.end.heapUsed)})`,
      bound: `< ${pct(MAX_GROWTH, 0)}`,
      pass: heap < MAX_GROWTH,
    },
    {
      name: 'RSS growth, steady → end',
      value: `${signed(rss)} (${mb(r.steady.rss)} → ${mb(r.end.rss)})`,
      bound: `< ${pct(MAX_GROWTH, 0)}`,
      pass: rss < MAX_GROWTH,
    },
    {
      name: 'active handles, start → idle after the load',
      value: `${r.start.handles} → ${r.idle.handles} (under load ${r.steady.handles} → ${r.end.handles})`,
      bound: `no growth (≤ ${pct(MAX_GROWTH, 0)})`,
      pass: handles <= Math.max(1, r.start.handles * MAX_GROWTH),
    },
    {
      name: 'event-loop lag p99 (median of samples)',
      value: `${ms(lagMedian)} (worst sample ${ms(lags[lags.length - 1] ?? Number.NaN)})`,
      bound: `< ${ms(MAX_LAG_P99_S)}`,
      pass: lagMedian < MAX_LAG_P99_S,
    },
  ];
  return { pass: checks.every((c) => c.pass), checks };
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : ''}${pct(x)}`;
}

function ms(seconds: number): string {
  return `${(seconds * 1000).toFixed(1)} ms`;
}

function sampleRow(name: string, s: Sample): string {
  return `| ${name} | ${mb(s.rss)} | ${mb(s.heapUsed)} | ${s.handles} | ${ms(s.lagP99)} |`;
}

/** The `soak` section of RELIABILITY.md. */
export function gatewayMarkdown(r: GatewaySoakResult, command: string): string {
  const { pass, checks } = gatewayVerdict(r);
  const o = r.options;
  const t = r.total;
  const all = latency(t);
  const lines = [
    '## Soak: the gateway under steady load, faults switching',
    '',
    `\`${command}\` on ${new Date().toISOString().slice(0, 10)}, Node ${process.versions.node}: ` +
      `${(o.durationMs / 60_000).toFixed(1)} min measured after a ${(o.warmupMs / 1000).toFixed(0)} s warm-up, ` +
      `${o.concurrency ?? 16} concurrent clients (\`openai\` SDK, \`maxRetries: 0\`, 30 s timeout), ` +
      `60% JSON chat, 25% streamed chat, 15% embeddings. Model and embeddings each have two ` +
      `deployments on two simulated providers (answers take 5–25 ms); the primary's fault ` +
      `changes every ${(o.phaseMs / 1000).toFixed(0)} s through the cycle below, the backup ` +
      `stays healthy. Run time ${(r.elapsedMs / 1000).toFixed(0)} s; ` +
      `${t.sent} requests (${(t.sent / (o.durationMs / 1000 + o.warmupMs / 1000)).toFixed(0)}/s), ` +
      `p50 ${all.p50.toFixed(1)} ms, p99 ${all.p99.toFixed(1)} ms; load average at the end ` +
      `${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} cores (the driver, the simulators and ` +
      'the gateway share them).',
    '',
    ...verdictLines(pass, checks),
    '',
    'The gateway process, read from its own `/metrics` (prom-client defaults) right after a forced ' +
      `full GC (a preload, \`chaos/soak-gc.ts\`, runs \`gc()\` on SIGUSR2), every ` +
      `${(o.sampleMs / 1000).toFixed(0)} s. **start**: the first sample, after the warm-up; ` +
      '**steady**: the median of the samples in the second quarter of the run; **end**: the ' +
      'median of the samples in the last quarter; **idle**: after the load stopped. Lag p99 is ' +
      'per interval between two samples (prom-client resets its histogram on each scrape) and ' +
      'includes the forced GC.',
    '',
    '| | RSS | heap used | active handles | lag p99 |',
    '| --- | --- | --- | --- | --- |',
    sampleRow('start', r.start),
    sampleRow('steady', r.steady),
    sampleRow('end', r.end),
    sampleRow('idle', r.idle),
    '',
    'Requests by the fault active when they were sent. A stream cut after content cannot fail ' +
      'over: it is counted apart and must end with an error the SDK raises, never silently.',
    '',
    '| primary fault | sent | ok | failed | cut after content | hung | p50 | p99 |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...[...r.byPhase].map(([name, c]) => {
      const l = latency(c);
      return `| ${name} | ${c.sent} | ${c.ok} | ${c.failed} | ${c.cut} | ${c.hung} | ${l.p50.toFixed(1)} ms | ${l.p99.toFixed(1)} ms |`;
    }),
  ];
  const errors = [...t.errors].sort((a, b) => b[1] - a[1]).slice(0, 5);
  if (errors.length > 0) {
    lines.push('', 'Failures, most frequent first:', '');
    for (const [e, n] of errors) lines.push(`- ${n} × \`${e}\``);
  }
  return lines.join('\n');
}
