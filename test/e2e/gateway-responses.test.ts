// The official openai SDK (v6) against the gateway on /v1/responses and /v1/completions:
// JSON and streams, failover, the pinned stateful case, a stream cut after content (issue 9).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI, { APIError } from 'openai';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { CLIENT_KEY, startStack } from '../fixtures/gateway-harness.js';
import { decodeResponseId } from '../../src/engine/index.js';

function sdk(url: string): OpenAI {
  return new OpenAI({ apiKey: CLIENT_KEY, baseURL: `${url}/v1`, maxRetries: 0 });
}

test('responses: JSON and stream, usage accounted, ids name the deployment', async (t) => {
  const s = await startStack(t);
  const openai = sdk(s.url);
  const r = await openai.responses.create({ model: 'gpt-4.1', input: 'tell me about breakers' });
  assert.equal(r.object, 'response');
  assert.equal(r.status, 'completed');
  assert.match(r.output_text, /Simulated answer from gpt-4\.1: tell me about breakers/);
  assert.equal(decodeResponseId(r.id)?.deploymentId, 'sim/gpt-4.1');
  assert.ok(r.usage && r.usage.input_tokens > 0 && r.usage.output_tokens > 0);
  assert.equal(s.bb.stats().models['gpt-4.1']?.tokens.completion, r.usage.output_tokens);

  const stream = await openai.responses.create({
    model: 'gpt-4.1',
    input: 'stream me',
    stream: true,
  });
  const events: ResponseStreamEvent[] = [];
  for await (const ev of stream) events.push(ev);
  assert.equal(events[0]?.type, 'response.created');
  const last = events.at(-1);
  assert.equal(last?.type, 'response.completed');
  const text = events
    .filter((e) => e.type === 'response.output_text.delta')
    .map((e) => (e as { delta: string }).delta)
    .join('');
  assert.match(text, /Simulated answer from gpt-4\.1: stream me/);
  assert.equal(decodeResponseId(last.response.id)?.deploymentId, 'sim/gpt-4.1');
  assert.equal(
    events.map((e) => e.sequence_number).join(),
    events.map((_, i) => i).join(),
    'sequence numbers relayed in order',
  );

  const helper = openai.responses.stream({ model: 'gpt-4.1', input: 'helper' });
  const final = await helper.finalResponse();
  assert.match(final.output_text, /helper/);
});

test('responses: a stateless request fails over, JSON and stream', async (t) => {
  const s = await startStack(t, { simModels: { 'gpt-4.1': { faults: { down: true } } } });
  const openai = sdk(s.url);
  const { data, response } = await openai.responses
    .create({ model: 'gpt-4.1', input: 'hi' })
    .withResponse();
  assert.equal(response.headers.get('x-breakerbox-fallback'), 'model');
  assert.equal(data.model, 'gpt-4.1-mini');
  assert.equal(decodeResponseId(data.id)?.deploymentId, 'sim/gpt-4.1-mini');

  const stream = await openai.responses.create({ model: 'gpt-4.1', input: 'hi', stream: true });
  const types: string[] = [];
  for await (const ev of stream) types.push(ev.type);
  assert.equal(types.at(-1), 'response.completed');
  assert.ok(s.sim.stats()['gpt-4.1']?.byStatus['503'] === 2, 'the primary was tried twice');
});

