// Issue 9 ("every answer an envelope"): what Node's HTTP parser refuses (random bytes, bad or
// duplicate Content-Length, oversized headers or URL), slow requests and unknown `Expect` values
// each get their status and the OpenAI error envelope, then the connection closes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from '../fixtures/gateway-harness.js';
import { parseAnswer, rawExchange } from '../fixtures/raw-http.js';

test('random bytes, bad and duplicate Content-Length: 400 with the envelope', async (t) => {
  const s = await startStack(t);
  const port = s.gateway.port;
  const host = `Host: 127.0.0.1:${port}\r\n`;
  const cases: [string, string | Buffer][] = [
    [
      'random bytes',
      Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x0d, 0x0a]),
    ],
    ['bad length', `POST /v1/chat/completions HTTP/1.1\r\n${host}Content-Length: abc\r\n\r\n`],
    [
      'duplicate length',
      `POST /v1/chat/completions HTTP/1.1\r\n${host}Content-Length: 2\r\nContent-Length: 5\r\n\r\n{}`,
    ],
    [
      'length and chunked',
      `POST /v1/chat/completions HTTP/1.1\r\n${host}Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}`,
    ],
  ];
  for (const [what, bytes] of cases) {
    const answer = parseAnswer(await rawExchange(port, bytes));
    assert.equal(answer.status, 400, what);
    assert.equal(answer.error.code, 'invalid_request', what);
    assert.match(answer.error.message, /^Malformed HTTP request/, what);
    assert.equal(answer.headers.get('connection'), 'close', what);
  }
  const ok = await fetch(`${s.url}/healthz`);
  assert.equal(ok.status, 200, 'the gateway still serves');
  const metrics = await (await fetch(`${s.url}/metrics`)).text();
  assert.match(
    metrics,
    /breakerbox_errors_total\{source="caller",code="invalid_request",model="none"\} 4/,
  );
});

test('a 20 KB header and a 100 KB URL: 431 headers_too_large', async (t) => {
  const s = await startStack(t);
  const port = s.gateway.port;
  const bigHeader = `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Pad: ${'a'.repeat(20 * 1024)}\r\n\r\n`;
  const bigUrl = `GET /healthz?${'q'.repeat(100 * 1024)} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`;
  for (const bytes of [bigHeader, bigUrl]) {
    const answer = parseAnswer(await rawExchange(port, bytes));
    assert.equal(answer.status, 431);
    assert.equal(answer.error.code, 'headers_too_large');
  }
});

test('Expect other than 100-continue: 417 expectation_failed', async (t) => {
  const s = await startStack(t);
  const port = s.gateway.port;
  const answer = parseAnswer(
    await rawExchange(
      port,
      `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nExpect: weird\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}`,
    ),
  );
  assert.equal(answer.status, 417);
  assert.equal(answer.error.code, 'expectation_failed');
  assert.equal(answer.error.param, 'expect');
  assert.match(answer.error.message, /'weird'/);
});

test('headers that never finish: 408 request_timeout after headersTimeoutMs', async (t) => {
  const s = await startStack(t, { gateway: { headersTimeoutMs: 150, requestTimeoutMs: 300 } });
  const port = s.gateway.port;
  const answer = parseAnswer(
    await rawExchange(port, `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: `),
  );
  assert.equal(answer.status, 408);
  assert.equal(answer.error.code, 'request_timeout');
});
