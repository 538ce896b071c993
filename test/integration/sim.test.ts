// The simulator speaks the OpenAI wire format well enough for the official SDK (openai@6) and
// raw HTTP clients: JSON chat, SSE streams (include_usage, the .stream() helper), tools, n,
// embeddings (base64 by default), models, errors in the envelope, API keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startSim } from '../support/start-sim.js';

const USER_TEXT = 'Please summarise the incident report from last night';

function client(url: string, apiKey = 'x'): OpenAI {
  return new OpenAI({ apiKey, baseURL: url, maxRetries: 0 });
}

async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function norm(vector: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += (vector[i] ?? 0) ** 2;
  return Math.sqrt(sum);
}

test('JSON chat through the SDK: echoed answer, usage, created in seconds, request id', async (t) => {
  const sim = await startSim(t);
  const messages = [
    { role: 'system' as const, content: 'You are terse.' },
    { role: 'user' as const, content: USER_TEXT },
  ];
  const completion = await client(sim.url).chat.completions.create({
    model: 'gpt-4o-mini',
    messages,
  });
  const choice = completion.choices[0]!;
  assert.equal(completion.object, 'chat.completion');
  assert.equal(completion.model, 'gpt-4o-mini');
  assert.equal(choice.finish_reason, 'stop');
  assert.equal(choice.message.role, 'assistant');
  assert.equal(choice.message.content, `Simulated answer from gpt-4o-mini: ${USER_TEXT}`);
  const chars = 'You are terse.'.length + USER_TEXT.length;
  const usage = completion.usage!;
  assert.equal(usage.prompt_tokens, Math.ceil(chars / 4));
  assert.equal(usage.completion_tokens, 4 + USER_TEXT.split(' ').length);
  assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
  assert.ok(Math.abs(completion.created - Date.now() / 1000) < 60, 'created is in seconds');
  const raw: Record<string, unknown> = { ...completion };
  assert.match(String(raw.system_fingerprint), /^fp_/);
  assert.match(completion._request_id ?? '', /^req_/);
});

test('raw JSON responses carry content-type and x-request-id; ids differ per request', async (t) => {
  const sim = await startSim(t);
  const body = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
  const first = await post(`${sim.url}/chat/completions`, body);
  const second = await post(`${sim.url}/chat/completions`, body);
  for (const res of [first, second]) {
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.match(res.headers.get('x-request-id') ?? '', /^req_/);
    await res.json();
  }
  assert.notEqual(first.headers.get('x-request-id'), second.headers.get('x-request-id'));
});

test('max_tokens and max_completion_tokens truncate with finish_reason length', async (t) => {
  const sim = await startSim(t);
  const openai = client(sim.url);
  const messages = [{ role: 'user' as const, content: USER_TEXT }];
  // max_tokens is deprecated in the SDK's types but still sent widely: send it raw.
  const legacy = (max: number): Promise<Response> =>
    post(`${sim.url}/chat/completions`, { model: 'm', messages, max_tokens: max });
  const short = (await (await legacy(3)).json()) as OpenAI.ChatCompletion;
  assert.equal(short.choices[0]!.finish_reason, 'length');
  assert.equal(short.choices[0]!.message.content, 'Simulated answer from');
  assert.equal(short.usage?.completion_tokens, 3);
  const newer = await openai.chat.completions.create({
    model: 'm',
    messages,
    max_completion_tokens: 5,
  });
  assert.equal(newer.choices[0]!.finish_reason, 'length');
  assert.equal(newer.usage?.completion_tokens, 5);
  const roomy = (await (await legacy(500)).json()) as OpenAI.ChatCompletion;
  assert.equal(roomy.choices[0]!.finish_reason, 'stop');
});

test('chunkCount sets the answer length; short prompts are padded deterministically', async (t) => {
  const sim = await startSim(t, { models: { long: { chunkCount: 40 } } });
  const openai = client(sim.url);
  const messages = [{ role: 'user' as const, content: 'hi' }];
  const a = await openai.chat.completions.create({ model: 'long', messages });
  const b = await openai.chat.completions.create({ model: 'long', messages });
  assert.equal(a.usage?.completion_tokens, 40);
  assert.equal(a.choices[0]!.message.content, b.choices[0]!.message.content);
  const natural = await openai.chat.completions.create({ model: 'other', messages });
  assert.equal(natural.usage?.completion_tokens, 8, 'a short prompt still gets a few words');
});

test('n choices: one per index, usage covers all of them', async (t) => {
  const sim = await startSim(t);
  const completion = await client(sim.url).chat.completions.create({
    model: 'm',
    n: 3,
    messages: [{ role: 'user', content: USER_TEXT }],
  });
  assert.deepEqual(
    completion.choices.map((c) => c.index),
    [0, 1, 2],
  );
  assert.equal(completion.usage?.completion_tokens, 3 * (4 + USER_TEXT.split(' ').length));
});

