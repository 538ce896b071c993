/**
 * breakerbox as a library, with no API key: the official `openai` SDK calls through
 * `bb.fetch`, the primary model is down, and every request is still answered.
 *
 *   npm run build && node dist/examples/library.js
 *
 * The provider here is breakerbox's in-process simulator; with a real one, only `providers`
 * changes (`baseURL: 'https://api.openai.com/v1', apiKey: '${OPENAI_API_KEY}'`).
 */
import OpenAI from 'openai';
import { createBreakerbox } from '../src/index.js';
import { startSimulator } from '../src/sim/index.js';

// A simulated provider on a free loopback port, where gpt-4.1 answers 503 to every call.
const sim = await startSimulator({ models: { 'gpt-4.1': { faults: { down: true } } } });

const bb = createBreakerbox({
  providers: { sim: { baseURL: sim.url } },
  models: {
    'gpt-4.1': { deployments: [{ provider: 'sim' }], fallbacks: ['deepseek-v3.2'] },
    'deepseek-v3.2': { deployments: [{ provider: 'sim' }] },
  },
  breaker: { trip: { consecutive: 3 }, openMs: 30_000 },
});

// Your code stays as it is: only `baseURL`, `fetch` and `maxRetries` change.
const openai = new OpenAI({
  apiKey: 'unused',
  baseURL: 'http://breakerbox.local/v1',
  fetch: bb.fetch,
  maxRetries: 0, // breakerbox retries and fails over; SDK retries on top would multiply calls
});

for (let i = 1; i <= 6; i++) {
  const { data, response } = await openai.chat.completions
    .create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Say hi' }] })
    .withResponse();
  const served = response.headers.get('x-breakerbox-deployment');
  const calls = response.headers.get('x-breakerbox-attempts');
  console.log(
    `#${i} served by ${served} after ${calls} upstream call(s): ${data.choices[0]?.message.content}`,
  );
}

const stats = bb.stats();
const primary = stats.deployments['sim/gpt-4.1'];
console.log(
  `requests ${stats.totals.requests}, answered ${stats.totals.successes}, by a fallback ${stats.totals.fallbacks}`,
);
console.log(
  `sim/gpt-4.1: ${primary?.attempts.calls} calls, ${primary?.attempts.failures} failures, ` +
    `${primary?.attempts.skipped} skipped while its breaker was ${bb.breakers.get('sim/gpt-4.1').state}`,
);
console.log(`spent $${bb.ledger.snapshot().total.costUsd.toFixed(6)}`);

await bb.close();
await sim.close();
