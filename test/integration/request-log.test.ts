// The gateway's JSONL request log (issue 13): one line per model request, no content and no
// secret by default, content on request, size rotation, everything flushed by close().
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBreakerbox } from '../../src/engine/index.js';
import { silentLogger, startGateway } from '../../src/gateway/index.js';
import type { Gateway } from '../../src/gateway/index.js';
import { startMockUpstream } from '../support/mock-upstream.js';

const CLIENT_KEY = 'sk-client-secret-0123456789';
const PROVIDER_KEY = 'sk-provider-secret-abcdef';
const PROMPT = 'my very private prompt';

async function start(
  t: TestContext,
  requestLog: Record<string, unknown>,
): Promise<{ gateway: Gateway; path: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'bb-reqlog-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const path = join(dir, 'requests.jsonl');
  const up = await startMockUpstream(t, { a: 'fail', b: 'ok' });
  const bb = createBreakerbox({
    providers: {
      a: { baseURL: `${up.url}/a/v1`, apiKey: PROVIDER_KEY },
      b: { baseURL: `${up.url}/b/v1`, apiKey: PROVIDER_KEY },
    },
    models: {
      primary: { deployments: [{ provider: 'a', model: 'gpt-a' }], fallbacks: ['backup'] },
      backup: { deployments: [{ provider: 'b', model: 'gpt-b' }] },
    },
    pricing: { 'gpt-b': { input: 1, output: 2 } },
    retry: { attempts: 0 },
    breaker: { trip: { consecutive: 1000 } },
    server: {
      clientKeys: [{ key: CLIENT_KEY, name: 'team-a' }],
      requestLog: { path, ...requestLog },
    },
  });
  t.after(() => bb.close());
  const gateway = await startGateway({ engine: bb, port: 0, logger: silentLogger() });
  t.after(() => gateway.close(0));
  return { gateway, path };
}

async function chat(gateway: Gateway, model = 'primary', stream = false): Promise<number> {
  const res = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}` },
    body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: PROMPT }] }),
  });
  await res.text();
  return res.status;
}

const read = (path: string): Record<string, unknown>[] =>
  existsSync(path)
    ? readFileSync(path, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
    : [];

test('one line per model request, with what a spend review needs and no content or secret', async (t) => {
  const { gateway, path } = await start(t, {});
  assert.equal(await chat(gateway), 200);
  assert.equal(await chat(gateway, 'primary', true), 200);
  assert.equal(await chat(gateway, 'no-such-model'), 404);
  await fetch(`${gateway.url}/healthz`).then((r) => r.text());
  await gateway.close(1000);
  const raw = readFileSync(path, 'utf8');
  const lines = read(path);
  assert.equal(lines.length, 3, 'model requests only, every one flushed by close()');
  const [json, stream, missing] = lines as [
    Record<string, unknown>,
    Record<string, unknown>,
    Record<string, unknown>,
  ];
  assert.match(String(json.time), /^\d{4}-\d\d-\d\dT/);
  assert.match(String(json.requestId), /^req_/);
  assert.equal(json.client, 'team-a');
  assert.equal(json.model, 'primary');
  assert.equal(json.deployment, 'b/gpt-b');
  assert.equal(json.status, 200);
  assert.equal(json.outcome, 'fallback');
  assert.equal(json.attempts, 2);
  assert.deepEqual(json.attemptLog, [
    { deployment: 'a/gpt-a', result: 'failed', reason: 'server_error', status: 500 },
  ]);
  assert.equal(json.promptTokens, 7);
  assert.equal(json.completionTokens, 3);
  assert.ok(typeof json.costUsd === 'number' && json.costUsd > 0);
  assert.ok(typeof json.durationMs === 'number');
  assert.equal(stream.stream, true);
  assert.equal(stream.completionTokens, 3);
  assert.equal(missing.status, 404);
  assert.equal(missing.errorCode, 'model_not_found');
  for (const l of lines) assert.equal(l.content, undefined);
  for (const secret of [CLIENT_KEY, PROVIDER_KEY, PROMPT]) {
    assert.ok(!raw.includes(secret), `the log never holds ${secret.slice(0, 6)}…`);
  }
});

test('content: true logs the messages and the answer, still no key', async (t) => {
  const { gateway, path } = await start(t, { content: true });
  assert.equal(await chat(gateway), 200);
  await gateway.close(1000);
  const raw = readFileSync(path, 'utf8');
  const [line] = read(path);
  assert.deepEqual(line?.content, {
    request: [{ role: 'user', content: PROMPT }],
    response: ['hi'],
  });
  assert.ok(!raw.includes(CLIENT_KEY) && !raw.includes(PROVIDER_KEY));
});

test('rotates by size and keeps maxFiles files', async (t) => {
  const { gateway, path } = await start(t, { maxBytes: 1500, maxFiles: 2 });
  const total = 20;
  for (let i = 0; i < total; i++) assert.equal(await chat(gateway), 200);
  await gateway.close(1000);
  assert.ok(existsSync(`${path}.1`) && existsSync(`${path}.2`));
  assert.equal(existsSync(`${path}.3`), false);
  for (const f of [path, `${path}.1`, `${path}.2`]) {
    assert.ok(readFileSync(f).length <= 1500, `${f} within maxBytes`);
  }
  const kept = [`${path}.2`, `${path}.1`, path].flatMap(read);
  assert.ok(kept.length > 0 && kept.length < total, `${kept.length} lines kept of ${total}`);
  const times = kept.map((l) => String(l.time));
  assert.deepEqual(times, [...times].sort(), 'oldest file first, lines in order');
});

test('a request log that cannot be opened stops the start with a config error at its path', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bb-reqlog-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  // A directory where the file should be: EISDIR.
  const bb = createBreakerbox({
    providers: { a: { baseURL: 'http://127.0.0.1:9/v1' } },
    models: { m: { deployments: [{ provider: 'a' }] } },
    server: { requestLog: { path: dir } },
  });
  t.after(() => bb.close());
  await assert.rejects(startGateway({ engine: bb, port: 0, logger: silentLogger() }), {
    code: 'config_invalid',
    message: /server\.requestLog\.path: cannot open/,
  });
});
