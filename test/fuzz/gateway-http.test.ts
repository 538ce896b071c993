/**
 * The gateway against 10,000 generated requests (fast-check, loopback, bounded): random methods
 * and paths, malformed and wrong-typed bodies, deep nesting, huge strings, invalid UTF-8, odd
 * headers. Zero crashes; every answer has a status, and every error answer with a JSON body is an
 * OpenAI error envelope; the gateway still serves a valid request afterwards.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Pool } from 'undici';
import { CLIENT_KEY, chatBody, startStack } from '../fixtures/gateway-harness.js';

const REQUESTS = 10_000;
const CONCURRENCY = 16;

const paths = fc.constantFrom(
  '/v1/chat/completions',
  '/v1/embeddings',
  '/v1/responses',
  '/v1/completions',
  '/v1/models',
  '/v1/models/gpt-4.1',
  '/v1/models/%00',
  '/readyz',
  '/healthz',
  '/admin/circuits',
  '/admin/circuits/sim%2Fgpt-4.1/open',
  '/v1/chat/completions?x=1',
  '//v1//chat/completions',
  '/v1/nope',
  '/%',
);

/** A value of any JSON type, nested up to a few levels. */
const anyJson = fc.jsonValue({ maxDepth: 4 });

/** A chat body with each field possibly of the wrong type. */
const chatish = fc.record(
  {
    model: fc.oneof(fc.constantFrom('gpt-4.1', 'unknown-model', ''), anyJson),
    messages: fc.oneof(
      fc.constant([{ role: 'user', content: 'hi' }]),
      fc.array(fc.record({ role: fc.oneof(fc.string(), anyJson), content: anyJson })),
      anyJson,
    ),
    stream: fc.oneof(fc.boolean(), anyJson),
    max_tokens: fc.oneof(fc.integer(), anyJson),
    n: fc.oneof(fc.integer({ min: -2, max: 3 }), anyJson),
    input: anyJson,
  },
  { requiredKeys: [] },
);

/** Bodies: JSON of every shape, deep nesting, huge strings, broken text, invalid UTF-8. */
const body = fc.oneof(
  chatish.map((b) => Buffer.from(JSON.stringify(b))),
  anyJson.map((v) => Buffer.from(JSON.stringify(v))),
  fc.nat(3000).map((d) => Buffer.from('['.repeat(d) + ']'.repeat(d))),
  fc
    .nat(200_000)
    .map((n) =>
      Buffer.from(
        JSON.stringify({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'x'.repeat(n) }] }),
      ),
    ),
  fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  fc.constant(Buffer.alloc(0)),
);

const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,60}$/);
/** Mostly what a real client sends (so bodies get parsed), sometimes anything. */
const mostly = <T>(usual: T, other: fc.Arbitrary<T>): fc.Arbitrary<T> =>
  fc.oneof({ weight: 9, arbitrary: fc.constant(usual) }, { weight: 1, arbitrary: other });
const rarely = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: a });
const headers = fc
  .record({
    'content-type': mostly(
      'application/json',
      fc.constantFrom(
        'application/json; charset=utf-8',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        '',
      ),
    ),
    authorization: mostly(
      `Bearer ${CLIENT_KEY}`,
      fc.oneof(fc.constant('Bearer wrong'), headerValue),
    ),
    origin: rarely(fc.oneof(fc.constant('https://evil.example'), headerValue)),
    'x-request-id': rarely(headerValue),
    'x-breakerbox-deadline-ms': rarely(headerValue),
    traceparent: rarely(headerValue),
    accept: rarely(headerValue),
  })
  .map(
    (h) =>
      Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as Record<
        string,
        string
      >,
  );

const request = fc.record({
  method: mostly('POST', fc.constantFrom('GET', 'PUT', 'DELETE', 'OPTIONS', 'PATCH')),
  path: fc.oneof(
    {
      weight: 6,
      arbitrary: fc.constantFrom(
        '/v1/chat/completions',
        '/v1/embeddings',
        '/v1/responses',
        '/v1/completions',
      ),
    },
    { weight: 1, arbitrary: paths },
  ),
  headers,
  body,
});

test(`gateway: ${REQUESTS} generated requests, no crash, every error an OpenAI envelope`, async (t) => {
  const stack = await startStack(t);
  const pool = new Pool(stack.url, { connections: CONCURRENCY, pipelining: 1 });
  t.after(() => pool.close());
  const samples = fc.sample(request, { numRuns: REQUESTS, seed: 20261203 });
  const statuses = new Map<number, number>();
  const problems: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < samples.length) {
      const r = samples[next++];
      if (r === undefined) break;
      const hasBody = r.method !== 'GET' && r.method !== 'OPTIONS';
      let res;
      try {
        res = await pool.request({
          method: r.method,
          path: r.path,
          headers: { ...r.headers, host: new URL(stack.url).host },
          ...(hasBody && { body: r.body }),
          headersTimeout: 30_000,
          bodyTimeout: 30_000,
        });
      } catch (error) {
        // The gateway may close a socket on bad framing; it must never stop answering.
        problems.push(`${r.method} ${r.path}: ${(error as Error).message}`);
        continue;
      }
      const text = await res.body.text();
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      const type = String(res.headers['content-type'] ?? '');
      if (res.statusCode >= 400 && type.startsWith('application/json')) {
        const parsed = JSON.parse(text) as { error?: { message?: unknown; type?: unknown } };
        if (typeof parsed.error?.message !== 'string' || typeof parsed.error.type !== 'string') {
          problems.push(
            `${r.method} ${r.path} ${res.statusCode}: not an error envelope: ${text.slice(0, 200)}`,
          );
        }
      }
      // 502/503/504 are the engine's honest answers (a provider failure, every candidate down, a
      // deadline the request set itself); any other 5xx is a bug.
      if (res.statusCode >= 500 && ![502, 503, 504].includes(res.statusCode)) {
        problems.push(`${r.method} ${r.path} ${res.statusCode}: ${text.slice(0, 200)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  assert.deepEqual(problems.slice(0, 20), []);
  // The generated traffic reaches the body parsers and the engine, not only the front door.
  assert.ok((statuses.get(200) ?? 0) > 100, JSON.stringify([...statuses]));
  assert.ok((statuses.get(400) ?? 0) > 1000, JSON.stringify([...statuses]));
  const answered = [...statuses.values()].reduce((a, b) => a + b, 0);
  assert.equal(answered, REQUESTS);
  // Still serving.
  const ok = await fetch(`${stack.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { ...stack.auth, 'content-type': 'application/json' },
    body: JSON.stringify(chatBody()),
  });
  assert.equal(ok.status, 200);
  const health = await fetch(`${stack.url}/healthz`);
  assert.equal(health.status, 200);
});
