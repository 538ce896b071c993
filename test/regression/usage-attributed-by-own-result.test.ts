// Issue 8, item 7: the gateway matched engine events to requests by `x-request-id`, an id the
// client controls; two concurrent requests sending the same id got each other's usage (or none)
// in the access log. Each log line must carry its own request's tokens and cost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chatBody, post, sseData, startStack } from '../fixtures/gateway-harness.js';

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
}

interface LogLine {
  requestId?: string;
  route?: string;
  stream?: boolean;
  promptTokens?: number;
  completionTokens?: number;
  costUsd?: number;
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), `timed out waiting for ${what}`);
}

test('concurrent requests sharing one x-request-id each log their own usage and cost', async (t) => {
  // The latency keeps all three in flight together, so each one's id is live during the others.
  const s = await startStack(t, { simModels: { 'gpt-4.1': { faults: { latencyMs: 150 } } } });
  const headers = { ...s.auth, 'x-request-id': 'shared-id' };
  const url = `${s.url}/v1/chat/completions`;
  const [short, long, streamed] = await Promise.all([
    post(url, chatBody({ max_tokens: 2 }), headers),
    post(url, chatBody({ max_tokens: 6 }), headers),
    post(
      url,
      chatBody({ max_tokens: 4, stream: true, stream_options: { include_usage: true } }),
      headers,
    ),
  ]);
  const shortUsage = ((await short.json()) as { usage: Usage }).usage;
  const longUsage = ((await long.json()) as { usage: Usage }).usage;
  const chunks = sseData(await streamed.text()).slice(0, -1);
  const streamUsage = (JSON.parse(chunks.at(-1)!) as { usage: Usage }).usage;
  assert.notEqual(shortUsage.completion_tokens, longUsage.completion_tokens);

  const lines = (): LogLine[] =>
    s.logs
      .map((l) => JSON.parse(l) as LogLine)
      .filter((l) => l.requestId === 'shared-id' && l.route === 'chat');
  await until(() => lines().length === 3, 'three access-log lines');
  const byStream = lines().find((l) => l.stream === true);
  const json = lines().filter((l) => l.stream !== true);
  assert.ok(byStream);
  assert.equal(byStream.completionTokens, streamUsage.completion_tokens);
  assert.equal(byStream.promptTokens, streamUsage.prompt_tokens);
  const logged = json.map((l) => l.completionTokens).sort((a, b) => (a ?? 0) - (b ?? 0));
  assert.deepEqual(logged, [shortUsage.completion_tokens, longUsage.completion_tokens]);
  for (const l of lines()) {
    assert.ok((l.costUsd ?? 0) > 0, `each line has its own cost: ${JSON.stringify(l)}`);
  }
  const [cheaper, dearer] = [...json].sort((a, b) => (a.costUsd ?? 0) - (b.costUsd ?? 0));
  assert.ok(
    (cheaper?.completionTokens ?? 0) < (dearer?.completionTokens ?? 0),
    'cost follows tokens',
  );
});
