// Issue 9 ("safe by default"): a web page the developer visits must not be able to use a local
// open-mode gateway. Cross-site Origins, DNS-rebinding Hosts and text/plain bodies are refused
// with an envelope naming the header; CORS is opt-in; the SDK and the dashboard still work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import OpenAI from 'openai';
import { chatBody, startStack } from '../fixtures/gateway-harness.js';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

/** A raw request: fetch() would not let us set Host or Origin. */
function raw(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: init.method ?? 'GET', headers: init.headers ?? {} });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
      });
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

function errorOf(a: Answer): { message: string; code: string; param: string | null } {
  assert.equal(a.headers['content-type'], 'application/json');
  return (JSON.parse(a.text) as { error: { message: string; code: string; param: string | null } })
    .error;
}

/** An open-mode gateway: loopback, no client key, no admin key. */
async function openStack(t: Parameters<typeof startStack>[0], corsOrigins?: string[]) {
  return startStack(t, {
    gateway: { clientKeys: [], adminKey: '', ...(corsOrigins && { corsOrigins }) },
  });
}

test('an evil Origin is refused on the API and the admin routes', async (t) => {
  const s = await openStack(t);
  const chat = await raw(`${s.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { origin: 'https://evil.example', 'content-type': 'application/json' },
    body: JSON.stringify(chatBody()),
  });
  assert.equal(chat.status, 403);
  const err = errorOf(chat);
  assert.equal(err.code, 'origin_not_allowed');
  assert.equal(err.param, 'origin');
  assert.match(err.message, /Origin header 'https:\/\/evil\.example'/);
  assert.equal(chat.headers['access-control-allow-origin'], undefined);
  const admin = await raw(`${s.url}/admin/circuits/sim/gpt-4.1/open`, {
    method: 'POST',
    headers: { origin: 'null' },
  });
  assert.equal(admin.status, 403);
  assert.equal(errorOf(admin).code, 'origin_not_allowed');
  assert.equal(s.sim.calls(), 0, 'nothing reached the provider');
  const circuits = await raw(`${s.url}/admin/circuits`, {});
  assert.match(circuits.text, /"state":"closed"/, 'no circuit was forced open');
});

test('a DNS-rebinding Host is refused; the bound address and localhost names pass', async (t) => {
  const s = await openStack(t);
  const port = s.gateway.port;
  const rebinding = await raw(`${s.url}/v1/models`, { headers: { host: `evil.example:${port}` } });
  assert.equal(rebinding.status, 403);
  const err = errorOf(rebinding);
  assert.equal(err.code, 'host_not_allowed');
  assert.equal(err.param, 'host');
  assert.match(err.message, /Host header 'evil\.example:\d+'/);
  const otherPort = await raw(`${s.url}/v1/models`, { headers: { host: 'localhost:1' } });
  assert.equal(otherPort.status, 403);
  for (const host of [
    `127.0.0.1:${port}`,
    `localhost:${port}`,
    `LOCALHOST:${port}`,
    `[::1]:${port}`,
  ]) {
    const ok = await raw(`${s.url}/v1/models`, { headers: { host } });
    assert.equal(ok.status, 200, host);
  }
  const named = await startStack(t, {
    gateway: { clientKeys: [], adminKey: '', allowedHosts: ['devbox.local'] },
  });
  const ok = await raw(`${named.url}/healthz`, { headers: { host: 'devbox.local:443' } });
  assert.equal(ok.status, 200);
});

test('a text/plain body (a "simple" cross-site request) is refused with 415', async (t) => {
  const s = await openStack(t);
  const url = `${s.url}/v1/chat/completions`;
  const plain = await raw(url, {
    method: 'POST',
    headers: { 'content-type': 'text/plain;charset=UTF-8' },
    body: JSON.stringify(chatBody()),
  });
  assert.equal(plain.status, 415);
  const err = errorOf(plain);
  assert.equal(err.code, 'unsupported_media_type');
  assert.equal(err.param, 'content-type');
  assert.match(err.message, /Content-Type header 'text\/plain;charset=UTF-8'/);
  const untyped = await raw(url, { method: 'POST', body: JSON.stringify(chatBody()) });
  assert.equal(untyped.status, 415);
  assert.match(errorOf(untyped).message, /Content-Type header is missing/);
  assert.equal(s.sim.calls(), 0);
  const json = await raw(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(chatBody()),
  });
  assert.equal(json.status, 200);
  const bodiless = await raw(`${s.url}/admin/circuits/sim/gpt-4.1/reset`, { method: 'POST' });
  assert.equal(bodiless.status, 200, 'an admin action without a body needs no content type');
});

test('preflight: refused without CORS configured; 204 with Allow-* for a configured origin', async (t) => {
  const preflight = {
    method: 'OPTIONS',
    headers: {
      origin: 'http://localhost:3000',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type, x-stainless-os',
    },
  };
  const closed = await openStack(t);
  const refused = await raw(`${closed.url}/v1/chat/completions`, preflight);
  assert.equal(refused.status, 403);
  assert.equal(errorOf(refused).code, 'origin_not_allowed');
  assert.equal(refused.headers['access-control-allow-origin'], undefined);

  const s = await openStack(t, ['http://localhost:3000']);
  const ok = await raw(`${s.url}/v1/chat/completions`, preflight);
  assert.equal(ok.status, 204);
  assert.equal(ok.headers['access-control-allow-origin'], 'http://localhost:3000');
  assert.match(String(ok.headers['access-control-allow-methods']), /POST/);
  assert.equal(
    ok.headers['access-control-allow-headers'],
    'authorization, content-type, x-stainless-os',
  );
  assert.equal(ok.headers['vary'], 'Origin');
  const other = await raw(`${s.url}/v1/chat/completions`, {
    ...preflight,
    headers: { ...preflight.headers, origin: 'https://evil.example' },
  });
  assert.equal(other.status, 403);

  const call = await raw(`${s.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { origin: 'http://localhost:3000', 'content-type': 'application/json' },
    body: JSON.stringify(chatBody()),
  });
  assert.equal(call.status, 200);
  assert.equal(call.headers['access-control-allow-origin'], 'http://localhost:3000');
  assert.match(String(call.headers['access-control-expose-headers']), /x-request-id/);
});

