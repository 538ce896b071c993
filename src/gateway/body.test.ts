import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { BodyError, jsonDepth, parseJson, readBody } from './body.js';

function fakeRequest(chunks: string[], headers: Record<string, string> = {}): IncomingMessage {
  const r = Readable.from(chunks.map((c) => Buffer.from(c))) as unknown as IncomingMessage & {
    headers: Record<string, string>;
    complete: boolean;
  };
  r.headers = headers;
  r.on('end', () => {
    r.complete = true;
  });
  return r;
}

const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');

test('jsonDepth counts objects and arrays, ignoring brackets inside strings', () => {
  assert.equal(jsonDepth(bytes('1'), 10), 0);
  assert.equal(jsonDepth(bytes('{"a":[1,{"b":2}]}'), 10), 3);
  assert.equal(jsonDepth(bytes('{"a":"[[[[{{{{"}'), 10), 1);
  assert.equal(jsonDepth(bytes('{"a":"\\"[[[["}'), 10), 1, 'escaped quote stays in the string');
  assert.equal(jsonDepth(bytes('["\\\\",[[1]]]'), 10), 3, 'escaped backslash ends correctly');
  assert.equal(jsonDepth(bytes('{"é💥":[{"ü":[]}]}'), 10), 4, 'multi-byte characters');
});

test('jsonDepth stops as soon as the limit is passed', () => {
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  assert.equal(jsonDepth(bytes(deep), 64), 65);
});

test('parseJson: valid, empty, malformed and too deep', () => {
  assert.deepEqual(parseJson(bytes('{"model":"m","n":[1,2]}'), 8), { model: 'm', n: [1, 2] });
  assert.equal(parseJson(Buffer.alloc(0), 8), undefined);
  assert.throws(
    () => parseJson(bytes('{"model":'), 8),
    (e: unknown) => e instanceof BodyError && e.problem === 'malformed',
  );
  assert.throws(
    () => parseJson(bytes('[[[[[[[[[1]]]]]]]]]'), 8),
    (e: unknown) =>
      e instanceof BodyError && e.problem === 'too_deep' && /8 levels/.test(e.message),
  );
  assert.deepEqual(parseJson(bytes('[[[[[[[[1]]]]]]]]'), 8), [[[[[[[[1]]]]]]]]);
});

test('parseJson refuses exactly the bodies nested deeper than the limit (mixed, sibling and quoted brackets)', () => {
  const tooDeep = (e: unknown) => e instanceof BodyError && e.problem === 'too_deep';
  assert.throws(() => parseJson(bytes('{"a":[{"a":[{"a":[{"a":[1]}]}]}]}'), 7), tooDeep);
  assert.deepEqual(parseJson(bytes('{"a":[{"a":[{"a":[{"a":[1]}]}]}]}'), 8), {
    a: [{ a: [{ a: [{ a: [1] }] }] }],
  });
  const siblings = JSON.stringify({ messages: Array.from({ length: 20 }, () => ({ n: [] })) });
  assert.equal((parseJson(bytes(siblings), 4) as { messages: unknown[] }).messages.length, 20);
  assert.deepEqual(parseJson(bytes('{"a":"[[[[{{{{[[[["}'), 2), { a: '[[[[{{{{[[[[' });
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 6 }), fc.integer({ min: 0, max: 8 }), (value, limit) => {
      const text = bytes(JSON.stringify(value));
      const deep = jsonDepth(text, limit) > limit;
      let refused = false;
      try {
        parseJson(text, limit);
      } catch (e) {
        refused = tooDeep(e);
      }
      assert.equal(refused, deep);
    }),
  );
});

test('readBody concatenates chunks within the limit', async () => {
  const body = await readBody(fakeRequest(['{"a":', '1}']), 100);
  assert.equal(body.toString(), '{"a":1}');
});

test('readBody refuses a declared content-length over the limit without reading', async () => {
  const req = fakeRequest(['x'.repeat(10)], { 'content-length': '1000' });
  await assert.rejects(
    readBody(req, 100),
    (e: unknown) =>
      e instanceof BodyError && e.problem === 'too_large' && /100 bytes/.test(e.message),
  );
});

test('readBody stops at the limit for a body without content-length', async () => {
  const req = fakeRequest(['x'.repeat(60), 'x'.repeat(60), 'x'.repeat(60)]);
  await assert.rejects(
    readBody(req, 100),
    (e: unknown) => e instanceof BodyError && e.problem === 'too_large',
  );
  assert.equal(req.isPaused(), true, 'reading stopped');
});
