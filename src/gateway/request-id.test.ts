import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { RequestIds } from './request-id.js';
import { clientRequestId } from './exchange.js';

test('request ids: req_ + 24 hex digits, unique, prefixed per process', () => {
  const ids = new RequestIds('0a1b2c3d');
  const a = ids.next();
  const b = ids.next();
  assert.match(a, /^req_[0-9a-f]{24}$/);
  assert.equal(a, 'req_0a1b2c3d0000000000000001');
  assert.notEqual(a, b);
  assert.notEqual(new RequestIds().next().slice(4, 12), new RequestIds().next().slice(4, 12));
});

test('a client x-request-id is echoed only when short and printable', () => {
  const req = (v: unknown) => ({ headers: { 'x-request-id': v } }) as unknown as IncomingMessage;
  assert.equal(clientRequestId(req('trace-123')), 'trace-123');
  assert.equal(clientRequestId(req('x'.repeat(201))), undefined);
  assert.equal(clientRequestId(req('')), undefined);
  assert.equal(clientRequestId(req('has space')), undefined);
  assert.equal(clientRequestId(req(['a', 'b'])), undefined);
  assert.equal(clientRequestId(req(undefined)), undefined);
});
