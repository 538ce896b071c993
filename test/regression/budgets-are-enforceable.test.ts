// Issue 8, "Budgets that are silently not enforced": a budget on a model with no price let every
// call through at $0 without a word. Such a budget is now a config error, and the prompt tokens a
// provider served from its cache are charged at the configured `cachedInput` price.
import type { ConfigInput } from '../../src/index.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MockAgent } from 'undici';
import { ConfigError } from '../../src/core/index.js';
import { createBreakerbox } from '../../src/engine/index.js';

const BASE = 'https://mock.example';

const config = (pricing: Record<string, unknown>): Record<string, unknown> => ({
  providers: { local: { baseURL: `${BASE}/v1` } },
  models: { llama: { deployments: [{ provider: 'local' }], budget: { usdPerDay: 0.5 } } },
  retry: { attempts: 0 },
  pricing,
});

test('the engine refuses a budget it could not enforce, naming the model and the fix', () => {
  assert.throws(
    () => createBreakerbox(config({}) as ConfigInput, { env: {} }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.issues[0]?.path, 'models.llama.budget');
      assert.match(
        err.message,
        /no price for deployment "local\/llama".*add "llama" under pricing:/,
      );
      return true;
    },
  );
});

test('cached prompt tokens are charged at cachedInput, and count toward the budget', async (t) => {
  const agent = new MockAgent();
  agent.disableNetConnect();
  t.after(() => agent.close());
  const usage = {
    prompt_tokens: 1_000_000,
    completion_tokens: 0,
    prompt_tokens_details: { cached_tokens: 800_000 },
  };
  agent
    .get(BASE)
    .intercept({ path: '/v1/chat/completions', method: 'POST' })
    .reply(
      200,
      { id: 'x', object: 'chat.completion', choices: [], usage },
      {
        headers: { 'content-type': 'application/json' },
      },
    )
    .times(2);
  const bb = createBreakerbox(
    config({ llama: { input: 1, output: 2, cachedInput: 0.25 } }) as ConfigInput,
    {
      env: {},
      dispatcher: agent,
    },
  );
  t.after(() => bb.close());
  const ask = { model: 'llama', messages: [{ role: 'user' as const, content: 'hi' }] };
  const first = await bb.chat(ask);
  // 200k uncached at $1/M + 800k cached at $0.25/M.
  assert.ok(Math.abs(first.breakerbox.costUsd - 0.4) < 1e-9, String(first.breakerbox.costUsd));
  assert.equal(bb.ledger.snapshot().total.cachedPromptTokens, 800_000);
  // $0.40 of $0.50 spent: one more call is admitted (at the input price it would be refused).
  await bb.chat(ask);
  await assert.rejects(bb.chat(ask), { code: 'budget_exceeded' });
});
