import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../core/errors.js';
import { isResolvedConfig, parseConfig, redactConfig } from './index.js';
import { FAKE_KEY, env, issuesOf, lines, withModels } from '../../test/support/config.js';
import type { ConfigInput } from './index.js';

/** The documented example, made self-consistent (every referenced model and provider exists). */
const example = (): Record<string, unknown> => ({
  providers: {
    holysheep: {
      baseURL: 'https://api.holysheep.ai/v1',
      apiKey: '${HOLYSHEEP_API_KEY}',
      rpm: 600,
      tpm: 2_000_000,
      maxConcurrent: 64,
      timeouts: { connectMs: 5000, firstByteMs: 30000, idleMs: 30000, totalMs: 120000 },
      headers: { 'x-extra': 'y' },
    },
    deepseek: { baseURL: 'https://api.deepseek.com/v1', apiKey: '${DEEPSEEK_API_KEY:-}x' },
  },
  models: {
    'gpt-4.1': {
      deployments: [{ provider: 'holysheep' }],
      fallbacks: ['claude-sonnet-4.5', 'deepseek-v3.2'],
      contextWindowFallbacks: ['gemini-2.5-flash'],
    },
    'claude-sonnet-4.5': { deployments: [{ provider: 'holysheep' }] },
    'gemini-2.5-flash': { deployments: [{ provider: 'holysheep' }] },
    'deepseek-v3.2': {
      deployments: [
        { provider: 'holysheep' },
        { provider: 'deepseek', model: 'deepseek-chat', weight: 2 },
      ],
      strategy: 'weighted',
    },
    'text-embedding-3-small': {
      deployments: [{ provider: 'holysheep' }],
      embeddingDimensions: 1536,
    },
  },
  breaker: { trip: { consecutive: 5 }, openMs: 30000, halfOpen: { probes: 1, successes: 2 } },
  retry: { attempts: 2, budget: 0.2 },
  deadlineMs: 60000,
  pricing: { 'gpt-4.1': { input: 2.0, output: 8.0 } },
});

test('the full example parses, with defaults applied and deployments resolved', () => {
  const c = parseConfig(example(), { env });
  const hs = c.providers['holysheep'];
  assert.equal(hs?.apiKey, FAKE_KEY);
  assert.deepEqual(hs.headers, { 'x-extra': 'y' });
  assert.deepEqual(c.providers['deepseek']?.timeouts, {
    connectMs: 5000,
    firstByteMs: 30000,
    idleMs: 30000,
    totalMs: 120000,
  });
  assert.deepEqual(c.providers['deepseek'].headers, {});
  const ds = c.models['deepseek-v3.2'];
  assert.equal(ds?.strategy, 'weighted');
  assert.deepEqual(
    ds.deployments.map((d) => [d.id, d.provider, d.model, d.weight]),
    [
      ['holysheep/deepseek-v3.2', 'holysheep', 'deepseek-v3.2', 1],
      ['deepseek/deepseek-chat', 'deepseek', 'deepseek-chat', 2],
    ],
  );
  const gpt = c.models['gpt-4.1'];
  assert.equal(gpt?.strategy, 'priority');
  assert.deepEqual(gpt.fallbacks, ['claude-sonnet-4.5', 'deepseek-v3.2']);
  assert.deepEqual(c.models['claude-sonnet-4.5']?.fallbacks, []);
  assert.equal(c.models['text-embedding-3-small']?.embeddingDimensions, 1536);
  assert.deepEqual(c.breaker, {
    trip: { consecutive: 5 },
    openMs: 30000,
    maxOpenMs: 300000,
    backoffMultiplier: 2,
    jitterRatio: 0.1,
    tripOnRetryAfter: true,
    halfOpen: { probes: 1, successes: 2, permitTimeoutMs: 60000 },
  });
  assert.deepEqual(c.retry, {
    attempts: 2,
    budget: 0.2,
    minPerSecond: 10,
    backoff: { initialMs: 100, maxMs: 2000 },
  });
  assert.deepEqual(gpt.deployments[0]?.breaker, c.breaker);
  assert.equal(c.deadlineMs, 60000);
  assert.deepEqual(c.pricing['gpt-4.1'], { input: 2, output: 8 });
  assert.deepEqual(c.pricing['deepseek-v3.2'], { input: 0.28, output: 0.42 });
  assert.deepEqual(c.cache, {
    enabled: false,
    maxEntries: 1000,
    maxBytes: 67108864,
    ttlMs: 300000,
    staleIfOpen: false,
    staleTtlMs: 86400000,
  });
  assert.deepEqual(c.server, {
    host: '127.0.0.1',
    port: 8787,
    bodyLimitBytes: 4194304,
    maxJsonDepth: 64,
    shutdownGraceMs: 30000,
    logLevel: 'info',
    allowedHosts: [],
    cors: { origins: [] },
    metrics: { auth: 'none' },
    headersTimeoutMs: 10000,
    requestTimeoutMs: 30000,
    maxConnections: 1024,
    maxBufferedBodyBytes: 67108864,
    clientKeys: [],
  });
});

