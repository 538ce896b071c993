import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toOpenAIErrorBody } from './envelope.js';

test('an OpenAI envelope is kept as is', () => {
  const body = {
    error: {
      message: "This model's maximum context length is 128000 tokens.",
      type: 'invalid_request_error',
      param: 'messages',
      code: 'context_length_exceeded',
    },
  };
  assert.deepEqual(toOpenAIErrorBody(400, JSON.stringify(body)), body);
});

test('missing envelope keys are filled: param/code null, type from the status', () => {
  assert.deepEqual(toOpenAIErrorBody(500, '{"error":{"message":"boom"}}'), {
    error: { message: 'boom', type: 'server_error', param: null, code: null },
  });
  assert.deepEqual(toOpenAIErrorBody(401, '{"error":{}}').error, {
    message: 'Upstream returned HTTP 401 Unauthorized',
    type: 'authentication_error',
    param: null,
    code: null,
  });
});

test("Anthropic's error body keeps its inner type and message", () => {
  const text = '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}';
  assert.deepEqual(toOpenAIErrorBody(529, text).error, {
    message: 'Overloaded',
    type: 'overloaded_error',
    param: null,
    code: null,
  });
});

test('flat bodies are rewrapped: old vLLM, {error:"..."}, FastAPI {detail}', () => {
  const vllm =
    '{"object":"error","message":"bad temperature","type":"BadRequestError","param":null,"code":400}';
  assert.deepEqual(toOpenAIErrorBody(400, vllm).error, {
    message: 'bad temperature',
    type: 'BadRequestError',
    param: null,
    code: '400',
  });
  assert.deepEqual(toOpenAIErrorBody(503, '{"error":"Model is loading"}').error, {
    message: 'Model is loading',
    type: 'service_unavailable_error',
    param: null,
    code: null,
  });
  assert.equal(
    toOpenAIErrorBody(422, '{"detail":"Field required"}').error.message,
    'Field required',
  );
});

test('HTML, empty and non-error JSON bodies get a message naming the status', () => {
  const html = '<html><body><h1>502 Bad Gateway</h1></body></html>';
  assert.deepEqual(toOpenAIErrorBody(502, html).error, {
    message: 'Upstream returned HTTP 502 Bad Gateway',
    type: 'server_error',
    param: null,
    code: null,
  });
  assert.equal(
    toOpenAIErrorBody(429, '').error.message,
    'Upstream returned HTTP 429 Too Many Requests',
  );
  assert.equal(toOpenAIErrorBody(429, '').error.type, 'rate_limit_error');
  assert.equal(
    toOpenAIErrorBody(500, '{"ok":false}').error.message,
    'Upstream returned HTTP 500 Internal Server Error',
  );
  assert.equal(
    toOpenAIErrorBody(500, '[1,2]').error.message,
    'Upstream returned HTTP 500 Internal Server Error',
  );
  assert.equal(toOpenAIErrorBody(599, '').error.message, 'Upstream returned HTTP 599');
});

test('plain text is kept as the message, truncated', () => {
  assert.equal(
    toOpenAIErrorBody(503, 'upstream connect error\n').error.message,
    'upstream connect error',
  );
  const long = 'x'.repeat(5000);
  assert.equal(toOpenAIErrorBody(500, long).error.message.length, 1001);
});

test('types fit the status', () => {
  const type = (s: number): string => toOpenAIErrorBody(s, '').error.type;
  assert.equal(type(400), 'invalid_request_error');
  assert.equal(type(403), 'permission_error');
  assert.equal(type(404), 'invalid_request_error');
  assert.equal(type(529), 'service_unavailable_error');
  assert.equal(type(504), 'server_error');
});

test('the API key is cut out of the message if the upstream echoed it', () => {
  const key = 'sk-test-0123456789abcdef';
  const text = JSON.stringify({
    error: { message: `Incorrect API key provided: ${key}.`, type: 'x' },
  });
  const body = toOpenAIErrorBody(401, text, { redact: key });
  assert.equal(body.error.message, 'Incorrect API key provided: [redacted].');
  assert.ok(!JSON.stringify(body).includes(key));
  assert.ok(
    !JSON.stringify(toOpenAIErrorBody(401, `bad key ${key}`, { redact: key })).includes(key),
  );
});
