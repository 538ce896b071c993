// Issue 9 ("memory bounded under slow clients"): request bodies buffered across requests stay
// within `maxBufferedBodyBytes` (asserted on the gateway's own accounting), the overflow is
// refused at once with 503 + Retry-After, held bodies time out with 408 and give their bytes
// back, and connections past `maxConnections` are closed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { CLIENT_KEY, chatBody, post, startStack } from '../fixtures/gateway-harness.js';
import { parseAnswer, rawExchange } from '../fixtures/raw-http.js';

const MIB = 1024 * 1024;

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('50 slow clients with unfinished 1 MiB bodies: the budget holds, the rest 503, held ones 408', async (t) => {
  const s = await startStack(t, {
    gateway: {
      bodyLimitBytes: 2 * MIB,
      maxBufferedBodyBytes: 4 * MIB,
      headersTimeoutMs: 2_000,
      requestTimeoutMs: 2_000,
    },
  });
  const port = s.gateway.port;
  let highest = 0;
  const sampler = setInterval(() => {
    highest = Math.max(highest, s.gateway.bufferedBodyBytes);
  }, 2);
  t.after(() => {
    clearInterval(sampler);
  });
  const head =
    `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
    `Authorization: Bearer ${CLIENT_KEY}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${MIB}\r\n\r\n`;
  // Each sends its head and 16 KB of a 1 MiB body, then stalls.
  const partial = `${head}{"model":"gpt-4.1","pad":"${'x'.repeat(16 * 1024)}`;
  const answers = await Promise.all(
    Array.from({ length: 50 }, async () => parseAnswer(await rawExchange(port, partial))),
  );
  clearInterval(sampler);
  const byCode = new Map<string, number>();
  for (const a of answers)
    byCode.set(a.error.code ?? '', (byCode.get(a.error.code ?? '') ?? 0) + 1);
  assert.equal(byCode.get('request_timeout'), 4, 'the four that fit were held, then timed out');
  assert.equal(byCode.get('server_overloaded'), 46, 'the rest were refused at once');
  for (const a of answers.filter((x) => x.error.code === 'server_overloaded')) {
    assert.equal(a.status, 503);
    assert.equal(a.headers.get('retry-after'), '1');
  }
  assert.ok(highest <= 4 * MIB, `buffered ${highest} bytes at most`);
  assert.ok(highest > 0, 'the sampler saw the held bodies');
  await until(() => s.gateway.bufferedBodyBytes === 0, 'every held body to be released');
  const ok = await post(`${s.url}/v1/chat/completions`, chatBody(), s.auth);
  assert.equal(ok.status, 200, 'the gateway serves again');
  await ok.body?.cancel();
});

test('a client that goes away mid-body gives its bytes back at once', async (t) => {
  const s = await startStack(t, { gateway: { maxBufferedBodyBytes: 4 * MIB } });
  const port = s.gateway.port;
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.write(
    `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
      `Authorization: Bearer ${CLIENT_KEY}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${MIB}\r\n\r\n{"model":`,
  );
  await until(() => s.gateway.bufferedBodyBytes === MIB, 'the body to be reserved');
  socket.destroy();
  await until(() => s.gateway.bufferedBodyBytes === 0, 'the reservation to be released');
});

test('connections past maxConnections are closed; the gateway serves once one frees', async (t) => {
  const s = await startStack(t, { gateway: { maxConnections: 3 } });
  const port = s.gateway.port;
  const open: Socket[] = [];
  t.after(() => {
    for (const c of open) c.destroy();
  });
  for (let i = 0; i < 3; i++) {
    const c = connect(port, '127.0.0.1');
    c.on('error', () => undefined);
    await new Promise<void>((resolve) =>
      c.once('connect', () => {
        resolve();
      }),
    );
    open.push(c);
  }
  const refused = await rawExchange(
    port,
    `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`,
  );
  assert.equal(refused, '', 'closed without an answer');
  for (const c of open) c.destroy();
  let status = 0;
  // The gateway notices the closes asynchronously: try again (bounded) until it has.
  for (let i = 0; i < 500 && status !== 200; i++) {
    status = await fetch(`${s.url}/healthz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status !== 200) await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(status, 200);
});