const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    parameters: {
      type: 'object',
      properties: {
        city: { type: 'string' },
        unit: { enum: ['celsius', 'fahrenheit'] },
        days: { type: 'integer' },
      },
      required: ['city', 'unit'],
    },
  },
};

test('tools: one tool call with JSON-string arguments, unless tool_choice is none', async (t) => {
  const sim = await startSim(t);
  const openai = client(sim.url);
  const messages = [{ role: 'user' as const, content: 'weather in Oslo?' }];
  const called = await openai.chat.completions.create({
    model: 'm',
    messages,
    tools: [WEATHER_TOOL],
  });
  const choice = called.choices[0]!;
  assert.equal(choice.finish_reason, 'tool_calls');
  assert.equal(choice.message.content, null);
  const call = choice.message.tool_calls![0]!;
  assert.equal(call.type, 'function');
  assert.equal(call.function.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.function.arguments), { city: 'simulated', unit: 'celsius' });
  const none = await openai.chat.completions.create({
    model: 'm',
    messages,
    tools: [WEATHER_TOOL],
    tool_choice: 'none',
  });
  assert.equal(none.choices[0]!.finish_reason, 'stop');
  assert.equal(none.choices[0]!.message.tool_calls, undefined);
});

test('SDK stream with include_usage: role first, content, finish, usage chunk, then the end', async (t) => {
  const sim = await startSim(t);
  const openai = client(sim.url);
  const messages = [{ role: 'user' as const, content: USER_TEXT }];
  const stream = await openai.chat.completions.create({
    model: 'm',
    messages,
    stream: true,
    stream_options: { include_usage: true },
  });
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  const first = chunks[0]!;
  assert.deepEqual(first.choices[0]!.delta, { role: 'assistant', content: '', refusal: null });
  const last = chunks.at(-1)!;
  assert.deepEqual(last.choices, []);
  assert.ok(last.usage !== null && last.usage !== undefined);
  const finish = chunks.at(-2)!;
  assert.equal(finish.choices[0]!.finish_reason, 'stop');
  const content = chunks.slice(1, -2);
  assert.ok(content.length >= 3, 'several content chunks');
  for (const chunk of chunks.slice(0, -1)) assert.equal(chunk.usage, null);
  const text = content.map((c) => c.choices[0]!.delta.content).join('');
  const json = await openai.chat.completions.create({ model: 'm', messages });
  assert.equal(text, json.choices[0]!.message.content);
  assert.deepEqual(last.usage, json.usage);
  assert.equal(new Set(chunks.map((c) => c.id)).size, 1, 'every chunk has the same id');
});

