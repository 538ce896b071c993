// The gateway over real sockets: sim + engine + gateway on 127.0.0.1, raw HTTP clients.
import type { ConfigInput } from '../../src/index.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { ConfigError } from '../../src/core/index.js';
import { createBreakerbox } from '../../src/engine/index.js';
import { createLogger, startGateway, silentLogger } from '../../src/gateway/index.js';
import {
  ADMIN_KEY,
  CLIENT_KEY,
  captureLines,
  chatBody,
  post,
  sseData,
  stackConfig,
  startStack,
} from '../fixtures/gateway-harness.js';

interface Envelope {
  error: { message: string; type: string; param: string | null; code: string | null };
}

async function envelope(res: Response): Promise<Envelope['error']> {
  assert.equal(res.headers.get('content-type'), 'application/json');
  assert.ok(res.headers.get('x-request-id'), 'x-request-id on every response');
  const body = (await res.json()) as Envelope;
  assert.deepEqual(Object.keys(body.error).slice(0, 4).sort(), [
    'code',
    'message',
    'param',
    'type',
  ]);
  return body.error;
}

test('JSON chat: upstream body relayed, JSON content type, request id and meta headers', async (t) => {
  const s = await startStack(t);
  const res = await post(`${s.url}/v1/chat/completions`, chatBody(), s.auth);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/json');
  assert.match(res.headers.get('x-request-id') ?? '', /^req_/);
  assert.equal(res.headers.get('x-breakerbox-deployment'), 'sim/gpt-4.1');
  assert.equal(res.headers.get('x-breakerbox-fallback'), 'none');
  assert.equal(res.headers.get('x-breakerbox-attempts'), '1');
  const body = (await res.json()) as {
    object: string;
    choices: { message: { content: string } }[];
  };
  assert.equal(body.object, 'chat.completion');
  assert.match(body.choices[0]!.message.content, /hello there gateway/);

  const mine = await post(`${s.url}/v1/chat/completions`, chatBody(), {
    ...s.auth,
    'x-request-id': 'my-trace-42',
  });
  assert.equal(mine.headers.get('x-request-id'), 'my-trace-42');
  await mine.body?.cancel();
});

test('stream: SSE headers, chunks, [DONE]; usage only when asked', async (t) => {
  const s = await startStack(t);
  const res = await post(`${s.url}/v1/chat/completions`, chatBody({ stream: true }), s.auth);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  assert.equal(res.headers.get('cache-control'), 'no-cache');
  assert.equal(res.headers.get('x-accel-buffering'), 'no');
  assert.equal(res.headers.get('x-breakerbox-deployment'), 'sim/gpt-4.1');
  const text = await res.text();
  const data = sseData(text);
  assert.equal(data.at(-1), '[DONE]');
  assert.ok(!text.includes('"usage"'), 'no usage anywhere without include_usage');
  const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as { choices: unknown[] });
  assert.ok(chunks.length >= 3);

  const withUsage = await post(
    `${s.url}/v1/chat/completions`,
    chatBody({ stream: true, stream_options: { include_usage: true } }),
    s.auth,
  );
  const usageData = sseData(await withUsage.text());
  const last = JSON.parse(usageData.at(-2)!) as {
    choices: unknown[];
    usage: { total_tokens: number };
  };
  assert.deepEqual(last.choices, []);
  assert.ok(last.usage.total_tokens > 0);
});

test('mid-stream failure: error event, no [DONE]', async (t) => {
  const s = await startStack(t, {
    simModels: { 'gpt-4.1': { faults: { streamCutAfterChunks: 2 }, chunkCount: 6 } },
  });
  const res = await post(`${s.url}/v1/chat/completions`, chatBody({ stream: true }), s.auth);
  assert.equal(res.status, 200);
  const data = sseData(await res.text());
  assert.ok(!data.includes('[DONE]'));
  const last = JSON.parse(data.at(-1)!) as Envelope;
  assert.ok(last.error.message.length > 0);
  assert.equal(typeof last.error.type, 'string');
});

