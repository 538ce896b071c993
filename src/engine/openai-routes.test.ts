import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelNotFoundError } from '../core/index.js';
import { createBreakerbox } from './breakerbox.js';
import {
  apiPathOf,
  isStreamCall,
  modelsJson,
  resolveOpenAIRoute,
  routeError,
  takesBody,
} from './openai-routes.js';

test('one table: paths relative to the API base, methods, model ids decoded', () => {
  assert.deepEqual(resolveOpenAIRoute('POST', '/chat/completions'), {
    kind: 'match',
    route: { id: 'chat' },
  });
  assert.deepEqual(resolveOpenAIRoute('POST', '/embeddings/'), {
    kind: 'match',
    route: { id: 'embeddings' },
  });
  assert.deepEqual(resolveOpenAIRoute('HEAD', '/models'), {
    kind: 'match',
    route: { id: 'models' },
  });
  assert.deepEqual(resolveOpenAIRoute('GET', '/models/openai%2Fgpt-4o'), {
    kind: 'match',
    route: { id: 'model', name: 'openai/gpt-4o' },
  });
  assert.deepEqual(resolveOpenAIRoute('GET', '/chat/completions'), {
    kind: 'wrong-method',
    allow: 'POST',
  });
  assert.deepEqual(resolveOpenAIRoute('POST', '/models/x'), {
    kind: 'wrong-method',
    allow: 'GET, HEAD',
  });
  assert.deepEqual(resolveOpenAIRoute('GET', '/models/%E0%A4%A'), { kind: 'not-found' });
  assert.deepEqual(resolveOpenAIRoute('POST', '/completions'), {
    kind: 'match',
    route: { id: 'completions' },
  });
  assert.deepEqual(resolveOpenAIRoute('POST', '/responses/'), {
    kind: 'match',
    route: { id: 'responses' },
  });
  assert.deepEqual(resolveOpenAIRoute('GET', '/responses'), {
    kind: 'wrong-method',
    allow: 'POST',
  });
  assert.deepEqual(resolveOpenAIRoute('POST', '/moderations'), { kind: 'not-found' });
});

test('apiPathOf finds the route at the end of any base URL path (bb.fetch)', () => {
  assert.equal(apiPathOf('/v1/chat/completions'), '/chat/completions');
  assert.equal(apiPathOf('/openai/v1/embeddings/'), '/embeddings');
  assert.equal(apiPathOf('/models'), '/models');
  assert.equal(apiPathOf('/v1/models/gpt-4.1'), '/models/gpt-4.1');
  assert.equal(apiPathOf('/v1/models/openai/gpt-4o'), '/models/openai/gpt-4o');
  assert.equal(apiPathOf('/v1/models/'), '/models');
  assert.equal(apiPathOf('/v1/responses'), '/responses');
  // `/chat/completions` also ends with `/completions`: the longer route wins.
  assert.equal(apiPathOf('/v1/completions'), '/completions');
  assert.equal(apiPathOf('/v1/moderations'), undefined);
});

test('routing errors: 404 Invalid URL, 405 with Allow', () => {
  const nf = routeError({ kind: 'not-found' }, 'POST', '/v1/nope');
  assert.equal(nf.status, 404);
  assert.equal(nf.error.message, 'Invalid URL (POST /v1/nope)');
  assert.deepEqual(nf.headers, {});
  const wm = routeError({ kind: 'wrong-method', allow: 'POST' }, 'GET', '/v1/embeddings');
  assert.equal(wm.status, 405);
  assert.deepEqual(wm.headers, { allow: 'POST' });
});

test('which calls read a body and which stream', () => {
  assert.equal(takesBody('chat'), true);
  assert.equal(takesBody('models'), false);
  assert.equal(isStreamCall('chat', { stream: true }), true);
  assert.equal(isStreamCall('chat', { stream: 'yes' }), false);
  assert.equal(isStreamCall('embeddings', { stream: true }), false);
  assert.equal(isStreamCall('chat', null), false);
});

test('the /models responder: list and one entry, 404 for an unknown model', async () => {
  const bb = createBreakerbox(
    {
      providers: { p: { baseURL: 'http://127.0.0.1:1/v1' } },
      models: { a: { deployments: [{ provider: 'p' }] }, b: { deployments: [{ provider: 'p' }] } },
    },
    { env: {} },
  );
  try {
    const created = Math.floor(bb.startedAtEpochMs / 1000);
    assert.deepEqual(JSON.parse(modelsJson(bb, undefined)), {
      object: 'list',
      data: [
        { id: 'a', object: 'model', created, owned_by: 'breakerbox' },
        { id: 'b', object: 'model', created, owned_by: 'breakerbox' },
      ],
    });
    assert.deepEqual(JSON.parse(modelsJson(bb, 'b')), {
      id: 'b',
      object: 'model',
      created,
      owned_by: 'breakerbox',
    });
    assert.throws(() => modelsJson(bb, 'c'), ModelNotFoundError);
  } finally {
    await bb.close();
  }
});
