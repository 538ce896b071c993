// Gateway lifecycle over real sockets: graceful drain, client disconnects reaching the upstream,
// the dashboard's session cookie and live feed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect } from 'node:net';
import type { Socket } from 'node:net';
import { request as httpRequest } from 'node:http';
import { ADMIN_KEY, chatBody, post, sseData, startStack } from '../fixtures/gateway-harness.js';

/** A TCP relay in front of the sim that reports when the engine's upstream socket closes. */
async function tcpRelay(targetPort: number): Promise<{
  port: number;
  opened: () => number;
  closed: () => number;
  close: () => Promise<void>;
}> {
  let opened = 0;
  let closed = 0;
  const sockets = new Set<Socket>();
  const server = createServer((inbound) => {
    opened++;
    sockets.add(inbound);
    const outbound = connect(targetPort, '127.0.0.1');
    sockets.add(outbound);
    inbound.pipe(outbound).pipe(inbound);
    inbound.on('close', () => {
      closed++;
      outbound.destroy();
    });
    outbound.on('close', () => inbound.destroy());
    inbound.on('error', () => undefined);
    outbound.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    opened: () => opened,
    closed: () => closed,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}

async function until(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('client disconnect (raw socket) aborts the engine call and the sim sees the close', async (t) => {
  const sim = await startStack(t, { simModels: { '*': { faults: { hangRate: 1 } } } });
  const relay = await tcpRelay(sim.sim.port);
  t.after(() => relay.close());
  const s = await startStack(t, {
    config: { providers: { sim: { baseURL: `http://127.0.0.1:${relay.port}/v1` } } },
  });
  const req = httpRequest(`${s.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { ...s.auth, 'content-type': 'application/json' },
  });
  req.on('error', () => undefined);
  req.end(JSON.stringify(chatBody()));
  await until(() => relay.opened() >= 1 && sim.sim.calls() >= 1, 'the call to reach the sim');
  assert.equal(relay.closed(), 0);
  req.destroy();
  await until(() => relay.closed() >= 1, 'the upstream socket to close');
  await until(() => s.logs.some((l) => l.includes('"outcome":"cancelled"')), 'the log line');
});

test('close(): readyz 503, an in-flight stream finishes with [DONE], then the server stops', async (t) => {
  const s = await startStack(t, {
    simModels: { 'gpt-4.1': { faults: { chunkDelayMs: 40 }, chunkCount: 12 } },
  });
  const res = await post(`${s.url}/v1/chat/completions`, chatBody({ stream: true }), s.auth);
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const first = (await reader.read()) as { done: boolean; value?: Uint8Array };
  assert.ok(first.value !== undefined && first.value.length > 0);
  const closing = s.gateway.close(10_000);
  assert.equal(s.gateway.draining, true);
  let text = Buffer.from(first.value).toString();
  for (let i = 0; i < 1_000; i++) {
    const next = await reader.read();
    if (next.done) break;
    text += Buffer.from(next.value).toString();
  }
  assert.equal(sseData(text).at(-1), '[DONE]', 'the stream finished');
  await closing;
  await assert.rejects(fetch(`${s.url}/healthz`), 'no longer accepting');
});

test('close(): past the grace period a stalled stream gets a shutting_down error event, then closes', async (t) => {
  const s = await startStack(t, {
    simModels: { 'gpt-4.1': { faults: { streamStallAfterChunks: 1 }, chunkCount: 5 } },
  });
  const res = await post(`${s.url}/v1/chat/completions`, chatBody({ stream: true }), s.auth);
  const reader = res.body!.getReader();
  const first = (await reader.read()) as { value?: Uint8Array };
  let text = Buffer.from(first.value ?? new Uint8Array()).toString();
  const ready = await fetch(`${s.url}/readyz`);
  assert.equal(ready.status, 200);
  await s.gateway.close(100);
  let ended = false;
  for (let i = 0; i < 1_000 && !ended; i++) {
    const next = await reader.read();
    if (next.done) ended = true;
    else text += Buffer.from(next.value).toString();
  }
  assert.ok(ended, 'the stream closed');
  const last = sseData(text).at(-1) ?? '';
  assert.notEqual(last, '[DONE]', 'never a silent or a false end');
  const event = JSON.parse(last) as { error: { code: string; type: string; message: string } };
  assert.equal(event.error.code, 'shutting_down');
  assert.match(event.error.message, /grace period of 100 ms/);
  assert.ok(
    s.logs.some((l) => l.includes('"errorCode":"shutting_down"')),
    'logged as such',
  );
});

test('close(): a JSON request still waiting past the grace period gets a 503 shutting_down', async (t) => {
  const s = await startStack(t, { simModels: { '*': { faults: { hangRate: 1 } } } });
  const pending = post(`${s.url}/v1/chat/completions`, chatBody(), s.auth);
  await until(() => s.sim.calls() >= 1, 'the call to reach the sim');
  await s.gateway.close(50);
  const res = await pending;
  assert.equal(res.status, 503);
  const body = (await res.json()) as { error: { code: string } };
  assert.equal(body.error.code, 'shutting_down');
});

test('dashboard: key in the URL becomes a cookie; the feed pushes snapshots', async (t) => {
  const s = await startStack(t);
  assert.equal((await fetch(`${s.url}/dashboard`, { redirect: 'manual' })).status, 401);
  const wrong = await fetch(`${s.url}/dashboard?key=nope`, { redirect: 'manual' });
  assert.equal(wrong.status, 401);
  const visit = await fetch(`${s.url}/dashboard?key=${ADMIN_KEY}`, { redirect: 'manual' });
  assert.equal(visit.status, 303);
  assert.equal(visit.headers.get('location'), '/dashboard');
  const cookie = (visit.headers.get('set-cookie') ?? '').split(';')[0]!;
  assert.ok(!cookie.includes(ADMIN_KEY));
  const page = await fetch(`${s.url}/dashboard`, { headers: { cookie } });
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  const html = await page.text();
  assert.ok(
    !/https?:\/\//.test(html.replace('http://www.w3.org/2000/svg', '')),
    'no external loads',
  );

  const events = await fetch(`${s.url}/dashboard/events`, { headers: { cookie } });
  assert.equal(events.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  const reader = events.body!.getReader();
  let text = '';
  for (let i = 0; i < 100 && !text.includes('event: snapshot'); i++) {
    text += Buffer.from((await reader.read()).value ?? new Uint8Array()).toString();
  }
  const data = text.split('\n').find((l) => l.startsWith('data: '))!;
  const snap = JSON.parse(data.slice(6)) as { deployments: { id: string; state: string }[] };
  assert.ok(snap.deployments.some((d) => d.id === 'sim/gpt-4.1' && d.state === 'closed'));
  await reader.cancel();
});