test('the result is deeply frozen and the input is not modified', () => {
  const input = example();
  const c = parseConfig(input, { env });
  assert.ok(Object.isFrozen(c));
  assert.ok(Object.isFrozen(c.models['gpt-4.1']?.deployments[0]?.breaker.halfOpen));
  assert.ok(Object.isFrozen(c.providers['holysheep']?.timeouts));
  assert.throws(() => {
    (c as { deadlineMs: number }).deadlineMs = 1;
  }, TypeError);
  assert.equal(
    (input['providers'] as ConfigInput['providers'])['holysheep']?.apiKey,
    '${HOLYSHEEP_API_KEY}',
  );
});

test('the minimal config gets every default', () => {
  const c = parseConfig(withModels({ m: { deployments: [{ provider: 'p' }] } }), { env: {} });
  assert.equal(c.providers['p']?.apiKey, undefined);
  assert.ok(!('apiKey' in (c.providers['p'] ?? {})));
  assert.equal(c.models['m']?.deployments[0]?.id, 'p/m');
  assert.equal(c.deadlineMs, 60000);
  assert.equal(c.pricing['gpt-4o-mini']?.output, 0.6);
});

test('env interpolation: ${VAR}, ${VAR:-default}, $${ escape, inside longer strings', () => {
  const input = withModels(
    { m: { deployments: [{ provider: 'p', model: '${UPSTREAM:-fallback-model}' }] } },
    {
      providers: {
        p: {
          baseURL: 'https://${HOST}/v1',
          apiKey: 'Bearer-${KEY}',
          headers: { a: '${EMPTY:-used-when-empty}', b: 'cost $${NOT_A_VAR}', c: '${EMPTY}' },
        },
      },
    },
  );
  const c = parseConfig(input, { env: { HOST: 'example.com', KEY: 'abc', EMPTY: '' } });
  assert.equal(c.providers['p']?.baseURL, 'https://example.com/v1');
  assert.equal(c.providers['p'].apiKey, 'Bearer-abc');
  assert.deepEqual(c.providers['p'].headers, {
    a: 'used-when-empty',
    b: 'cost ${NOT_A_VAR}',
    c: '',
  });
  assert.equal(c.models['m']?.deployments[0]?.id, 'p/fallback-model');
});

test('a missing variable is an issue at its path, with no follow-on schema issue', () => {
  const issues = issuesOf(example(), {});
  assert.deepEqual(lines(issues), [
    'providers.holysheep.apiKey: environment variable HOLYSHEEP_API_KEY is not set',
  ]);
});

test('a malformed reference is reported', () => {
  const input = withModels({ m: { deployments: [{ provider: 'p' }] } });
  (input['providers'] as Record<string, Record<string, unknown>>)['p']!['apiKey'] = '${1BAD}';
  assert.deepEqual(lines(issuesOf(input)), [
    'providers.p.apiKey: invalid variable reference "${1BAD}": expected ${NAME} or ${NAME:-default}',
  ]);
});

test('numbers and booleans may come from the environment when the whole value is one reference', () => {
  const input = withModels(
    { m: { deployments: [{ provider: 'p' }] } },
    { server: { port: '${PORT}' }, cache: { enabled: '${CACHE:-true}' }, deadlineMs: '5000' },
  );
  // deadlineMs: '5000' is a literal string, not a reference: it stays an error.
  assert.deepEqual(lines(issuesOf(input, { PORT: '9000' })), [
    'deadlineMs: expected a number, got string',
  ]);
  delete input['deadlineMs'];
  const c = parseConfig(input, { env: { PORT: '9000' } });
  assert.equal(c.server.port, 9000);
  assert.equal(c.cache.enabled, true);
  assert.deepEqual(lines(issuesOf(input, { PORT: 'eighty' })), [
    'server.port: expected an integer, got string',
  ]);
});

