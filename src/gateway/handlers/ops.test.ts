import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { InvalidApiKeyError } from '../../core/index.js';
import { Access } from '../access.js';
import type { GatewayContext } from '../context.js';
import { Exchange } from '../exchange.js';
import { handleDashboard, handleHealth, handleReady } from './ops.js';

class FakeResponse {
  status = 0;
  headers: Record<string, string> = {};
  body = '';
  writeHead(status: number, headers: Record<string, string>): this {
    this.status = status;
    this.headers = headers;
    return this;
  }
  end(body = ''): this {
    this.body = body;
    return this;
  }
}

function exchange(query = '', headers: Record<string, string> = {}) {
  const res = new FakeResponse();
  const req = { method: 'GET', headers } as unknown as IncomingMessage;
  const ex = new Exchange({
    req,
    res: res as unknown as ServerResponse,
    requestId: 'req_t',
    startedMs: 0,
    path: '/',
    query,
  });
  return { ex, res };
}

function ctx(draining: boolean, adminKey?: string): GatewayContext {
  const access = new Access({ host: '127.0.0.1', clientKeys: ['sk-c'], adminKey });
  const engine = { deployments: new Map(), models: [], config: { models: {} } };
  return { access, engine, isDraining: () => draining } as unknown as GatewayContext;
}

test('readyz: 200 while serving, 503 with connection close once draining', () => {
  const a = exchange();
  handleReady(ctx(false), a.ex);
  assert.equal(a.res.status, 200);
  assert.equal(a.res.headers['content-type'], 'application/json');
  assert.equal(a.res.headers['x-request-id'], 'req_t');
  assert.deepEqual(JSON.parse(a.res.body), { status: 'ready', models: {} });
  const b = exchange();
  handleReady(ctx(true), b.ex);
  assert.equal(b.res.status, 503);
  assert.equal(b.res.headers.connection, 'close');
  assert.deepEqual(JSON.parse(b.res.body), { status: 'draining' });
});

test('healthz is 200 JSON even while draining', () => {
  const a = exchange();
  handleHealth(a.ex);
  assert.equal(a.res.status, 200);
  assert.equal(a.res.headers['content-type'], 'application/json');
});

test('dashboard: ?key sets the session cookie and redirects; a wrong key is refused', () => {
  const c = ctx(false, 'adm-secret');
  const ok = exchange('key=adm-secret');
  handleDashboard(c, ok.ex);
  assert.equal(ok.res.status, 303);
  assert.equal(ok.res.headers.location, '/dashboard');
  assert.match(ok.res.headers['set-cookie'] ?? '', /^breakerbox_admin=[0-9a-f]{64}; HttpOnly/);
  assert.throws(() => {
    handleDashboard(c, exchange('key=wrong').ex);
  }, InvalidApiKeyError);
  assert.throws(() => {
    handleDashboard(c, exchange().ex);
  }, InvalidApiKeyError);
  const page = exchange('', { authorization: 'Bearer adm-secret' });
  handleDashboard(c, page.ex);
  assert.equal(page.res.status, 200);
  assert.match(page.res.headers['content-type'] ?? '', /^text\/html/);
  assert.ok(page.res.body.includes('<title>breakerbox</title>'));
});
