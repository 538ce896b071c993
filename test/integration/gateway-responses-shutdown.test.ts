// A Responses stream still open when the shutdown grace period ends gets a Responses `error`
// event (`shutting_down`), numbered after the last event relayed, never a silent cut (issue 9).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { post, startStack } from '../fixtures/gateway-harness.js';

interface Frame {
  readonly event: string | undefined;
  readonly data: { type?: string; code?: string; sequence_number?: number };
}

function frames(text: string): Frame[] {
  return text
    .split('\n\n')
    .filter((block) => block.includes('data: '))
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice('event: '.length);
      const data = lines.find((l) => l.startsWith('data: '))?.slice('data: '.length) ?? '{}';
      return { event, data: JSON.parse(data) as Frame['data'] };
    });
}

test('close(): a stalled Responses stream ends with a shutting_down error event', async (t) => {
  const s = await startStack(t, {
    simModels: { 'gpt-4.1': { faults: { streamStallAfterChunks: 1 }, chunkCount: 5 } },
  });
  const res = await post(
    `${s.url}/v1/responses`,
    { model: 'gpt-4.1', input: 'hold on', stream: true },
    s.auth,
  );
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  let text = '';
  // Read until the first delta has arrived, then shut down.
  while (!text.includes('response.output_text.delta')) {
    const next = await reader.read();
    if (next.done) break;
    text += Buffer.from(next.value).toString();
  }
  await s.gateway.close(50);
  for (let i = 0; i < 1_000; i++) {
    const next = await reader.read();
    if (next.done) break;
    text += Buffer.from(next.value).toString();
  }
  const all = frames(text);
  const last = all.at(-1);
  assert.equal(last?.event, 'error');
  assert.equal(last.data.type, 'error');
  assert.equal(last.data.code, 'shutting_down');
  assert.equal(last.data.sequence_number, (all.at(-2)?.data.sequence_number ?? -2) + 1);
  assert.ok(!all.some((f) => f.event === 'response.completed'), 'no false end');
});
