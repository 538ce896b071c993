// The official openai SDK (v6) against the gateway: what a real client sees, errors included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import OpenAI, {
  APIError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  RateLimitError,
} from 'openai';
import { CLIENT_KEY, chatBody, post, startStack } from '../fixtures/gateway-harness.js';
import { SERVE_CLIENT_KEY } from '../fixtures/gateway-serve-key.js';

const messages = [{ role: 'user' as const, content: 'tell me about circuit breakers' }];

function sdk(url: string, apiKey = CLIENT_KEY): OpenAI {
  return new OpenAI({ apiKey, baseURL: `${url}/v1`, maxRetries: 0 });
}

test('JSON chat, streams with and without usage, models', async (t) => {
  const s = await startStack(t);
  const openai = sdk(s.url);
  const completion = await openai.chat.completions.create({ model: 'gpt-4.1', messages });
  assert.equal(completion.object, 'chat.completion');
  assert.match(completion.choices[0]!.message.content ?? '', /circuit breakers/);
  assert.match(completion._request_id ?? '', /^req_/);

  const withUsage = await openai.chat.completions.create({
    model: 'gpt-4.1',
    messages,
    stream: true,
    stream_options: { include_usage: true },
  });
  const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
  for await (const c of withUsage) chunks.push(c);
  const last = chunks.at(-1)!;
  assert.deepEqual(last.choices, []);
  assert.ok((last.usage?.total_tokens ?? 0) > 0, 'usage chunk present');
  assert.ok(chunks.some((c) => c.choices[0]?.finish_reason === 'stop'));

  const plain = await openai.chat.completions.create({ model: 'gpt-4.1', messages, stream: true });
  const plainChunks: unknown[] = [];
  for await (const c of plain) plainChunks.push(c);
  assert.ok(plainChunks.length > 2);
  assert.ok(!JSON.stringify(plainChunks).includes('"usage"'), 'no usage anywhere');

  const helper = openai.chat.completions.stream({ model: 'gpt-4.1', messages });
  const final = await helper.finalChatCompletion();
  assert.equal(final.choices[0]!.finish_reason, 'stop');

  const models = await openai.models.list();
  assert.deepEqual(models.data.map((m) => m.id).sort(), [
    'gpt-4.1',
    'gpt-4.1-mini',
    'text-embedding-3-small',
  ]);
  const one = await openai.models.retrieve('gpt-4.1-mini');
  assert.equal(one.id, 'gpt-4.1-mini');
});

test('embeddings: base64 by default (decoded by the SDK) and float', async (t) => {
  const s = await startStack(t);
  const openai = sdk(s.url);
  const b64 = await openai.embeddings.create({
    model: 'text-embedding-3-small',
    input: ['one', 'two'],
  });
  assert.equal(b64.data.length, 2);
  assert.equal(b64.data[1]!.index, 1);
  assert.equal(b64.data[0]!.embedding.length, 256, 'decoded float32 length');
  assert.ok(b64.data[0]!.embedding.some((x) => x !== 0));
  const float = await openai.embeddings.create({
    model: 'text-embedding-3-small',
    input: 'one',
    encoding_format: 'float',
  });
  assert.equal(float.data[0]!.embedding.length, 256);
  for (let i = 0; i < 8; i++) {
    assert.ok(Math.abs(float.data[0]!.embedding[i]! - b64.data[0]!.embedding[i]!) < 1e-6);
  }
});

test('errors arrive as the SDK own classes with code, param and request id', async (t) => {
  const s = await startStack(t);
  const openai = sdk(s.url);
  const notFound = await openai.chat.completions
    .create({ model: 'gpt-9', messages })
    .catch((e: unknown) => e);
  assert.ok(notFound instanceof NotFoundError);
  assert.equal(notFound.code, 'model_not_found');
  assert.match(notFound.requestID ?? '', /^req_/);

  const bad = await openai.chat.completions
    .create({ model: 'gpt-4.1', messages, temperature: 7 })
    .catch((e: unknown) => e);
  assert.ok(bad instanceof BadRequestError);
  assert.equal(bad.param, 'temperature');

  const auth = await sdk(s.url, 'sk-nope')
    .chat.completions.create({ model: 'gpt-4.1', messages })
    .catch((e: unknown) => e);
  assert.ok(auth instanceof AuthenticationError);
  assert.equal(auth.code, 'invalid_api_key');

  const limited = sdk(s.url, 'sk-test-limited-1');
  await limited.chat.completions.create({ model: 'gpt-4.1', messages });
  await limited.chat.completions.create({ model: 'gpt-4.1', messages });
  const rl = await limited.chat.completions
    .create({ model: 'gpt-4.1', messages })
    .catch((e: unknown) => e);
  assert.ok(rl instanceof RateLimitError);
  assert.equal(rl.code, 'rate_limited');
  assert.ok(Number(rl.headers.get('retry-after')) <= 60);
});

test('503 all_candidates_failed is an InternalServerError with retry headers', async (t) => {
  const s = await startStack(t, { simModels: { '*': { faults: { down: true } } } });
  const err = await sdk(s.url)
    .chat.completions.create({ model: 'gpt-4.1', messages })
    .catch((e: unknown) => e);
  assert.ok(err instanceof InternalServerError);
  assert.equal(err.status, 503);
  assert.equal(err.code, 'all_candidates_failed');
  const shouldRetry = err.headers.get('x-should-retry');
  assert.ok(shouldRetry === 'true' || shouldRetry === 'false');
  const ra = err.headers.get('retry-after');
  if (ra !== null) assert.ok(Number(ra) <= 60);
});

