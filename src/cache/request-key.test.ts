import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cacheKey, canonicalRequest } from './index.js';

const base = (): Record<string, unknown> => ({
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'be brief' },
    { role: 'user', content: 'hello' },
  ],
  temperature: 0.2,
  response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { a: 1, b: 2 } } },
});

test('the key is a base64url SHA-256 and is stable', () => {
  const k = cacheKey(base());
  assert.match(k ?? '', /^[A-Za-z0-9_-]{43}$/);
  assert.equal(cacheKey(base()), k);
});

test('key order is irrelevant at every depth', () => {
  const reordered = {
    response_format: { json_schema: { schema: { b: 2, a: 1 }, name: 'x' }, type: 'json_schema' },
    temperature: 0.2,
    messages: [
      { content: 'be brief', role: 'system' },
      { content: 'hello', role: 'user' },
    ],
    model: 'gpt-4o-mini',
  };
  assert.equal(cacheKey(reordered), cacheKey(base()));
});

test('excluded fields do not change the key', () => {
  const k = cacheKey(base());
  const noisy = {
    ...base(),
    stream: true,
    stream_options: { include_usage: true },
    user: 'u-1',
    metadata: { trace: 'abc' },
    store: true,
    safety_identifier: 'sid',
    prompt_cache_key: 'pck',
    service_tier: 'flex',
  };
  assert.equal(cacheKey(noisy), k);
});

test('top-level nulls and undefineds count as absent; nested nulls count', () => {
  const k = cacheKey(base());
  assert.equal(cacheKey({ ...base(), seed: null, stop: undefined }), k);
  const withNull = base();
  withNull.messages = [{ role: 'assistant', content: null }];
  const withEmpty = base();
  withEmpty.messages = [{ role: 'assistant', content: '' }];
  assert.notEqual(cacheKey(withNull), cacheKey(withEmpty));
});

test('undefined array items and holes key like the null JSON writes for them', () => {
  // eslint-disable-next-line no-sparse-arrays
  const holes = [, 'a'];
  const k = cacheKey({ ...base(), stop: [null, 'a'] });
  assert.equal(cacheKey({ ...base(), stop: [undefined, 'a'] }), k);
  assert.equal(cacheKey({ ...base(), stop: holes }), k);
});

test('every answer-shaping field changes the key', () => {
  const k = cacheKey(base());
  const changes: Record<string, unknown>[] = [
    { messages: [{ role: 'user', content: 'hello!' }] },
    { messages: [...(base().messages as unknown[])].reverse() },
    { model: 'gpt-4o' },
    { temperature: 0.3 },
    { top_p: 0.9 },
    { max_tokens: 10 },
    { max_completion_tokens: 10 },
    { n: 2 },
    { n: 1 },
    { stop: ['\n'] },
    { tools: [{ type: 'function', function: { name: 'f' } }] },
    { tool_choice: 'none' },
    { response_format: { type: 'json_object' } },
    { seed: 7 },
    { logit_bias: { '50256': -100 } },
    { presence_penalty: 0.5 },
    { frequency_penalty: 0.5 },
    { reasoning_effort: 'low' },
    { some_future_parameter: true },
  ];
  const seen = new Set([k]);
  for (const change of changes) {
    const changed = cacheKey({ ...base(), ...change });
    assert.ok(changed !== undefined && !seen.has(changed), JSON.stringify(change));
    seen.add(changed);
  }
});

test('excluded names are only excluded at the top level', () => {
  const a = { ...base(), tools: [{ type: 'function', function: { name: 'f', metadata: 1 } }] };
  const b = { ...base(), tools: [{ type: 'function', function: { name: 'f', metadata: 2 } }] };
  assert.notEqual(cacheKey(a), cacheKey(b));
});

test('a scope separates otherwise equal requests', () => {
  assert.notEqual(cacheKey(base(), { scope: 'tenant-a' }), cacheKey(base(), { scope: 'tenant-b' }));
  assert.equal(cacheKey(base(), { scope: '' }), cacheKey(base()));
});

test('strings are not confused with the structure around them', () => {
  const a = { ...base(), stop: ['a","b'] };
  const b = { ...base(), stop: ['a', 'b'] };
  assert.notEqual(cacheKey(a), cacheKey(b));
  assert.notEqual(cacheKey({ ...base(), seed: 1 }), cacheKey({ ...base(), seed: '1' }));
});

test('bodies that cannot be keyed return undefined', () => {
  const cyclic: Record<string, unknown> = { role: 'user', content: 'x' };
  cyclic.self = cyclic;
  let deep: unknown = 'x';
  for (let i = 0; i < 100; i++) deep = [deep];
  const bad: unknown[] = [
    null,
    [],
    'text',
    { messages: [] },
    { model: '', messages: [] },
    { model: 'm' },
    { model: 'm', messages: 'hi' },
    { ...base(), temperature: Number.NaN },
    { ...base(), max_tokens: Number.POSITIVE_INFINITY },
    { ...base(), seed: 1n },
    { ...base(), tools: [() => 1] },
    { ...base(), messages: [cyclic] },
    { ...base(), messages: [deep] },
    { ...base(), messages: [{ role: 'user', content: new Date(0) }] },
  ];
  for (const body of bad) {
    assert.equal(cacheKey(body as Record<string, unknown>), undefined, String(body));
  }
});

test('a shared, non-cyclic sub-object is keyable', () => {
  const part = { type: 'text', text: 'hi' };
  const body = { ...base(), messages: [{ role: 'user', content: [part, part] }] };
  assert.ok(cacheKey(body) !== undefined);
});

test('canonical form round-trips and ignores key order for any JSON value (property)', () => {
  const reverseKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(reverseKeys);
    if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(o)
          .reverse()
          .map((k) => [k, reverseKeys(o[k])]),
      );
    }
    return v;
  };
  const excluded = ['stream', 'stream_options', 'user', 'metadata', 'store'];
  excluded.push('safety_identifier', 'prompt_cache_key', 'service_tier');
  fc.assert(
    fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (extra) => {
      const body: Record<string, unknown> = { ...extra, model: 'm', messages: [] };
      const canonical = canonicalRequest(body);
      const expected = Object.fromEntries(
        Object.entries(JSON.parse(JSON.stringify(body)) as Record<string, unknown>).filter(
          ([k, v]) => v !== null && !excluded.includes(k),
        ),
      );
      assert.deepEqual(JSON.parse(canonical), expected);
      assert.equal(canonicalRequest(reverseKeys(body) as Record<string, unknown>), canonical);
    }),
    { numRuns: 200 },
  );
});
