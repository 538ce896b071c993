import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineValidator } from './validate-line.js';
import type { CheckedLine } from './validate-line.js';

function checkAll(lines: string[]): CheckedLine[] {
  const v = new LineValidator();
  return lines.map((text, i) => v.check({ lineNo: i + 1, text, sizeBytes: text.length }));
}

const ok = (id: string, url = '/v1/chat/completions') =>
  JSON.stringify({ custom_id: id, method: 'POST', url, body: { model: 'm', messages: [] } });

test('a well-formed line becomes a request with its endpoint', () => {
  const r = checkAll([ok('a')])[0];
  assert.ok(r?.kind === 'request');
  assert.equal(r.endpoint, '/v1/chat/completions');
  assert.equal(r.customId, 'a');
});

test('each bad line is reported by its number, with the custom_id when it owns one', () => {
  const got = checkAll([
    ok('a'),
    '{not json',
    JSON.stringify({ method: 'POST', url: '/v1/chat/completions', body: {} }),
    ok('a'),
    JSON.stringify({ custom_id: 'b', method: 'GET', url: '/v1/chat/completions', body: {} }),
    ok('c', '/v1/embeddings'),
    ok('d', '/v1/responses'),
    JSON.stringify({ custom_id: 'e', method: 'POST', url: '/v1/chat/completions', body: [1] }),
    '[1,2]',
    JSON.stringify({ custom_id: 7, method: 'POST', url: '/v1/chat/completions', body: {} }),
    '   ',
    ok('f'),
  ]);
  const summary = got.map((c) =>
    c.kind === 'invalid' ? [c.lineNo, c.customId, c.param, c.message] : [c.lineNo, c.kind],
  );
  assert.deepEqual(summary, [
    [1, 'request'],
    [2, null, null, 'line 2: is not valid JSON'],
    [3, null, 'custom_id', 'line 3: custom_id is missing'],
    [4, null, 'custom_id', 'line 4: duplicate custom_id "a" (first used on line 1); not run'],
    [5, 'b', 'method', 'line 5: method must be "POST", got "GET"'],
    [
      6,
      'c',
      'url',
      'line 6: url "/v1/embeddings" differs from the batch\'s endpoint "/v1/chat/completions" (set by line 1)',
    ],
    [
      7,
      'd',
      'url',
      'line 7: url "/v1/responses" is not supported (supported: /v1/chat/completions, /v1/embeddings)',
    ],
    [8, 'e', 'body', 'line 8: body must be a JSON object, got an array'],
    [9, null, null, 'line 9: must be a JSON object, got an array'],
    [10, null, 'custom_id', 'line 10: custom_id must be a non-empty string, got a number'],
    [11, 'blank'],
    [12, 'request'],
  ]);
});

test('an id used by an invalid line is taken: a later line with it is a duplicate', () => {
  const got = checkAll([
    JSON.stringify({ custom_id: 'x', method: 'PUT', url: '/v1/embeddings', body: {} }),
    ok('x', '/v1/embeddings'),
  ]);
  const second = got[1];
  assert.ok(second?.kind === 'invalid');
  assert.equal(second.customId, null);
});

test('a streaming body is refused: a batch result is one JSON answer', () => {
  const line = JSON.stringify({
    custom_id: 's',
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model: 'm', messages: [], stream: true },
  });
  const r = new LineValidator().check({ lineNo: 1, text: line, sizeBytes: line.length });
  assert.ok(r.kind === 'invalid');
  assert.equal(r.param, 'body.stream');
  assert.equal(r.customId, 's');
});

test('an over-long line (no text) is invalid; the message never quotes the line', () => {
  const v = new LineValidator();
  const r = v.check({ lineNo: 4, text: undefined, sizeBytes: 99 });
  assert.equal(r.kind === 'invalid' && r.message, 'line 4: longer than the limit (99 bytes)');
  const secret = v.check({
    lineNo: 5,
    text: '{"custom_id":"s","body":"my secret prompt',
    sizeBytes: 9,
  });
  assert.ok(secret.kind === 'invalid' && !secret.message.includes('secret'));
});

test('the endpoint is set by the first line naming a supported url', () => {
  const v = new LineValidator();
  assert.equal(v.endpoint, undefined);
  v.check({ lineNo: 1, text: ok('a', '/v1/embeddings'), sizeBytes: 1 });
  assert.equal(v.endpoint, '/v1/embeddings');
});
