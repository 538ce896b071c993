import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveRoute, splitTarget } from './routes.js';

test('fixed routes and their methods', () => {
  assert.deepEqual(resolveRoute('POST', '/v1/chat/completions'), {
    kind: 'match',
    route: { id: 'chat' },
  });
  assert.deepEqual(resolveRoute('POST', '/v1/embeddings/'), {
    kind: 'match',
    route: { id: 'embeddings' },
  });
  assert.deepEqual(resolveRoute('HEAD', '/healthz'), { kind: 'match', route: { id: 'healthz' } });
  assert.deepEqual(resolveRoute('GET', '/v1/chat/completions'), {
    kind: 'wrong-method',
    allow: 'POST',
  });
  assert.deepEqual(resolveRoute('DELETE', '/metrics'), {
    kind: 'wrong-method',
    allow: 'GET, HEAD',
  });
  assert.deepEqual(resolveRoute('POST', '/v1/nope'), { kind: 'not-found' });
  assert.deepEqual(resolveRoute('GET', '/'), { kind: 'not-found' });
});

test('model ids are decoded and may contain slashes', () => {
  assert.deepEqual(resolveRoute('GET', '/v1/models/gpt-4.1'), {
    kind: 'match',
    route: { id: 'model', name: 'gpt-4.1' },
  });
  assert.deepEqual(resolveRoute('GET', '/v1/models/openai%2Fgpt-4o'), {
    kind: 'match',
    route: { id: 'model', name: 'openai/gpt-4o' },
  });
  assert.deepEqual(resolveRoute('GET', '/v1/models/%E0%A4%A'), { kind: 'not-found' });
});

test('circuit actions take a deployment id with its slash', () => {
  assert.deepEqual(resolveRoute('POST', '/admin/circuits/sim/gpt-4.1/open'), {
    kind: 'match',
    route: { id: 'circuit-action', name: 'sim/gpt-4.1', action: 'open' },
  });
  assert.deepEqual(resolveRoute('POST', '/admin/circuits/sim%2Fgpt-4.1/close'), {
    kind: 'match',
    route: { id: 'circuit-action', name: 'sim/gpt-4.1', action: 'close' },
  });
  assert.deepEqual(resolveRoute('GET', '/admin/circuits/a/reset'), {
    kind: 'wrong-method',
    allow: 'POST',
  });
  assert.deepEqual(resolveRoute('POST', '/admin/circuits/a/explode'), { kind: 'not-found' });
  assert.deepEqual(resolveRoute('POST', '/admin/circuits/open'), { kind: 'not-found' });
  assert.deepEqual(resolveRoute('GET', '/admin/circuits'), {
    kind: 'match',
    route: { id: 'circuits' },
  });
});

test('splitTarget', () => {
  assert.deepEqual(splitTarget('/dashboard?key=x'), { path: '/dashboard', query: 'key=x' });
  assert.deepEqual(splitTarget('/healthz'), { path: '/healthz', query: '' });
});
