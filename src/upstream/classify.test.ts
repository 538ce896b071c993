import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FailureKind } from '../core/index.js';
import {
  classifyError,
  classifyResponse,
  describeNetworkError,
  failureKindForStatus,
  formatNetworkDetail,
} from './classify.js';
import { toOpenAIErrorBody } from './envelope.js';

const NOW = Date.UTC(2025, 0, 1);

function classify(status: number, bodyText = '', headers: Record<string, string> = {}) {
  return classifyResponse({
    status,
    headers,
    body: toOpenAIErrorBody(status, bodyText),
    nowEpochMs: NOW,
  });
}

function kindOf(status: number, bodyText = ''): string {
  const o = classify(status, bodyText);
  return o.type === 'failure' ? o.kind : `neutral:${o.reason}`;
}

test('every status row of the table', () => {
  const table: [number, string][] = [
    [400, 'neutral:caller_error'],
    [404, 'not_found'],
    [413, 'neutral:caller_error'],
    [422, 'neutral:caller_error'],
    [401, 'auth'],
    [402, 'auth'],
    [403, 'auth'],
    [429, 'rate_limited'],
    [500, 'server_error'],
    [501, 'server_error'],
    [502, 'server_error'],
    [504, 'server_error'],
    [599, 'server_error'],
    [503, 'overloaded'],
    [529, 'overloaded'],
    [408, 'server_error'],
    [409, 'server_error'],
    [410, 'server_error'],
    [302, 'server_error'],
  ];
  for (const [status, expected] of table) assert.equal(kindOf(status), expected, String(status));
});

test('context length: by code, or by message, on 400 (and other caller-error statuses)', () => {
  const byCode = JSON.stringify({
    error: {
      message: 'too long',
      type: 'invalid_request_error',
      param: 'messages',
      code: 'context_length_exceeded',
    },
  });
  assert.equal(kindOf(400, byCode), 'neutral:context_length');
  const vllm = JSON.stringify({
    object: 'error',
    message:
      "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens.",
    code: 400,
  });
  assert.equal(kindOf(400, vllm), 'neutral:context_length');
  assert.equal(
    kindOf(413, '{"error":{"message":"prompt is too long: 215000 tokens > 200000 maximum"}}'),
    'neutral:context_length',
  );
  assert.equal(kindOf(400, '{"error":{"message":"bad temperature"}}'), 'neutral:caller_error');
  // A 5xx that mentions context length is still the upstream's failure.
  assert.equal(kindOf(500, '{"error":{"message":"maximum context length"}}'), 'server_error');
});

test('429 carries retryAfterMs from headers, else from the message', () => {
  const h = classify(429, '', { 'retry-after': '2' });
  assert.deepEqual(h, { type: 'failure', kind: 'rate_limited', retryAfterMs: 2000 });
  const m = classify(
    429,
    '{"error":{"message":"Please try again in 1.5s.","code":"rate_limit_exceeded"}}',
  );
  assert.equal(m.type === 'failure' && m.retryAfterMs, 1500);
  const none = classify(429, '');
  assert.equal(none.type === 'failure' && none.retryAfterMs, undefined);
});

test('429 insufficient_quota is still rate_limited', () => {
  const quota = JSON.stringify({
    error: {
      message: 'You exceeded your current quota',
      type: 'insufficient_quota',
      param: null,
      code: 'insufficient_quota',
    },
  });
  assert.equal(kindOf(429, quota), 'rate_limited');
});

test('a 503 with Retry-After reports it; durationMs is copied', () => {
  const o = classifyResponse({
    status: 503,
    headers: { 'retry-after-ms': '250' },
    body: toOpenAIErrorBody(503, ''),
    nowEpochMs: NOW,
    durationMs: 12,
  });
  assert.deepEqual(o, { type: 'failure', kind: 'overloaded', retryAfterMs: 250, durationMs: 12 });
});

test('failureKindForStatus: caller errors are null', () => {
  assert.equal(failureKindForStatus(422), null);
  assert.equal(failureKindForStatus(429), 'rate_limited');
});

function err(code: string, props: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(code), { code }, props);
}

test('network error codes', () => {
  const table: [unknown, FailureKind][] = [
    [err('ECONNREFUSED'), 'network'],
    [err('ECONNRESET'), 'network'],
    [err('EPIPE'), 'network'],
    [err('ENOTFOUND'), 'network'],
    [err('UND_ERR_SOCKET'), 'network'],
    [err('UND_ERR_CLOSED'), 'network'],
    [err('UND_ERR_RES_CONTENT_LENGTH_MISMATCH'), 'network'],
    [err('UND_ERR_CONNECT_TIMEOUT'), 'connect_timeout'],
    [err('UND_ERR_HEADERS_TIMEOUT'), 'first_byte_timeout'],
    [err('UND_ERR_BODY_TIMEOUT'), 'idle_timeout'],
    [err('HPE_INVALID_CHUNK_SIZE'), 'malformed_response'],
    [err('ERR_TLS_CERT_ALTNAME_INVALID'), 'network'],
    [err('CERT_HAS_EXPIRED'), 'network'],
    [err('UND_ERR_INVALID_ARG'), 'error'],
    [new Error('no code'), 'error'],
    ['a string', 'error'],
    [null, 'error'],
  ];
  for (const [e, kind] of table)
    assert.equal(classifyError(e), kind, String((e as Error | null)?.message ?? e));
});

