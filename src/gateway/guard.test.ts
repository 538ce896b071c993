import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { RequestGuard, checkJsonBody } from './guard.js';

function guard(host: string, allowedHosts: string[] = []): RequestGuard {
  return new RequestGuard({ host, port: () => 8787, allowedHosts, corsOrigins: [] });
}

test('Host: loopback names on the port, the bound address, configured names', () => {
  const g = guard('127.0.0.1', ['devbox.local', 'proxy.internal:443']);
  for (const ok of [
    '127.0.0.1:8787',
    'localhost:8787',
    '[::1]:8787',
    'devbox.local:1',
    'proxy.internal:443',
  ]) {
    assert.equal(g.isAllowedHost(ok), true, ok);
  }
  for (const bad of [
    undefined,
    'evil.example:8787',
    'localhost:8788',
    'localhost',
    'proxy.internal:80',
    '[::1',
  ]) {
    assert.equal(g.isAllowedHost(bad), false, String(bad));
  }
  assert.equal(guard('::1').isAllowedHost('[::1]:8787'), true);
});

test('Host: a value accepted before is accepted again only on the same port', () => {
  let port = 0;
  const g = new RequestGuard({
    host: '127.0.0.1',
    port: () => port,
    allowedHosts: [],
    corsOrigins: [],
  });
  assert.equal(g.isAllowedHost('localhost:8787'), false, 'before the port is known');
  port = 8787;
  for (let i = 0; i < 3; i++) assert.equal(g.isAllowedHost('localhost:8787'), true);
  assert.equal(g.isAllowedHost('evil.example:8787'), false, 'another value is checked');
  assert.equal(g.isAllowedHost('localhost:8787'), true);
  port = 9000;
  assert.equal(g.isAllowedHost('localhost:8787'), false, 'the port moved');
  assert.equal(g.isAllowedHost('localhost:9000'), true);
});

function req(headers: Record<string, string>): IncomingMessage {
  return { headers } as unknown as IncomingMessage;
}

test('POST bodies must be JSON; a bodiless POST passes', () => {
  checkJsonBody(req({}));
  checkJsonBody(req({ 'content-length': '0' }));
  checkJsonBody(req({ 'content-type': 'application/json', 'content-length': '2' }));
  checkJsonBody(req({ 'content-type': 'Application/JSON; charset=utf-8', 'content-length': '2' }));
  assert.throws(() => {
    checkJsonBody(req({ 'content-length': '2' }));
  }, /is missing/);
  assert.throws(
    () => {
      checkJsonBody(req({ 'content-type': 'text/plain', 'transfer-encoding': 'chunked' }));
    },
    (e: { code?: string }) => e.code === 'unsupported_media_type',
  );
  assert.throws(() => {
    checkJsonBody(req({ 'content-type': 'application/x-www-form-urlencoded' }));
  });
});
