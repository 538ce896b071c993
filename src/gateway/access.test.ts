import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { ConfigError, InvalidApiKeyError } from '../core/index.js';
import { Access } from './access.js';
import { SESSION_COOKIE, sessionToken } from './auth.js';
import { HttpError } from './http-error.js';

const req = (headers: Record<string, string>): IncomingMessage =>
  ({ headers }) as unknown as IncomingMessage;

test('no client key: loopback only, and the refusal names the fix', () => {
  for (const host of ['127.0.0.1', '::1', 'localhost']) {
    assert.equal(new Access({ host, clientKeys: [], adminKey: undefined }).openMode, true);
  }
  for (const host of ['0.0.0.0', '::', '192.168.1.10']) {
    assert.throws(
      () => new Access({ host, clientKeys: [], adminKey: undefined }),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.issues[0]?.path === 'server.host' &&
        /clientKeys/.test(e.message) &&
        e.message.includes(host),
    );
  }
  assert.equal(
    new Access({ host: '0.0.0.0', clientKeys: ['sk-1'], adminKey: undefined }).openMode,
    false,
  );
});

test('client keys: missing and wrong are 401, right is the identity', () => {
  const a = new Access({
    host: '0.0.0.0',
    clientKeys: [{ key: 'sk-good', name: 'app' }],
    adminKey: 'adm',
  });
  assert.throws(() => a.client(req({})), InvalidApiKeyError);
  assert.throws(() => a.client(req({ authorization: 'Bearer sk-bad' })), InvalidApiKeyError);
  assert.throws(
    () => a.client(req({ authorization: 'Bearer adm' })),
    InvalidApiKeyError,
    'admin key is not a client key',
  );
  assert.equal(a.client(req({ authorization: 'Bearer sk-good' }))?.name, 'app');
  assert.equal(a.client(req({ 'api-key': 'sk-good' }))?.name, 'app');
  const open = new Access({ host: '127.0.0.1', clientKeys: [], adminKey: undefined });
  assert.equal(open.client(req({})), undefined);
});

test('admin: key required when set; client keys and wrong keys refused', () => {
  const a = new Access({ host: '127.0.0.1', clientKeys: ['sk-c'], adminKey: 'adm-secret' });
  assert.throws(() => {
    a.admin(req({}));
  }, InvalidApiKeyError);
  assert.throws(() => {
    a.admin(req({ authorization: 'Bearer sk-c' }));
  }, InvalidApiKeyError);
  assert.doesNotThrow(() => {
    a.admin(req({ authorization: 'Bearer adm-secret' }));
  });
  assert.doesNotThrow(() => {
    a.admin(req({ 'api-key': 'adm-secret' }));
  });
  const cookie = `${SESSION_COOKIE}=${sessionToken('adm-secret')}`;
  assert.throws(
    () => {
      a.admin(req({ cookie }));
    },
    InvalidApiKeyError,
    'cookie only where allowed',
  );
  assert.doesNotThrow(() => {
    a.admin(req({ cookie }), true);
  });
  assert.throws(() => {
    a.admin(req({ cookie: `${SESSION_COOKIE}=forged` }), true);
  }, InvalidApiKeyError);
});

test('admin without an admin key: open in local open mode, 403 otherwise', () => {
  const local = new Access({ host: '127.0.0.1', clientKeys: [], adminKey: undefined });
  assert.doesNotThrow(() => {
    local.admin(req({}));
  });
  const keyed = new Access({ host: '127.0.0.1', clientKeys: ['sk-c'], adminKey: undefined });
  assert.throws(
    () => {
      keyed.admin(req({ authorization: 'Bearer sk-c' }));
    },
    (e: unknown) => e instanceof HttpError && e.status === 403 && /adminKey/.test(e.message),
  );
  const emptyKey = new Access({ host: '127.0.0.1', clientKeys: ['sk-c'], adminKey: '' });
  assert.equal(emptyKey.hasAdminKey, false, 'an empty admin key is no admin key');
});

test('session cookie only for the right key, and never containing it', () => {
  const a = new Access({ host: '127.0.0.1', clientKeys: ['sk-c'], adminKey: 'adm-secret' });
  assert.equal(a.sessionCookieFor('wrong'), undefined);
  const c = a.sessionCookieFor('adm-secret') ?? '';
  assert.ok(c.startsWith(`${SESSION_COOKIE}=`));
  assert.ok(!c.includes('adm-secret'));
  assert.match(c, /HttpOnly/);
  assert.match(c, /SameSite=Strict/);
});