test('codes are found on the cause and on an AggregateError (happy eyeballs)', () => {
  assert.equal(
    classifyError(new TypeError('fetch failed', { cause: err('ECONNREFUSED') })),
    'network',
  );
  const agg = new AggregateError([err('ECONNREFUSED'), err('ECONNREFUSED')], 'connect failed');
  assert.equal(classifyError(agg), 'network');
});

test('failoverOn moves a 4xx about the request to the deployment side; context length keeps its chain', () => {
  const on = (status: number, bodyText = '') =>
    classifyResponse({
      status,
      headers: {},
      body: toOpenAIErrorBody(status, bodyText),
      nowEpochMs: NOW,
      failoverOn: [400, 422],
    });
  assert.deepEqual(on(400), { type: 'failure', kind: 'server_error' });
  assert.deepEqual(on(422), { type: 'failure', kind: 'server_error' });
  assert.deepEqual(on(413), { type: 'neutral', reason: 'caller_error' });
  const tooLong = JSON.stringify({ error: { code: 'context_length_exceeded', message: 'x' } });
  assert.deepEqual(on(400, tooLong), { type: 'neutral', reason: 'context_length' });
  assert.equal(failureKindForStatus(404), 'not_found');
  assert.equal(failureKindForStatus(400), null);
  assert.equal(failureKindForStatus(400, [400]), 'server_error');
});

/** An error shaped as Node's `net` or `tls` builds it: a message plus own fields. */
function nodeError(message: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(message), fields);
}

test('network detail: errno and the peer from a connect error, its cause, or happy eyeballs', () => {
  const refused = nodeError('connect ECONNREFUSED 127.0.0.1:9', {
    code: 'ECONNREFUSED',
    syscall: 'connect',
    address: '127.0.0.1',
    port: 9,
  });
  assert.deepEqual(describeNetworkError(refused), { code: 'ECONNREFUSED', address: '127.0.0.1:9' });
  assert.deepEqual(describeNetworkError(new TypeError('fetch failed', { cause: refused })), {
    code: 'ECONNREFUSED',
    address: '127.0.0.1:9',
  });
  const v6 = nodeError('connect ECONNREFUSED ::1:443', {
    code: 'ECONNREFUSED',
    address: '::1',
    port: 443,
  });
  assert.deepEqual(describeNetworkError(new AggregateError([v6, refused])), {
    code: 'ECONNREFUSED',
    address: '[::1]:443',
  });
  const cut = nodeError('other side closed', {
    code: 'UND_ERR_SOCKET',
    socket: { remoteAddress: '10.0.0.5', remotePort: 8443 },
  });
  assert.equal(formatNetworkDetail(describeNetworkError(cut)), 'UND_ERR_SOCKET 10.0.0.5:8443');
});

test('network detail: the TLS reason, from `reason` or the certificate error text', () => {
  const expired = nodeError('certificate has expired', { code: 'CERT_HAS_EXPIRED' });
  assert.deepEqual(describeNetworkError(expired), {
    code: 'CERT_HAS_EXPIRED',
    reason: 'certificate has expired',
  });
  assert.equal(
    formatNetworkDetail(describeNetworkError(expired), 'api.example.com:443'),
    'CERT_HAS_EXPIRED api.example.com:443: certificate has expired',
  );
  const altname = nodeError(
    "Hostname/IP does not match certificate's altnames: Host: api.example.com. is not in the cert's altnames: DNS:other.example",
    {
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      reason: "Host: api.example.com. is not in the cert's altnames: DNS:other.example",
      host: 'api.example.com',
    },
  );
  assert.deepEqual(describeNetworkError(new TypeError('fetch failed', { cause: altname })), {
    code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    reason: "Host: api.example.com. is not in the cert's altnames: DNS:other.example",
  });
  const selfSigned = nodeError('self-signed certificate', { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  assert.equal(describeNetworkError(selfSigned).reason, 'self-signed certificate');
  const long = nodeError('x'.repeat(1000), { code: 'ERR_SSL_WRONG_VERSION_NUMBER' });
  assert.equal(describeNetworkError(long).reason?.length, 200);
});

test('network detail: never the message of a non-TLS error; nothing without a code', () => {
  const reset = nodeError('read ECONNRESET while sending Bearer sk-secret-0123456789', {
    code: 'ECONNRESET',
  });
  assert.deepEqual(describeNetworkError(reset), { code: 'ECONNRESET' });
  assert.equal(formatNetworkDetail(describeNetworkError(reset), 'h:1'), 'ECONNRESET h:1');
  assert.deepEqual(describeNetworkError(new Error('boom')), {});
  assert.equal(formatNetworkDetail(describeNetworkError(new Error('boom')), 'h:1'), undefined);
  assert.deepEqual(describeNetworkError(null), {});
  assert.deepEqual(describeNetworkError('ECONNRESET'), {});
  // A cause chain is followed a bounded number of layers, even a cycle.
  const loop: { code?: string; cause?: unknown } = {};
  loop.cause = loop;
  assert.deepEqual(describeNetworkError(loop), {});
});