test('the openai SDK and the same-origin dashboard still work in open mode', async (t) => {
  const s = await openStack(t);
  const openai = new OpenAI({ apiKey: 'unused', baseURL: `${s.url}/v1`, maxRetries: 0 });
  const done = await openai.chat.completions.create({
    model: 'gpt-4.1',
    messages: [{ role: 'user', content: 'hi' }],
  });
  assert.equal(done.object, 'chat.completion');
  const stream = await openai.chat.completions.create({
    model: 'gpt-4.1',
    messages: [{ role: 'user', content: 'hi' }],
    stream: true,
  });
  let chunks = 0;
  for await (const chunk of stream) chunks += chunk.choices.length;
  assert.ok(chunks > 0);
  const emb = await openai.embeddings.create({ model: 'text-embedding-3-small', input: 'x' });
  assert.equal(emb.data.length, 1);
  const host = `127.0.0.1:${s.gateway.port}`;
  // What a browser sends for the page and its EventSource (and any same-origin POST).
  const page = await raw(`${s.url}/dashboard`, { headers: { host } });
  assert.equal(page.status, 200);
  const sameOrigin = await raw(`${s.url}/admin/circuits`, {
    headers: { host, origin: `http://${host}` },
  });
  assert.equal(sameOrigin.status, 200);
  const events = await new Promise<number>((resolve, reject) => {
    const req = httpRequest(`${s.url}/dashboard/events`, {
      headers: { host, accept: 'text/event-stream' },
    });
    req.on('response', (res) => {
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(events, 200);
});