test('secrets from the environment never appear in a ConfigError', () => {
  const input = withModels(
    { m: { deployments: [{ provider: 'p', model: 'x' }], fallbacks: ['${KEY}'] } },
    {
      providers: { p: { baseURL: 'not a url ${KEY}', apiKey: 12345, headers: { h: 7 } } },
      server: { clientKeys: ['${KEY}', '${KEY}'], adminKey: '${KEY}', port: '${KEY}' },
    },
  );
  let caught: unknown;
  try {
    parseConfig(input, { env: { KEY: FAKE_KEY } });
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ConfigError);
  assert.ok(caught.issues.length >= 5, caught.message);
  assert.ok(!caught.message.includes(FAKE_KEY), caught.message);
  assert.ok(!JSON.stringify(caught.toJSON()).includes(FAKE_KEY));
  assert.match(caught.message, /models\.m\.fallbacks\[0\]: unknown model "\[redacted\]"/);
  assert.match(
    caught.message,
    /server\.clientKeys\[1\]: duplicate client key \(same as clientKeys\[0\]\)/,
  );
});

test('overrides merge deployment over model over global over built-in defaults', () => {
  const c = parseConfig(
    withModels(
      {
        m: {
          deployments: [
            {
              provider: 'p',
              breaker: { halfOpen: { probes: 3 } },
              retry: { backoff: { maxMs: 500 } },
            },
            { provider: 'p', model: 'other' },
          ],
          breaker: { openMs: 10_000, halfOpen: { successes: 4 } },
          retry: { attempts: 1 },
        },
        n: { deployments: [{ provider: 'p' }] },
      },
      {
        breaker: { openMs: 20_000, jitterRatio: 0, halfOpen: { probes: 2 } },
        retry: { budget: 0.5, backoff: { initialMs: 50 } },
      },
    ),
    { env: {} },
  );
  const [d0, d1] = c.models['m']?.deployments ?? [];
  assert.equal(c.breaker.openMs, 20_000);
  assert.equal(c.models['n']?.breaker.openMs, 20_000);
  assert.deepEqual(c.models['m']?.breaker.halfOpen, {
    probes: 2,
    successes: 4,
    permitTimeoutMs: 60_000,
  });
  assert.deepEqual(d0?.breaker.halfOpen, { probes: 3, successes: 4, permitTimeoutMs: 60_000 });
  assert.equal(d0.breaker.openMs, 10_000);
  assert.equal(d0.breaker.jitterRatio, 0);
  assert.equal(d0.breaker.maxOpenMs, 300_000);
  assert.deepEqual(d1?.breaker, c.models['m'].breaker);
  assert.deepEqual(d0.retry, {
    attempts: 1,
    budget: 0.5,
    minPerSecond: 10,
    backoff: { initialMs: 50, maxMs: 500 },
  });
  assert.deepEqual(d1.retry.backoff, { initialMs: 50, maxMs: 2000 });
  assert.equal(c.models['n'].retry.attempts, 2);
});

test('rate trips: null turns an inherited setting off; a window replaces, never merges', () => {
  const c = parseConfig(
    withModels(
      {
        m: {
          deployments: [
            {
              provider: 'p',
              breaker: { trip: { rate: { window: { type: 'time', sizeMs: 60_000, buckets: 6 } } } },
            },
          ],
          breaker: { trip: { consecutive: null, rate: { failureRate: 0.25 } } },
        },
      },
      {
        breaker: {
          slowCallMs: 10_000,
          trip: {
            rate: {
              window: { type: 'count', size: 50 },
              minCalls: 20,
              failureRate: 0.5,
              slowRate: 0.8,
            },
          },
        },
      },
    ),
    { env: {} },
  );
  assert.deepEqual(c.breaker.trip, {
    consecutive: 5,
    rate: { window: { type: 'count', size: 50 }, minCalls: 20, failureRate: 0.5, slowRate: 0.8 },
  });
  assert.deepEqual(c.models['m']?.breaker.trip, {
    rate: { window: { type: 'count', size: 50 }, minCalls: 20, failureRate: 0.25, slowRate: 0.8 },
  });
  assert.deepEqual(c.models['m'].deployments[0]?.breaker.trip.rate?.window, {
    type: 'time',
    sizeMs: 60_000,
    buckets: 6,
  });
});