test('responses: a stateful request is pinned to the deployment holding its state', async (t) => {
  const s = await startStack(t, { simModels: { 'gpt-4.1': { faults: { down: true } } } });
  const openai = sdk(s.url);
  // The primary is down: the first turn is answered (and stored) by the fallback.
  const first = await openai.responses.create({ model: 'gpt-4.1', input: 'remember me' });
  assert.equal(decodeResponseId(first.id)?.deploymentId, 'sim/gpt-4.1-mini');
  // The primary recovers; the next turn still goes where the state is.
  s.sim.setFaults('gpt-4.1', null);
  s.sim.resetCounts();
  const second = await openai.responses.create({
    model: 'gpt-4.1',
    input: 'and now?',
    previous_response_id: first.id,
  });
  assert.equal(second.model, 'gpt-4.1-mini');
  assert.equal(second.previous_response_id, first.id, 'the echoed id is the one the client sent');
  assert.equal(s.sim.calls('gpt-4.1'), 0, 'never sent to a deployment without the state');

  // The deployment holding the state goes down: a clear error, no failover.
  s.sim.setFaults('gpt-4.1-mini', { down: true });
  s.sim.resetCounts();
  await assert.rejects(
    openai.responses.create({ model: 'gpt-4.1', input: 'again', previous_response_id: second.id }),
    (err: unknown) => {
      assert.ok(err instanceof APIError);
      assert.equal(err.status, 503);
      assert.equal(err.code, 'response_state_unavailable');
      assert.match(err.message, /sim\/gpt-4\.1-mini/);
      assert.match(err.message, /not failed over/);
      return true;
    },
  );
  assert.equal(s.sim.calls('gpt-4.1'), 0, 'the healthy primary was not called');
  assert.equal(s.sim.calls('gpt-4.1-mini'), 1);

  // A stream says the same before any event.
  await assert.rejects(
    openai.responses.create({
      model: 'gpt-4.1',
      input: 'again',
      previous_response_id: second.id,
      stream: true,
    }),
    (err: unknown) => err instanceof APIError && err.code === 'response_state_unavailable',
  );
});

test('responses: a stream cut after content ends with an error event', async (t) => {
  const s = await startStack(t, {
    simModels: { 'gpt-4.1': { faults: { streamCutAfterChunks: 2, chunkDelayMs: 1 } } },
  });
  const openai = sdk(s.url);
  const stream = await openai.responses.create({ model: 'gpt-4.1', input: 'cut', stream: true });
  const events: ResponseStreamEvent[] = [];
  for await (const ev of stream) events.push(ev);
  const deltas = events.filter((e) => e.type === 'response.output_text.delta');
  assert.equal(deltas.length, 2);
  const last = events.at(-1);
  assert.equal(last?.type, 'error');
  assert.equal(last.code, 'upstream_error');
  assert.equal(last.sequence_number, (events.at(-2)?.sequence_number ?? -2) + 1);
  assert.ok(!events.some((e) => e.type === 'response.completed'));
  assert.equal(s.sim.calls('gpt-4.1-mini'), 0, 'no switch of model mid-answer');
});

test('completions: JSON and stream, with failover', async (t) => {
  const s = await startStack(t, { simModels: { 'gpt-4.1': { faults: { down: true } } } });
  const openai = sdk(s.url);
  const c = await openai.completions.create({
    model: 'gpt-4.1',
    prompt: 'say this',
    max_tokens: 6,
  });
  assert.equal(c.object, 'text_completion');
  assert.equal(c.model, 'gpt-4.1-mini');
  assert.match(c.choices[0]!.text, /^Simulated answer from gpt-4\.1-mini:/);
  assert.equal(c.choices[0]!.finish_reason, 'length');
  assert.equal(c.usage?.completion_tokens, 6);

  const stream = await openai.completions.create({
    model: 'gpt-4.1',
    prompt: 'stream this',
    stream: true,
  });
  let text = '';
  const chunks: unknown[] = [];
  for await (const chunk of stream) {
    chunks.push(chunk);
    text += chunk.choices[0]?.text ?? '';
  }
  assert.match(text, /^Simulated answer from gpt-4\.1-mini: stream this/);
  assert.ok(!JSON.stringify(chunks).includes('"usage"'), 'internal usage chunk hidden');
  const spent = s.bb.stats().models['gpt-4.1-mini']?.tokens.completion ?? 0;
  assert.ok(spent > 6, `stream tokens accounted (${spent})`);
});

test('completions: a stream cut after content ends with an OpenAI error event', async (t) => {
  const s = await startStack(t, {
    simModels: { 'gpt-4.1': { faults: { streamCutAfterChunks: 2, chunkDelayMs: 1 } } },
  });
  const openai = sdk(s.url);
  const stream = await openai.completions.create({ model: 'gpt-4.1', prompt: 'x', stream: true });
  let seen = 0;
  await assert.rejects(
    (async () => {
      for await (const chunk of stream) if (chunk.choices[0]?.text) seen++;
    })(),
    (err: unknown) => err instanceof APIError && err.code === 'upstream_error',
  );
  assert.equal(seen, 2);
});
