/**
 * How fast the engine answers when nothing can be admitted: every breaker of the model and its
 * fallback is open (tripped by real failures, `openMs` 1 h), so `bb.chat` must reject at once
 * with `all_candidates_failed` and a `retryAfterMs`, making no call and never sleeping. Each
 * request is timed on its own (process.hrtime), one at a time, and the distribution reported,
 * next to one healthy call to the simulator on loopback measured in the same run.
 *
 *   npm run bench:fail-fast
 */
import { AllCandidatesFailedError, createBreakerbox } from '../src/index.js';
import { startSimulator } from '../src/sim/index.js';
import { formatNs, writeSection } from './harness.js';
import { cpus, loadavg } from 'node:os';

const REQUESTS = 20_000;
const HEALTHY = 2_000;

const sim = await startSimulator({
  host: '127.0.0.1',
  port: 0,
  models: { primary: { faults: { down: true } }, backup: { faults: { down: true } } },
});
const bb = createBreakerbox({
  providers: { sim: { baseURL: sim.url, apiKey: 'bench' } },
  models: {
    primary: { deployments: [{ provider: 'sim' }], fallbacks: ['backup'] },
    backup: { deployments: [{ provider: 'sim' }] },
    healthy: { deployments: [{ provider: 'sim' }] },
  },
  breaker: { trip: { consecutive: 3 }, openMs: 3_600_000, maxOpenMs: 3_600_000 },
  retry: { attempts: 2, backoff: { initialMs: 1, maxMs: 2 } },
});
const body = (model: string) => ({
  model,
  messages: [{ role: 'user' as const, content: 'hello' }],
});

// Trip both breakers with real failed calls.
for (let i = 0; i < 10; i++) await bb.chat(body('primary')).catch(() => undefined);
const states = ['sim/primary', 'sim/backup'].map((id) => bb.breakers.get(id).snapshot().state);
if (states.some((s) => s !== 'open')) throw new Error(`breakers not open: ${states.join(', ')}`);
const callsBefore = sim.calls();

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

async function sample(model: string, n: number, expectError: boolean): Promise<Float64Array> {
  const ns = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    try {
      await bb.chat(body(model));
      if (expectError) throw new Error('an open model answered');
    } catch (error) {
      if (!expectError || !(error instanceof AllCandidatesFailedError)) throw error;
    }
    ns[i] = Number(process.hrtime.bigint() - start);
  }
  return ns.sort();
}

await sample('primary', 2_000, true); // warm-up
await sample('healthy', 200, false);
const failFast = await sample('primary', REQUESTS, true);
const healthy = await sample('healthy', HEALTHY, false);
const upstreamCalls = sim.calls() - callsBefore - 200 - HEALTHY;

const row = (name: string, s: Float64Array) =>
  `| ${name} | ${formatNs(percentile(s, 50))} | ${formatNs(percentile(s, 99))} | ${formatNs(percentile(s, 99.9))} | ${formatNs(s[s.length - 1] ?? 0)} |`;
const ratio = percentile(healthy, 50) / percentile(failFast, 50);
const markdown = `## Fail fast when every breaker is open (\`npm run bench:fail-fast\`)

\`bb.chat\` for a model whose deployment and fallback are both open (tripped by real 503s,
\`openMs\` 1 h, \`retry.attempts: 2\`): ${REQUESTS.toLocaleString('en')} requests one at a time,
each timed alone. Every one rejected with \`all_candidates_failed\` and its \`retryAfterMs\`;
upstream calls made: ${upstreamCalls}. For scale, ${HEALTHY.toLocaleString('en')} healthy calls to
the simulator on loopback in the same run.

| path | p50 | p99 | p99.9 | max |
|---|---|---|---|---|
${row('every breaker open → all_candidates_failed', failFast)}
${row('one healthy call (loopback simulator)', healthy)}

**Engine time to answer \`all_candidates_failed\`: p99 ${formatNs(percentile(failFast, 99))}**
(target: under 1 ms); a healthy loopback call takes ${ratio.toFixed(0)}× as long at p50.

Machine: Node ${process.version}, ${cpus().length} cores, load ${loadavg()[0]?.toFixed(2)} at start.`;
writeSection('fail-fast', markdown);
console.log(markdown);
await bb.close();
await sim.close();
if (upstreamCalls !== 0) throw new Error(`open breakers let ${upstreamCalls} calls through`);