test('problems only the merged settings show are reported once, where they arise', () => {
  const input = withModels(
    {
      m: {
        deployments: [
          { provider: 'p' },
          { provider: 'p', model: 'x', breaker: { trip: { rate: null } } },
        ],
        breaker: { trip: { consecutive: null, rate: { failureRate: 0.5 } } },
      },
      n: {
        deployments: [{ provider: 'p', breaker: { openMs: 900_000 } }],
        retry: { backoff: { initialMs: 5000 } },
      },
      o: {
        deployments: [{ provider: 'p' }],
        breaker: {
          trip: {
            rate: {
              window: { type: 'count', size: 10 },
              minCalls: 20,
              failureRate: 0.5,
              slowRate: 0.5,
            },
          },
        },
      },
    },
    { breaker: { maxOpenMs: 1000 } },
  );
  assert.deepEqual(lines(issuesOf(input)), [
    'breaker.maxOpenMs: maxOpenMs (1000) must be at least openMs (30000)',
    'models.m.breaker.trip.rate.window: required (not set here nor inherited)',
    'models.m.breaker.trip.rate.minCalls: required (not set here nor inherited)',
    'models.m.deployments[1].breaker.trip: the breaker can never trip: set trip.consecutive or trip.rate',
    'models.o.breaker.trip.rate.minCalls: minCalls (20) exceeds the window size (10): the rate would never be judged',
    'models.o.breaker.trip.rate.slowRate: slowRate needs slowCallMs (what counts as slow)',
    'models.n.retry.backoff.initialMs: backoff.maxMs (2000) must be at least backoff.initialMs (5000)',
  ]);
});

test('client keys: strings and objects, default names, duplicates', () => {
  const c = parseConfig(
    withModels(
      { m: { deployments: [{ provider: 'p' }] } },
      {
        server: {
          port: 0,
          clientKeys: ['${K1}', { key: 'k2-literal', name: 'team-b', rpm: 60, budgetUsdPerDay: 5 }],
          adminKey: '${ADMIN}',
        },
      },
    ),
    { env: { K1: 'k1-from-env', ADMIN: 'admin-secret' } },
  );
  assert.deepEqual(c.server.clientKeys, [
    { key: 'k1-from-env', name: 'key-1' },
    { key: 'k2-literal', name: 'team-b', rpm: 60, budgetUsdPerDay: 5 },
  ]);
  assert.equal(c.server.port, 0);
  const dup = withModels(
    { m: { deployments: [{ provider: 'p' }] } },
    { server: { clientKeys: ['a', { key: 'b', name: 'key-1' }, { key: '' }] } },
  );
  assert.deepEqual(lines(issuesOf(dup)), [
    'server.clientKeys[2].key: must not be empty',
    'server.clientKeys[1].name: duplicate client key name "key-1" (same as clientKeys[0])',
  ]);
});

test('redactConfig hides keys, credential headers, client keys and the admin key', () => {
  const input = example();
  (input['providers'] as Record<string, Record<string, unknown>>)['holysheep']!['headers'] = {
    'x-extra': 'y',
    'api-key': FAKE_KEY,
  };
  input['server'] = { clientKeys: [FAKE_KEY, { key: 'other', name: 'b' }], adminKey: FAKE_KEY };
  const c = parseConfig(input, { env });
  const r = redactConfig(c);
  assert.ok(!JSON.stringify(r).includes(FAKE_KEY));
  assert.equal(r.providers['holysheep']?.apiKey, '[redacted]');
  assert.deepEqual(r.providers['holysheep'].headers, { 'x-extra': 'y', 'api-key': '[redacted]' });
  assert.deepEqual(r.server.clientKeys, [
    { key: '[redacted]', name: 'key-1' },
    { key: '[redacted]', name: 'b' },
  ]);
  assert.equal(r.server.adminKey, '[redacted]');
  assert.equal(c.providers['holysheep']?.apiKey, FAKE_KEY, 'the original is untouched');
  assert.ok(Object.isFrozen(r.server));
});

test('a resolved configuration passes through parseConfig unchanged', () => {
  const c = parseConfig(example(), { env });
  assert.ok(isResolvedConfig(c));
  assert.equal(parseConfig(c), c);
  assert.ok(!isResolvedConfig(example()));
  assert.ok(!isResolvedConfig(redactConfig(c)));
});

test('server safety keys: origins are scheme://host[:port], metrics.auth is one of three', () => {
  const m = { m: { deployments: [{ provider: 'p' }] } };
  const c = parseConfig(
    withModels(m, {
      server: {
        allowedHosts: ['devbox.local'],
        cors: { origins: ['http://localhost:3000'] },
        metrics: { auth: 'client' },
        maxConnections: 10,
      },
    }),
    { env },
  );
  assert.deepEqual(c.server.cors, { origins: ['http://localhost:3000'] });
  assert.equal(c.server.metrics.auth, 'client');
  assert.equal(c.server.maxConnections, 10);
  const bad = withModels(m, {
    server: { cors: { origins: ['http://x/path'] }, metrics: { auth: 'everyone' } },
  });
  assert.deepEqual(
    issuesOf(bad).map((i) => i.path),
    ['server.cors.origins[0]', 'server.metrics.auth'],
  );
});