test('routing errors: 404 Invalid URL, 405 with Allow', async (t) => {
  const s = await startStack(t);
  const nf = await post(`${s.url}/v1/nope`, {}, s.auth);
  assert.equal(nf.status, 404);
  assert.equal((await envelope(nf)).message, 'Invalid URL (POST /v1/nope)');
  const wm = await fetch(`${s.url}/v1/chat/completions`, { headers: s.auth });
  assert.equal(wm.status, 405);
  assert.equal(wm.headers.get('allow'), 'POST');
  await envelope(wm);
});

test('caller errors name the field; unknown model is 404 model_not_found', async (t) => {
  const s = await startStack(t, {
    config: {},
    gateway: { bodyLimitBytes: 2048, maxJsonDepth: 16 },
  });
  const url = `${s.url}/v1/chat/completions`;
  const bad = await post(url, '{"model": "gpt-4.1", "messages": [', s.auth);
  assert.equal(bad.status, 400);
  const badErr = await envelope(bad);
  assert.equal(badErr.code, 'invalid_request');
  assert.equal(bad.headers.get('x-should-retry'), 'false');
  const typed = await post(url, chatBody({ temperature: 'hot' }), s.auth);
  assert.equal(typed.status, 400);
  assert.equal((await envelope(typed)).param, 'temperature');
  const model = await post(url, chatBody({ model: 'gpt-9' }), s.auth);
  assert.equal(model.status, 404);
  assert.equal((await envelope(model)).code, 'model_not_found');
  const deep = await post(
    url,
    `{"model":"gpt-4.1","x":${'['.repeat(40)}${']'.repeat(40)}}`,
    s.auth,
  );
  assert.equal(deep.status, 400);
  assert.match((await envelope(deep)).message, /16 levels/);
  const huge = await post(url, chatBody({ pad: 'x'.repeat(10_000) }), s.auth);
  assert.equal(huge.status, 413);
  assert.match((await envelope(huge)).message, /2048 bytes/);
  const ok = await post(url, chatBody(), s.auth);
  assert.equal(ok.status, 200, 'the gateway still serves');
  await ok.body?.cancel();
});