test('a stream cut after its first chunk makes the SDK throw APIError', async (t) => {
  const s = await startStack(t, {
    simModels: { 'gpt-4.1': { faults: { streamCutAfterChunks: 1 }, chunkCount: 8 } },
  });
  const stream = await sdk(s.url).chat.completions.create({
    model: 'gpt-4.1',
    messages,
    stream: true,
  });
  const received: unknown[] = [];
  const err = await (async () => {
    for await (const c of stream) received.push(c);
  })().catch((e: unknown) => e);
  assert.ok(received.length >= 1, 'content arrived first');
  assert.ok(err instanceof APIError, `expected APIError, got ${String(err)}`);
  assert.equal(err.status, undefined, 'a mid-stream error has no status');
});

test('metrics after SDK traffic: series present, no key or request id', async (t) => {
  const s = await startStack(t);
  const openai = sdk(s.url);
  const c = await openai.chat.completions.create({ model: 'gpt-4.1', messages });
  await openai.chat.completions.create({ model: 'nope', messages }).catch(() => undefined);
  const text = await (await fetch(`${s.url}/metrics`)).text();
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.length === 0) continue;
    const space = line.lastIndexOf(' ');
    series.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  assert.equal(
    series.get(
      'breakerbox_requests_total{model="gpt-4.1",deployment="sim/gpt-4.1",outcome="success"}',
    ),
    1,
  );
  assert.equal(
    series.get('breakerbox_errors_total{source="caller",code="model_not_found",model="none"}'),
    1,
  );
  assert.equal(series.get('breakerbox_circuit_state{deployment="sim/gpt-4.1",state="closed"}'), 1);
  assert.ok((series.get('breakerbox_cost_usd_total{model="gpt-4.1"}') ?? 0) > 0);
  assert.ok(!text.includes(CLIENT_KEY));
  assert.ok(!text.includes(c._request_id ?? 'never'), 'no request id in metrics');
});

test('admin auth: 401 without or with a wrong key, 200 with the admin key', async (t) => {
  const s = await startStack(t);
  assert.equal((await fetch(`${s.url}/admin/circuits`)).status, 401);
  const wrong = await fetch(`${s.url}/admin/circuits`, {
    headers: { authorization: 'Bearer wrong' },
  });
  assert.equal(wrong.status, 401);
  const ok = await fetch(`${s.url}/admin/circuits`, { headers: s.admin });
  assert.equal(ok.status, 200);
  await ok.body?.cancel();
});

test('1,000 malformed requests are each answered 4xx with the envelope; then one succeeds', async (t) => {
  const s = await startStack(t, { gateway: { bodyLimitBytes: 16 * 1024, maxJsonDepth: 32 } });
  const url = `${s.url}/v1/chat/completions`;
  const kinds: (() => Promise<Response>)[] = [
    () => post(url, '{"model":"gpt-4.1","messages":[{', s.auth),
    () => post(url, chatBody({ messages: 'hi' }), s.auth),
    () => post(url, chatBody({ pad: 'x'.repeat(20 * 1024) }), s.auth),
    () => post(url, `${'['.repeat(200)}${']'.repeat(200)}`, s.auth),
    () => post(url, chatBody({ model: 'no-such-model' }), s.auth),
    () => post(url, chatBody()),
    () => post(url, chatBody(), { authorization: 'Bearer sk-wrong' }),
    () => post(url, chatBody({ stream: 'yes' }), s.auth),
    () => post(url, 'null', s.auth),
    () => post(url, '', s.auth),
  ];
  const statuses = new Map<number, number>();
  const total = 1_000;
  const concurrency = 10;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const res = await kinds[i % kinds.length]!();
      assert.ok(res.status >= 400 && res.status < 500, `request ${i}: ${res.status}`);
      assert.equal(res.headers.get('content-type'), 'application/json');
      const body = (await res.json()) as { error: { message: string; type: string } };
      assert.equal(typeof body.error.message, 'string');
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  assert.deepEqual([...statuses.keys()].sort(), [400, 401, 404, 413]);
  const ok = await sdk(s.url).chat.completions.create({ model: 'gpt-4.1', messages });
  assert.equal(ok.object, 'chat.completion');
});

test('SIGTERM with a stream in flight: the stream finishes, the process exits 0', async (t) => {
  const fixture = fileURLToPath(new URL('../fixtures/gateway-serve.js', import.meta.url));
  const child = spawn(process.execPath, [fixture], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      resolve(code);
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      reject(new Error(`no url in time: ${stderr}`));
    }, 20_000);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve((JSON.parse(out.slice(0, nl)) as { url: string }).url);
      }
    });
  });
  const stream = await sdk(url, SERVE_CLIENT_KEY).chat.completions.create({
    model: 'gpt-4.1',
    messages,
    stream: true,
  });
  let chunks = 0;
  let finish: string | null | undefined;
  for await (const c of stream) {
    chunks++;
    if (chunks === 1) child.kill('SIGTERM');
    finish = c.choices[0]?.finish_reason ?? finish;
  }
  assert.equal(finish, 'stop', 'the in-flight stream finished');
  const code = await Promise.race([
    exited,
    new Promise<string>((r) =>
      setTimeout(() => {
        r('timeout');
      }, 20_000).unref(),
    ),
  ]);
  assert.equal(code, 0, stderr);
  assert.match(stderr, /SIGTERM: draining/);
});
