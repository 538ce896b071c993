// Issue 8 through the gateway, with the official openai SDK as the client: a hung primary is
// answered by its fallback inside the deadline, and an open breaker with no fallback is an
// immediate 503 with Retry-After (the outages the library tests reproduce, on the wire).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { CLIENT_KEY, startStack } from '../fixtures/gateway-harness.js';
import { assertOpenBreakerAnswers503 } from '../support/engine.js';

const ask = (model: string) => ({
  model,
  messages: [{ role: 'user' as const, content: 'hello there gateway' }],
});

test('gateway: a hung primary with deadline 2 s is answered by the fallback, JSON and stream', async (t) => {
  const s = await startStack(t, {
    simModels: { 'gpt-4.1': { faults: { hangRate: 1 } } },
    config: { deadlineMs: 2_000, breaker: { trip: { consecutive: 10 } } },
  });
  const openai = new OpenAI({ apiKey: CLIENT_KEY, baseURL: `${s.url}/v1`, maxRetries: 0 });
  const { data, response } = await openai.chat.completions.create(ask('gpt-4.1')).withResponse();
  assert.equal(response.headers.get('x-breakerbox-deployment'), 'sim/gpt-4.1-mini');
  assert.equal(response.headers.get('x-breakerbox-fallback'), 'model');
  assert.match(data.choices[0]?.message.content ?? '', /gpt-4\.1-mini/);
  const stream = await openai.chat.completions.create({ ...ask('gpt-4.1'), stream: true });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  assert.match(text, /gpt-4\.1-mini/);
});

test('gateway: an open breaker with no fallback answers 503 at once, with Retry-After', async (t) => {
  const s = await startStack(t, {
    simModels: { 'gpt-4.1-mini': { faults: { down: true } } },
    config: { breaker: { trip: { consecutive: 1 }, openMs: 30_000, jitterRatio: 0 } },
  });
  const openai = new OpenAI({ apiKey: CLIENT_KEY, baseURL: `${s.url}/v1`, maxRetries: 0 });
  await openai.chat.completions.create(ask('gpt-4.1-mini')).catch(() => undefined);
  const calls = s.sim.calls('gpt-4.1-mini');
  await assertOpenBreakerAnswers503(openai, 'gpt-4.1-mini', { count: 20, openSeconds: 30 });
  assert.equal(s.sim.calls('gpt-4.1-mini'), calls, 'no call reached the open deployment');
});
