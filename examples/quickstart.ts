/**
 * breakerbox in one screen: a simulated provider whose primary model fails a third of its calls
 * and then goes down, the official openai SDK pointed at breakerbox, and what breakerbox did.
 *
 *   npm run example
 */
import OpenAI from 'openai';
import { createBreakerbox } from '../src/index.js';
import { startSimulator } from '../src/sim/index.js';

const sim = await startSimulator({
  host: '127.0.0.1',
  port: 0,
  models: { 'gpt-4.1': { faults: { errorRate: 0.34 } } },
});
const bb = createBreakerbox({
  providers: { sim: { baseURL: sim.url, apiKey: 'sk-simulated' } },
  models: {
    'gpt-4.1': { deployments: [{ provider: 'sim' }], fallbacks: ['deepseek-v3.2'] },
    'deepseek-v3.2': { deployments: [{ provider: 'sim' }] },
  },
  breaker: { trip: { consecutive: 3 }, openMs: 2000 },
});
bb.on('transition', (t) => {
  console.log(`  circuit ${t.deployment}: ${t.from} -> ${t.to} (${t.reason})`);
});
const openai = new OpenAI({
  apiKey: 'unused',
  baseURL: 'http://breakerbox.local/v1',
  fetch: bb.fetch,
  maxRetries: 0,
});

async function phase(title: string, requests: number): Promise<void> {
  console.log(`\n${title}`);
  let ok = 0;
  const servedBy = new Map<string, number>();
  for (let i = 0; i < requests; i++) {
    const { response } = await openai.chat.completions
      .create({ model: 'gpt-4.1', messages: [{ role: 'user', content: `question ${i}` }] })
      .withResponse();
    ok++;
    const d = response.headers.get('x-breakerbox-deployment') ?? '?';
    servedBy.set(d, (servedBy.get(d) ?? 0) + 1);
  }
  const split = [...servedBy].map(([d, n]) => `${d} ${n}`).join(', ');
  console.log(`  ${ok}/${requests} answered; served by: ${split}`);
}

await phase('Phase 1: gpt-4.1 fails 34% of its calls', 200);
sim.setFaults('gpt-4.1', { down: true });
await phase('Phase 2: gpt-4.1 is down (its circuit opens; no call reaches it)', 200);
const callsWhileDown = sim.calls('gpt-4.1');
await phase('  ...still down', 100);
console.log(
  `  calls gpt-4.1 received during those 100 requests: ${sim.calls('gpt-4.1') - callsWhileDown}`,
);
sim.setFaults('gpt-4.1', null);
await new Promise((r) => setTimeout(r, 2100));
await phase('Phase 3: gpt-4.1 recovered (a probe closes the circuit)', 100);

const stats = bb.stats();
const spend = bb.ledger.snapshot().total;
console.log('\nSummary');
console.log(
  `  requests ${stats.totals.requests}, success rate ${((stats.totals.successRate ?? 0) * 100).toFixed(1)}%`,
);
console.log(`  p50 ${stats.totals.p50Ms?.toFixed(2)} ms, p99 ${stats.totals.p99Ms?.toFixed(2)} ms`);
console.log(
  `  spend $${spend.costUsd.toFixed(4)} (all on gpt-4.1 would have been $${spend.costIfRequestedUsd.toFixed(4)})`,
);
await bb.close();
await sim.close();
