import { test } from 'node:test';
import assert from 'node:assert/strict';
import { embeddingVector, parseEmbeddingRequest, toBase64 } from './embeddings.js';
import { isApiError } from './chat-request.js';

test('vectors are unit length, deterministic per text, different across texts', () => {
  const a = embeddingVector('hello', 1536);
  let sum = 0;
  for (const v of a) sum += v * v;
  assert.ok(Math.abs(Math.sqrt(sum) - 1) < 1e-5);
  assert.deepEqual(embeddingVector('hello', 1536), a);
  assert.notDeepEqual(embeddingVector('hellp', 1536), a);
});

test('base64 is little-endian float32 bytes', () => {
  const v = embeddingVector('x', 5);
  const bytes = Buffer.from(toBase64(v), 'base64');
  assert.equal(bytes.length, 20);
  for (let i = 0; i < 5; i++) assert.equal(bytes.readFloatLE(i * 4), v[i]);
});

test('inputs: string, strings, token ids, token id arrays; errors name the field', () => {
  const parse = (input: unknown, extra: Record<string, unknown> = {}) =>
    parseEmbeddingRequest({ input, ...extra }, 'e', 8);
  const one = parse('abcdefgh');
  assert.ok(!isApiError(one));
  assert.deepEqual(
    [one.inputs, one.promptTokens, one.dimensions, one.isBase64],
    [['abcdefgh'], 2, 8, false],
  );
  const tokens = parse([1, 2, 3], { dimensions: 4, encoding_format: 'base64' });
  assert.ok(!isApiError(tokens));
  assert.deepEqual(
    [tokens.inputs, tokens.promptTokens, tokens.dimensions, tokens.isBase64],
    [['tokens:1,2,3'], 3, 4, true],
  );
  const many = parse([[1], [2, 3]]);
  assert.ok(!isApiError(many));
  assert.equal(many.inputs.length, 2);
  const errors: [unknown, Record<string, unknown>, string][] = [
    [undefined, {}, 'input'],
    [[], {}, 'input'],
    [['ok', ''], {}, 'input[1]'],
    ['x', { dimensions: 0 }, 'dimensions'],
    ['x', { encoding_format: 'hex' }, 'encoding_format'],
  ];
  for (const [input, extra, param] of errors) {
    const parsed = parse(input, extra);
    assert.ok(isApiError(parsed));
    assert.equal(parsed.param, param);
  }
});
