import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatErrorLine, formatHttpLine, parseResultHead, resultId } from './result-line.js';

const B = '0123456789abcdef';

test('an HTTP result line has the OpenAI shape and reuses one-line body text', () => {
  const text = formatHttpLine(
    B,
    { lineNo: 12, customId: 'req "1"' },
    { statusCode: 200, requestId: 'req_x', bodyText: '{"id":"c","choices":[]}' },
  );
  assert.ok(text.endsWith('}\n'));
  assert.equal(text.indexOf('\n'), text.length - 1);
  assert.deepEqual(JSON.parse(text), {
    id: resultId(B, 12),
    custom_id: 'req "1"',
    response: { status_code: 200, request_id: 'req_x', body: { id: 'c', choices: [] } },
    error: null,
  });
  assert.deepEqual(parseResultHead(text.trimEnd()), {
    batchId: B,
    lineNo: 12,
    statusCode: 200,
    retryable: false,
  });
});

test('a pretty-printed body is re-serialised onto one line', () => {
  const body = { error: { message: 'bad\nthing' } };
  const text = formatHttpLine(
    B,
    { lineNo: 1, customId: 'a' },
    { statusCode: 400, requestId: 'r', bodyText: JSON.stringify(body, null, 2), body },
  );
  assert.equal(text.indexOf('\n'), text.length - 1);
  assert.deepEqual((JSON.parse(text) as { response: { body: unknown } }).response.body, body);
  assert.equal(parseResultHead(text.trimEnd())?.statusCode, 400);
});

test('an error line has response null and the error object; null custom_id parses', () => {
  const text = formatErrorLine(
    B,
    { lineNo: 3, customId: null },
    { code: 'invalid_request', message: 'line 3: is not valid JSON', param: null, line: 3 },
  );
  assert.deepEqual(JSON.parse(text), {
    id: resultId(B, 3),
    custom_id: null,
    response: null,
    retryable: false,
    error: { code: 'invalid_request', message: 'line 3: is not valid JSON', param: null, line: 3 },
  });
  assert.deepEqual(parseResultHead(text.trimEnd()), {
    batchId: B,
    lineNo: 3,
    statusCode: null,
    retryable: false,
  });
});

test('parseResultHead rejects torn, foreign and tricky lines', () => {
  const good = formatErrorLine(B, { lineNo: 5, customId: 'x\\",' }, { code: 'c', message: 'm' });
  assert.equal(parseResultHead(good.trimEnd())?.lineNo, 5);
  assert.equal(parseResultHead(good.slice(0, 30)), undefined);
  // The head is enough: a line cut after its status still parses (completeness is checked apart).
  assert.equal(parseResultHead(good.slice(0, 120))?.lineNo, 5);
  assert.equal(parseResultHead('{"id":"batch_req_abc","custom_id":"a"}'), undefined);
  assert.equal(parseResultHead('\u0000\u0000\u0000'), undefined);
  assert.equal(parseResultHead(good.trimEnd().replace('_5"', '_0"')), undefined);
});

test('a failure carries "retryable" right after the ids, where a resume reads it', () => {
  const http = formatHttpLine(
    B,
    { lineNo: 4, customId: 'a' },
    {
      statusCode: 503,
      requestId: 'r',
      body: { error: { code: 'all_candidates_failed' } },
      retryable: true,
    },
  );
  assert.match(
    http,
    /^\{"id":"batch_req_0123456789abcdef_4","custom_id":"a","retryable":true,"response":/,
  );
  assert.equal((JSON.parse(http) as { retryable: boolean }).retryable, true);
  assert.deepEqual(parseResultHead(http.trimEnd()), {
    batchId: B,
    lineNo: 4,
    statusCode: 503,
    retryable: true,
  });
  const error = formatErrorLine(
    B,
    { lineNo: 5, customId: null },
    { code: 'gateway_unreachable', message: 'ECONNREFUSED', retryable: true },
  );
  assert.equal(parseResultHead(error.trimEnd())?.retryable, true);
  // A final failure says so; a head cut inside the body still parses.
  const final = formatHttpLine(
    B,
    { lineNo: 6, customId: 'b' },
    { statusCode: 400, requestId: 'r', body: { error: {} }, retryable: false },
  );
  assert.equal(parseResultHead(final.slice(0, 120))?.retryable, false);
  // Journals written before the marker existed: failures read as final.
  const old = final.replace(',"retryable":false', '');
  assert.deepEqual(parseResultHead(old.trimEnd()), {
    batchId: B,
    lineNo: 6,
    statusCode: 400,
    retryable: false,
  });
});
