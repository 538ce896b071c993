// Issue 8, item 10: a network failure said only `failed (network)`. The errno and host:port now
// reach the error, its attempt list, the gateway's envelope and its access log; never a key.
import type { ConfigInput } from '../../src/index.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AllCandidatesFailedError } from '../../src/core/index.js';
import { createBreakerbox } from '../../src/engine/index.js';
import { CLIENT_KEY, chatBody, post, startStack } from '../fixtures/gateway-harness.js';
import type { ChatRequest } from '../../src/index.js';

/** A port on 127.0.0.1 that nothing listens on (bound once, then closed). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => {
    probe.close(() => {
      r();
    });
  });
  return port;
}

function deadConfig(port: number): Record<string, unknown> {
  return {
    providers: { dead: { baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'sk-dead-secret-0123' } },
    models: { 'gpt-4.1': { deployments: [{ provider: 'dead' }] } },
    retry: { attempts: 0 },
    server: { clientKeys: [CLIENT_KEY] },
  };
}

test('engine: a refused connection names ECONNREFUSED and 127.0.0.1:port in attempt and message', async (t) => {
  const port = await closedPort();
  const bb = createBreakerbox(deadConfig(port) as ConfigInput, { env: {} });
  t.after(() => bb.close());
  const error = await bb.chat(chatBody() as unknown as ChatRequest).then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof AllCandidatesFailedError);
  const where = `ECONNREFUSED 127.0.0.1:${port}`;
  const [attempt] = error.attempts;
  assert.ok(attempt);
  assert.equal(attempt.reason, 'network');
  assert.equal(attempt.detail, where);
  assert.ok(error.message.includes(`failed (network: ${where})`), error.message);
  assert.ok(!JSON.stringify(error.toJSON()).includes('sk-dead-secret'));
});

test('gateway: the envelope and the access log carry the detail, not the key', async (t) => {
  const port = await closedPort();
  const s = await startStack(t, { config: deadConfig(port) });
  const res = await post(`${s.url}/v1/chat/completions`, chatBody(), s.auth);
  assert.equal(res.status, 503);
  const where = `ECONNREFUSED 127.0.0.1:${port}`;
  const body = (await res.json()) as {
    error: { message: string; attempts: { reason: string; detail?: string }[] };
  };
  assert.ok(body.error.message.includes(where), body.error.message);
  assert.equal(body.error.attempts[0]?.detail, where);
  for (let i = 0; i < 500 && !s.logs.some((l) => l.includes('"route":"chat"')); i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  const line = s.logs.find((l) => l.includes('"route":"chat"'));
  assert.ok(line, 'the access-log line');
  const logged = JSON.parse(line) as {
    attempts?: number;
    attemptLog?: { deployment: string; reason: string; detail?: string }[];
  };
  assert.equal(logged.attempts, 1);
  assert.deepEqual(logged.attemptLog, [
    { deployment: 'dead/gpt-4.1', result: 'failed', reason: 'network', detail: where },
  ]);
  assert.ok(!s.logs.join('\n').includes('sk-dead-secret'), 'no key in the logs');
});