test('a chunked body over the limit is cut at the limit with 413', async (t) => {
  const s = await startStack(t, { gateway: { bodyLimitBytes: 1024 } });
  const { status, text } = await new Promise<{ status: number; text: string }>(
    (resolve, reject) => {
      const req = httpRequest(`${s.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { ...s.auth, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, text });
        });
      });
      req.on('error', reject);
      req.write('{"model":"gpt-4.1","pad":"');
      req.write('x'.repeat(4096));
      req.end('"}');
    },
  );
  assert.equal(status, 413);
  assert.match(text, /1024 bytes/);
});

test('auth: missing or wrong key 401; Bearer and api-key accepted; keys never logged', async (t) => {
  const s = await startStack(t);
  const url = `${s.url}/v1/chat/completions`;
  const none = await post(url, chatBody());
  assert.equal(none.status, 401);
  assert.equal((await envelope(none)).code, 'invalid_api_key');
  const wrong = await post(url, chatBody(), { authorization: 'Bearer sk-wrong-key-value' });
  assert.equal(wrong.status, 401);
  assert.ok(!(await wrong.text()).includes('sk-wrong-key-value'), 'key not echoed');
  const azure = await post(url, chatBody(), { 'api-key': CLIENT_KEY });
  assert.equal(azure.status, 200);
  await azure.body?.cancel();
  const models = await fetch(`${s.url}/v1/models`, { headers: s.auth });
  const list = (await models.json()) as { object: string; data: { id: string }[] };
  assert.equal(list.object, 'list');
  assert.deepEqual(list.data.map((m) => m.id).sort(), [
    'gpt-4.1',
    'gpt-4.1-mini',
    'text-embedding-3-small',
  ]);
  const one = await fetch(`${s.url}/v1/models/gpt-4.1`, { headers: s.auth });
  assert.equal(((await one.json()) as { id: string }).id, 'gpt-4.1');
  const missing = await fetch(`${s.url}/v1/models/nope`, { headers: s.auth });
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
  const joined = s.logs.join('\n');
  for (const secret of [CLIENT_KEY, 'sk-wrong-key-value', ADMIN_KEY, 'sk-provider-secret-abcdef']) {
    assert.ok(!joined.includes(secret), `log leaks ${secret.slice(0, 8)}…`);
  }
  assert.ok(s.logs.some((l) => l.includes('"route":"chat"') && l.includes('"status":200')));
});

test('per-key rpm: 429 rate_limited with Retry-After; other keys unaffected', async (t) => {
  const s = await startStack(t);
  const url = `${s.url}/v1/chat/completions`;
  const limited = { authorization: 'Bearer sk-test-limited-1' };
  for (let i = 0; i < 2; i++) {
    const ok = await post(url, chatBody(), limited);
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
  }
  const res = await post(url, chatBody(), limited);
  assert.equal(res.status, 429);
  assert.equal((await envelope(res)).code, 'rate_limited');
  const retryAfterS = Number(res.headers.get('retry-after'));
  assert.ok(retryAfterS > 0 && retryAfterS <= 60);
  const other = await post(url, chatBody(), s.auth);
  assert.equal(other.status, 200);
  await other.body?.cancel();
});

test('per-key daily budget: 429 budget_exceeded, x-should-retry false', async (t) => {
  const s = await startStack(t, {
    config: {
      server: { clientKeys: [{ key: CLIENT_KEY, name: 'tiny', budgetUsdPerDay: 0.000001 }] },
      pricing: { 'gpt-4.1': { input: 2, output: 8 } },
    },
  });
  const url = `${s.url}/v1/chat/completions`;
  const first = await post(url, chatBody(), s.auth);
  assert.equal(first.status, 200);
  await first.body?.cancel();
  const res = await post(url, chatBody(), s.auth);
  assert.equal(res.status, 429);
  assert.equal((await envelope(res)).code, 'budget_exceeded');
  assert.equal(res.headers.get('x-should-retry'), 'false');
});

test('all candidates down: 503 all_candidates_failed, attempts, Retry-After <= 60', async (t) => {
  const s = await startStack(t, {
    simModels: { '*': { faults: { down: true } } },
  });
  const res = await post(`${s.url}/v1/chat/completions`, chatBody(), s.auth);
  assert.equal(res.status, 503);
  const body = (await res.json()) as Envelope & { error: { attempts: unknown[] } };
  assert.equal(body.error.code, 'all_candidates_failed');
  assert.ok(body.error.attempts.length >= 2, 'the model and its fallback were tried');
  assert.equal(res.headers.get('x-breakerbox-deployment'), 'none');
  assert.equal(res.headers.get('x-breakerbox-attempts'), '2');
  assert.ok(['true', 'false'].includes(res.headers.get('x-should-retry') ?? ''));
  const ra = res.headers.get('retry-after');
  if (ra !== null) assert.ok(Number(ra) >= 0 && Number(ra) <= 60);
});

test('at log level warn, a 5xx request line is still written (at warn); a 200 is not', async (t) => {
  const lines: string[] = [];
  const s = await startStack(t, {
    simModels: { '*': { faults: { down: true } } },
    gateway: { logger: createLogger({ level: 'warn', destination: captureLines(lines) }) },
  });
  const failed = await post(`${s.url}/v1/chat/completions`, chatBody(), s.auth);
  assert.equal(failed.status, 503);
  await failed.text();
  const ok = await fetch(`${s.url}/v1/models`, { headers: s.auth });
  assert.equal(ok.status, 200);
  await ok.text();
  await s.gateway.close(1_000);
  const requests = lines
    .map((l) => JSON.parse(l) as { msg?: string; level?: number; status?: number })
    .filter((l) => l.msg === 'request');
  assert.deepEqual(
    requests.map((l) => [l.level, l.status]),
    [[40, 503]],
  );
});

test('deadline from the client: x-breakerbox-deadline-ms gives 504 deadline_exceeded', async (t) => {
  const s = await startStack(t, { simModels: { '*': { faults: { latencyMs: 5_000 } } } });
  const res = await post(`${s.url}/v1/chat/completions`, chatBody(), {
    ...s.auth,
    'x-breakerbox-deadline-ms': '150',
  });
  assert.equal(res.status, 504);
  assert.equal((await envelope(res)).code, 'deadline_exceeded');
  const bad = await post(`${s.url}/v1/chat/completions`, chatBody(), {
    ...s.auth,
    'x-breakerbox-deadline-ms': 'soon',
  });
  assert.equal(bad.status, 400);
  assert.equal((await envelope(bad)).param, 'x-breakerbox-deadline-ms');
});

test('admin: circuits listed and driven; fallback header after a forced open', async (t) => {
  const s = await startStack(t);
  assert.equal((await fetch(`${s.url}/admin/circuits`)).status, 401);
  assert.equal((await fetch(`${s.url}/admin/circuits`, { headers: s.auth })).status, 401);
  const list = await fetch(`${s.url}/admin/circuits`, { headers: s.admin });
  assert.equal(list.status, 200);
  const circuits = (await list.json()) as { data: { name: string; state: string }[] };
  assert.ok(circuits.data.some((c) => c.name === 'sim/gpt-4.1' && c.state === 'closed'));
  const opened = await fetch(`${s.url}/admin/circuits/sim/gpt-4.1/open`, {
    method: 'POST',
    headers: s.admin,
  });
  assert.equal(opened.status, 200);
  assert.equal(((await opened.json()) as { state: string }).state, 'forced-open');
  const res = await post(`${s.url}/v1/chat/completions`, chatBody(), s.auth);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-breakerbox-fallback'), 'model');
  assert.equal(res.headers.get('x-breakerbox-deployment'), 'sim/gpt-4.1-mini');
  await res.body?.cancel();
  const closed = await fetch(`${s.url}/admin/circuits/sim%2Fgpt-4.1/close`, {
    method: 'POST',
    headers: s.admin,
  });
  assert.equal(((await closed.json()) as { state: string }).state, 'closed');
  const unknown = await fetch(`${s.url}/admin/circuits/nope/x/open`, {
    method: 'POST',
    headers: s.admin,
  });
  assert.equal(unknown.status, 404);
  await unknown.body?.cancel();
});

test('admin without an admin key: 403 unless local open mode', async (t) => {
  const s = await startStack(t, { gateway: { adminKey: '' } });
  const res = await fetch(`${s.url}/admin/circuits`, { headers: s.auth });
  assert.equal(res.status, 403);
  await res.body?.cancel();
  const open = await startStack(t, { gateway: { clientKeys: [], adminKey: '' } });
  const ok = await fetch(`${open.url}/admin/circuits`);
  assert.equal(ok.status, 200);
  await ok.body?.cancel();
});

test('no client key and a non-loopback host: refuses to start', async (t) => {
  const bb = createBreakerbox(stackConfig('http://127.0.0.1:9/v1') as ConfigInput, { env: {} });
  t.after(() => bb.close());
  await assert.rejects(
    startGateway({ engine: bb, host: '0.0.0.0', port: 0, clientKeys: [], logger: silentLogger() }),
    (e: unknown) => e instanceof ConfigError && /0\.0\.0\.0/.test(e.message),
  );
});

test('healthz, readyz, metrics', async (t) => {
  const s = await startStack(t);
  assert.equal((await fetch(`${s.url}/healthz`)).status, 200);
  const ready = await fetch(`${s.url}/readyz`);
  assert.equal(ready.status, 200);
  assert.equal(ready.headers.get('content-type'), 'application/json');
  const chat = await post(`${s.url}/v1/chat/completions`, chatBody(), {
    ...s.auth,
    'x-request-id': 'trace-must-not-be-a-label',
  });
  await chat.body?.cancel();
  await (await post(`${s.url}/v1/chat/completions`, '{', s.auth)).body?.cancel();
  const metrics = await fetch(`${s.url}/metrics`);
  assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain/);
  const text = await metrics.text();
  assert.match(
    text,
    /breakerbox_requests_total\{model="gpt-4.1",deployment="sim\/gpt-4.1",outcome="success"\} 1/,
  );
  assert.match(text, /breakerbox_circuit_state\{deployment="sim\/gpt-4.1",state="closed"\} 1/);
  assert.match(
    text,
    /breakerbox_errors_total\{source="caller",code="invalid_request",model="none"\} 1/,
  );
  assert.match(text, /breakerbox_tokens_total\{model="gpt-4.1",type="prompt"\} \d+/);
  assert.match(text, /breakerbox_request_duration_seconds_count\{model="gpt-4.1"\} 1/);
  assert.match(text, /breakerbox_in_flight_requests 0/);
  for (const secret of [CLIENT_KEY, ADMIN_KEY, 'trace-must-not-be-a-label', 'req_']) {
    assert.ok(!text.includes(secret), secret);
  }
});
