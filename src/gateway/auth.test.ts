import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  KeyRing,
  cookieValue,
  isLoopbackHost,
  presentedKey,
  secretEquals,
  sessionToken,
} from './auth.js';

test('KeyRing matches configured keys and names string keys by position', () => {
  const ring = new KeyRing(['sk-one', { key: 'sk-two', name: 'team-b', rpm: 5 }, 'sk-three']);
  assert.equal(ring.size, 3);
  assert.deepEqual(ring.match('sk-one'), {
    name: 'key-1',
    rpm: undefined,
    budgetUsdPerDay: undefined,
  });
  assert.equal(ring.match('sk-two')?.name, 'team-b');
  assert.equal(ring.match('sk-two')?.rpm, 5);
  assert.equal(ring.match('sk-three')?.name, 'key-3');
  assert.equal(ring.match('sk-on'), undefined, 'a prefix is not a match');
  assert.equal(ring.match('sk-one '), undefined);
  assert.equal(ring.match(''), undefined);
  assert.equal(new KeyRing([]).match('anything'), undefined);
});

test('identities never carry the key', () => {
  const ring = new KeyRing([{ key: 'sk-secret-value', name: 'x' }, 'sk-other-secret']);
  assert.ok(!JSON.stringify(ring.identities).includes('secret'));
});

test('presentedKey reads Bearer (any case) and api-key, nothing else', () => {
  assert.equal(presentedKey({ authorization: 'Bearer sk-1' }), 'sk-1');
  assert.equal(presentedKey({ authorization: 'bearer   sk-2 ' }), 'sk-2');
  assert.equal(presentedKey({ 'api-key': 'sk-3' }), 'sk-3');
  assert.equal(presentedKey({ authorization: 'Basic abc' }), undefined);
  assert.equal(presentedKey({ authorization: 'Bearer ' }), undefined);
  assert.equal(presentedKey({}), undefined);
  assert.equal(presentedKey({ authorization: 'Basic abc', 'api-key': 'sk-4' }), 'sk-4');
});

test('secretEquals compares whole values of any length', () => {
  assert.equal(secretEquals('admin', 'admin'), true);
  assert.equal(secretEquals('admin', 'admin2'), false);
  assert.equal(secretEquals('', 'admin'), false);
});

test('session token is derived, stable and not the key', () => {
  const t = sessionToken('adm-key');
  assert.equal(t, sessionToken('adm-key'));
  assert.notEqual(t, sessionToken('other'));
  assert.ok(!t.includes('adm-key'));
  assert.match(t, /^[0-9a-f]{64}$/);
});

test('cookieValue finds one cookie among several', () => {
  assert.equal(cookieValue('a=1; breakerbox_admin=xyz; b=2', 'breakerbox_admin'), 'xyz');
  assert.equal(cookieValue('a=1', 'breakerbox_admin'), undefined);
  assert.equal(cookieValue(undefined, 'breakerbox_admin'), undefined);
});

test('isLoopbackHost', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) {
    assert.equal(isLoopbackHost(h), true, h);
  }
  for (const h of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'example.com', '1270.0.0.1']) {
    assert.equal(isLoopbackHost(h), false, h);
  }
});
