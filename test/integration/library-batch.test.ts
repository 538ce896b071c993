// `bb.batch()` from the library surface: OpenAI batch requests through the engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBreakerbox } from '../../src/index.js';
import { startSim } from '../support/start-sim.js';

test('bb.batch answers every request once, in the OpenAI batch output format', async (t) => {
  const sim = await startSim(t, { models: { a: { faults: { errorRate: 0.5 } } } });
  const bb = createBreakerbox({
    providers: { sim: { baseURL: sim.url, apiKey: 'sk-test' } },
    models: {
      a: { deployments: [{ provider: 'sim' }], fallbacks: ['b'] },
      b: { deployments: [{ provider: 'sim' }] },
    },
  });
  t.after(() => bb.close());
  const requests = Array.from({ length: 40 }, (_, i) => ({
    custom_id: `r${i}`,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model: 'a', messages: [{ role: 'user', content: `question ${i}` }] },
  }));
  const seen = new Map<string, number>();
  for await (const line of bb.batch(requests, { concurrency: 8 })) {
    assert.equal(line.response?.status_code, 200);
    seen.set(String(line.custom_id), (seen.get(String(line.custom_id)) ?? 0) + 1);
  }
  assert.equal(seen.size, 40);
  assert.ok([...seen.values()].every((n) => n === 1));
});
