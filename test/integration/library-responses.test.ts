// The Responses API and legacy completions through the library (issue 9): `bb.fetch` under the
// official SDK and `bb.openRouteStream`, against two simulated providers, each holding only the
// responses it created (a `previous_response_id` sent to the other is a 400 there).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import OpenAI, { APIError, BadRequestError } from 'openai';
import { createBreakerbox, decodeResponseId } from '../../src/engine/index.js';
import type { Breakerbox } from '../../src/engine/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { startSim } from '../support/start-sim.js';

async function twoProviders(
  t: TestContext,
): Promise<{ a: Simulator; b: Simulator; bb: Breakerbox }> {
  const a = await startSim(t, {});
  const b = await startSim(t, {});
  const bb = createBreakerbox({
    providers: { a: { baseURL: a.url }, b: { baseURL: b.url } },
    models: {
      'gpt-4.1': { deployments: [{ provider: 'a' }, { provider: 'b' }], strategy: 'priority' },
      'gpt-4.1-mini': { deployments: [{ provider: 'a' }] },
    },
    retry: { attempts: 0 },
  });
  t.after(() => bb.close());
  return { a, b, bb };
}

function sdkOf(bb: Breakerbox): OpenAI {
  return new OpenAI({
    apiKey: 'unused',
    baseURL: 'http://breakerbox.local/v1',
    fetch: bb.fetch,
    maxRetries: 0,
  });
}

test('bb.fetch: a conversation stays with the provider that stores it', async (t) => {
  const { a, b, bb } = await twoProviders(t);
  const openai = sdkOf(bb);
  a.setFaults('gpt-4.1', { down: true });
  const first = await openai.responses.create({ model: 'gpt-4.1', input: 'first turn' });
  assert.equal(decodeResponseId(first.id)?.deploymentId, 'b/gpt-4.1', 'failed over to b');
  a.setFaults('gpt-4.1', null);
  a.resetCounts();

  // A stream continuing it goes to b, though a is healthy again and first in priority.
  const stream = await openai.responses.create({
    model: 'gpt-4.1',
    input: 'second turn',
    previous_response_id: first.id,
    stream: true,
  });
  let completed: OpenAI.Responses.Response | undefined;
  for await (const ev of stream) if (ev.type === 'response.completed') completed = ev.response;
  assert.ok(completed, 'the stream completed');
  assert.equal(decodeResponseId(completed.id)?.deploymentId, 'b/gpt-4.1');
  assert.equal(completed.previous_response_id, first.id);
  assert.equal(a.calls(), 0);

  // b goes down: the pinned request says so, and a is not asked.
  b.setFaults('gpt-4.1', { down: true });
  await assert.rejects(
    openai.responses.create({ model: 'gpt-4.1', input: 'x', previous_response_id: completed.id }),
    (err: unknown) => {
      assert.ok(err instanceof APIError);
      assert.equal(err.code, 'response_state_unavailable');
      assert.match(err.message, /deployment b\/gpt-4\.1/);
      return true;
    },
  );
  assert.equal(a.calls(), 0);

  // A stateless request still fails over.
  const stateless = await openai.responses.create({ model: 'gpt-4.1', input: 'x', store: false });
  assert.equal(decodeResponseId(stateless.id)?.deploymentId, 'a/gpt-4.1');
});

test('state breakerbox did not issue goes to the model home deployment, never failed over', async (t) => {
  const { a, b, bb } = await twoProviders(t);
  const openai = sdkOf(bb);
  await assert.rejects(
    openai.responses.create({ model: 'gpt-4.1', input: 'x', previous_response_id: 'resp_foreign' }),
    (err: unknown) => err instanceof BadRequestError && err.code === 'previous_response_not_found',
  );
  assert.equal(a.calls(), 1);
  assert.equal(b.calls(), 0);
});

test('an id naming a deployment outside the model plan: 400 or response_state_unavailable', async (t) => {
  const { a, b, bb } = await twoProviders(t);
  const openai = sdkOf(bb);
  const { encodeResponseId } = await import('../../src/engine/index.js');
  const ask = (deployment: string) =>
    openai.responses.create({
      model: 'gpt-4.1',
      input: 'x',
      previous_response_id: encodeResponseId(deployment, 'resp_1'),
    });
  // Configured, but serves another model that is not in gpt-4.1's chain.
  await assert.rejects(ask('a/gpt-4.1-mini'), (err: unknown) => {
    assert.ok(err instanceof BadRequestError);
    assert.equal(err.code, 'invalid_request');
    assert.equal(err.param, 'previous_response_id');
    assert.match(err.message, /ask for model "gpt-4\.1-mini"/);
    return true;
  });
  // No longer configured at all.
  await assert.rejects(
    ask('elsewhere/gpt-4.1'),
    (err: unknown) => err instanceof APIError && err.code === 'response_state_unavailable',
  );
  assert.equal(a.calls() + b.calls(), 0, 'nothing was sent upstream');
});

test('bb.openRouteStream: Responses events and completions chunks, with their reports', async (t) => {
  const { a, bb } = await twoProviders(t);
  a.setFaults('gpt-4.1', { errorEventBeforeContentRate: 1 });
  const stream = await bb.openRouteStream('responses', { model: 'gpt-4.1', input: 'hello' });
  const types: (string | undefined)[] = [];
  for await (const ev of stream) types.push(ev.event);
  assert.equal(types[0], 'response.created');
  assert.equal(types.at(-1), 'response.completed');
  const report = await stream.report;
  assert.equal(report.meta.deployment, 'b/gpt-4.1', 'an error event before content failed over');
  assert.ok(report.promptTokens > 0 && report.completionTokens > 0);

  const chunks = await bb.openRouteStream('completions', { model: 'gpt-4.1', prompt: 'hi' });
  let text = '';
  for await (const data of chunks) {
    text += (JSON.parse(data) as { choices: { text?: string }[] }).choices[0]?.text ?? '';
  }
  assert.match(text, /^Simulated answer from gpt-4\.1: hi/);
  assert.ok((await chunks.report).completionTokens > 0);
});

test('bb.responses(): the answer with output_text, its id naming the deployment, and meta', async (t) => {
  const { a, bb } = await twoProviders(t);
  a.setFaults('gpt-4.1', { errorRate: 1, errorStatus: 500 });
  const r = await bb.responses({ model: 'gpt-4.1', input: 'library call' });
  assert.match(r.output_text, /^Simulated answer from gpt-4\.1: library call/);
  assert.equal(decodeResponseId(r.id)?.deploymentId, 'b/gpt-4.1');
  assert.equal(r.breakerbox.deployment, 'b/gpt-4.1');
  assert.equal(r.breakerbox.calls, 2);
  assert.ok(
    r.breakerbox.attempts.some((x) => x.deployment === 'a/gpt-4.1' && x.reason === 'server_error'),
  );
  await assert.rejects(
    bb.responses({ model: 'gpt-4.1', input: 'x', stream: true } as never),
    /use openRouteStream/,
  );
});