test('raw stream: SSE headers, no usage key without include_usage, ends with [DONE]', async (t) => {
  const sim = await startSim(t);
  const res = await post(`${sim.url}/chat/completions`, {
    model: 'm',
    stream: true,
    messages: [{ role: 'user', content: 'hi' }],
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  assert.equal(res.headers.get('cache-control'), 'no-cache');
  assert.match(res.headers.get('x-request-id') ?? '', /^req_/);
  const text = await res.text();
  assert.ok(text.endsWith('data: [DONE]\n\n'));
  const events = text.split('\n\n').filter((e) => e !== '');
  for (const event of events.slice(0, -1)) {
    assert.ok(event.startsWith('data: '));
    assert.equal('usage' in JSON.parse(event.slice(6)), false);
  }
});

test('the .stream() helper accepts the stream (it throws on a missing role or finish_reason)', async (t) => {
  const sim = await startSim(t);
  const openai = client(sim.url);
  const text = await openai.chat.completions
    .stream({ model: 'm', n: 2, messages: [{ role: 'user', content: USER_TEXT }] })
    .finalChatCompletion();
  assert.equal(text.choices.length, 2);
  assert.equal(text.choices[1]!.message.content, `Simulated answer from m: ${USER_TEXT}`);
  const tools = await openai.chat.completions
    .stream({ model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: [WEATHER_TOOL] })
    .finalChatCompletion();
  const call = tools.choices[0]!.message.tool_calls![0]!;
  assert.equal(tools.choices[0]!.finish_reason, 'tool_calls');
  assert.equal(call.type, 'function');
  assert.deepEqual(JSON.parse(call.function.arguments), { city: 'simulated', unit: 'celsius' });
});

test('embeddings through the SDK (base64 by default): right length, unit norm, per-input index', async (t) => {
  const sim = await startSim(t, { models: { 'embed-small': { embeddingDimensions: 64 } } });
  const openai = client(sim.url);
  const result = await openai.embeddings.create({
    model: 'embed-small',
    input: ['alpha', 'beta', 'alpha'],
  });
  assert.deepEqual(
    result.data.map((d) => d.index),
    [0, 1, 2],
  );
  for (const item of result.data) {
    assert.equal(item.embedding.length, 64);
    assert.ok(Math.abs(norm(item.embedding) - 1) < 1e-5);
  }
  assert.deepEqual(result.data[0]!.embedding, result.data[2]!.embedding, 'same text, same vector');
  assert.notDeepEqual(result.data[0]!.embedding, result.data[1]!.embedding);
  assert.equal(result.usage.prompt_tokens, 2 + 1 + 2, 'ceil(chars / 4) per input');
  const sized = await openai.embeddings.create({
    model: 'embed-small',
    input: 'alpha',
    dimensions: 12,
  });
  assert.equal(sized.data[0]!.embedding.length, 12);
  const defaulted = await openai.embeddings.create({ model: 'unlisted', input: [[1, 2, 3]] });
  assert.equal(defaulted.data[0]!.embedding.length, 256);
  assert.equal(defaulted.usage.prompt_tokens, 3);
});

test('embeddings as floats equal the base64 float32 values', async (t) => {
  const sim = await startSim(t);
  const asFloats = await post(`${sim.url}/embeddings`, {
    model: 'e',
    input: 'alpha',
    encoding_format: 'float',
  });
  const floats = ((await asFloats.json()) as { data: { embedding: number[] }[] }).data[0]!
    .embedding;
  const asBase64 = await post(`${sim.url}/embeddings`, {
    model: 'e',
    input: 'alpha',
    encoding_format: 'base64',
  });
  const encoded = ((await asBase64.json()) as { data: { embedding: string }[] }).data[0]!.embedding;
  const bytes = Buffer.from(encoded, 'base64');
  const decoded = Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
  assert.deepEqual(decoded, floats);
});

test('models: list and retrieve through the SDK', async (t) => {
  const sim = await startSim(t, {
    models: { 'gpt-4o': {}, 'text-embedding-3-small': {}, '*': {} },
  });
  const openai = client(sim.url);
  const ids = [];
  for await (const model of openai.models.list()) ids.push(model.id);
  assert.deepEqual(ids, ['gpt-4o', 'text-embedding-3-small']);
  const one = await openai.models.retrieve('org/any-model');
  assert.equal(one.id, 'org/any-model');
  assert.equal(one.object, 'model');
});

test('bad requests: 400 envelopes name the field; unknown routes 404', async (t) => {
  const sim = await startSim(t);
  const cases: [string, unknown, number, string | null, string | null][] = [
    ['/chat/completions', '{"model":', 400, null, null],
    ['/chat/completions', { messages: [] }, 400, 'model', 'missing_required_parameter'],
    ['/chat/completions', { model: 'm' }, 400, 'messages', 'missing_required_parameter'],
    ['/chat/completions', { model: 'm', messages: [] }, 400, 'messages', 'empty_array'],
    [
      '/chat/completions',
      { model: 'm', messages: [{ role: 'user', content: 'x' }], n: 0 },
      400,
      'n',
      'invalid_value',
    ],
    [
      '/chat/completions',
      { model: 'm', messages: [{ role: 'user', content: 'x' }], stream_options: {} },
      400,
      'stream_options',
      'invalid_value',
    ],
    ['/embeddings', { model: 'e' }, 400, 'input', 'missing_required_parameter'],
    ['/embeddings', { model: 'e', input: '' }, 400, 'input', 'invalid_value'],
    ['/nope', {}, 404, null, null],
  ];
  for (const [path, body, status, param, code] of cases) {
    const res = await post(`${sim.url}${path}`, body);
    assert.equal(res.status, status, `${path} ${JSON.stringify(body)}`);
    assert.equal(res.headers.get('content-type'), 'application/json');
    const { error } = (await res.json()) as { error: Record<string, unknown> };
    assert.deepEqual(Object.keys(error).sort(), ['code', 'message', 'param', 'type']);
    assert.equal(error.param, param);
    assert.equal(error.code, code);
  }
  const unknown = await fetch(`${sim.url}/nope`);
  assert.equal(
    ((await unknown.json()) as { error: { message: string } }).error.message,
    'Invalid URL (GET /v1/nope)',
  );
});

test('apiKey: the right key passes, a wrong one is 401 invalid_api_key, none is 401 code null', async (t) => {
  const sim = await startSim(t, { apiKey: 'sk-sim-right' });
  const messages = [{ role: 'user' as const, content: 'hi' }];
  const ok = await client(sim.url, 'sk-sim-right').chat.completions.create({
    model: 'm',
    messages,
  });
  assert.equal(ok.choices.length, 1);
  await assert.rejects(
    client(sim.url, 'sk-sim-wrong').chat.completions.create({ model: 'm', messages }),
    (error) => {
      assert.ok(error instanceof OpenAI.AuthenticationError);
      assert.equal(error.code, 'invalid_api_key');
      assert.equal(error.message.includes('sk-sim-wrong'), false, 'the key is never echoed');
      return true;
    },
  );
  const none = await post(`${sim.url}/chat/completions`, { model: 'm', messages });
  assert.equal(none.status, 401);
  assert.equal(((await none.json()) as { error: { code: unknown } }).error.code, null);
  const models = await fetch(`${sim.url}/models`, { headers: { 'api-key': 'sk-sim-right' } });
  assert.equal(models.status, 200);
  await models.body?.cancel();
  assert.equal(sim.calls('m'), 3, 'rejected calls are counted too');
});
