/**
 * What a failed-over request costs over the fallback's own latency. The primary's breaker is
 * open, so breakerbox skips it (no call) and asks the fallback; the contender asks the fallback
 * directly. Both go through the same engine and simulator over loopback, interleaved, one
 * request at a time, so the difference is breakerbox's planning, skip and bookkeeping.
 *
 *   npm run bench:failover
 */
import { createBreakerbox } from '../src/index.js';
import { startSimulator } from '../src/sim/index.js';
import { compare, formatNs, writeSection } from './harness.js';
import { cpus, loadavg } from 'node:os';

const sim = await startSimulator({ host: '127.0.0.1', port: 0 });
const bb = createBreakerbox({
  providers: { sim: { baseURL: sim.url, apiKey: 'bench' } },
  models: {
    primary: { deployments: [{ provider: 'sim' }], fallbacks: ['backup'] },
    backup: { deployments: [{ provider: 'sim' }] },
  },
});
bb.breakers.get('sim/primary').forceOpen();

const body = (model: string) => ({
  model,
  messages: [{ role: 'user' as const, content: 'hello' }],
});
const run = (model: string) => async (ops: number) => {
  for (let i = 0; i < ops; i++) await bb.chat(body(model));
};

const results = await compare(
  [
    { name: 'fallback asked directly', run: run('backup') },
    { name: 'primary open, failed over', run: run('primary') },
  ],
  { ops: 300, rounds: 15, warmupOps: 500 },
);
const direct = results.get('fallback asked directly') ?? 0;
const failedOver = results.get('primary open, failed over') ?? 0;
const added = failedOver - direct;

const rows = [...results].map(([name, ns]) => `| ${name} | ${formatNs(ns)} |`).join('\n');
const markdown = `## Failover overhead (\`npm run bench:failover\`)

One request at a time through \`bb.chat\` to the simulator on loopback, median of 15 interleaved
rounds of 300 requests. The primary's breaker is open, so the request is planned, the primary
skipped without a call, and the fallback asked.

| path | median per request |
|---|---|
${rows}

**Added by failing over: ${formatNs(added)}** per request (target: under 1 ms).

Machine: Node ${process.version}, ${cpus().length} cores, load ${loadavg()[0]?.toFixed(2)} at start.`;
writeSection('failover', markdown);
console.log(markdown);
await bb.close();
await sim.close();
