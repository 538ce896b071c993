import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeResponseId, encodeResponseId, responseIdsOf, rewriteIds } from './response-id.js';
import {
  isCompletionContent,
  isResponsesContent,
  isStateful,
  validateCompletionsBody,
  validateResponsesBody,
} from './text-apis.js';
import { encodeJsonIds, estimateTokens, streamBody } from './routes-body.js';
import { usageOf } from './upstream-calls.js';

test('a response id carries its deployment and round-trips', () => {
  const id = encodeResponseId('azure-eu/gpt-4.1', 'resp_abc_123');
  assert.match(id, /^resp_bb\.[A-Za-z0-9_-]+\.resp_abc_123$/);
  assert.deepEqual(decodeResponseId(id), {
    deploymentId: 'azure-eu/gpt-4.1',
    upstreamId: 'resp_abc_123',
  });
  // An upstream id with dots keeps them (only the first dot after the prefix splits).
  assert.equal(decodeResponseId(encodeResponseId('p/m', 'a.b.c'))?.upstreamId, 'a.b.c');
});

test('ids breakerbox did not issue, or mangled, do not decode', () => {
  assert.equal(decodeResponseId('resp_67ccd2bed1ec8190'), undefined);
  assert.equal(decodeResponseId('resp_bb.'), undefined);
  assert.equal(decodeResponseId('resp_bb.cC9t'), undefined, 'no upstream id');
  assert.equal(decodeResponseId('resp_bb.cC9t.'), undefined, 'empty upstream id');
  assert.equal(decodeResponseId('resp_bb.c$9t.x'), undefined, 'not base64url');
  assert.equal(decodeResponseId('resp_bb.cC9tx.x'), undefined, 'not canonical base64url');
});

test('ids are rewritten as JSON strings only, other text untouched', () => {
  const text =
    '{"id":"resp_1","previous_response_id":"resp_0","output":[{"id":"msg_1","text":"resp_1"}]}';
  const out = rewriteIds(text, 'p/m', ['resp_1']);
  const body = JSON.parse(out) as {
    id: string;
    previous_response_id: string;
    output: { text: string }[];
  };
  assert.equal(decodeResponseId(body.id)?.upstreamId, 'resp_1');
  assert.equal(body.previous_response_id, 'resp_0');
  assert.deepEqual(responseIdsOf({ id: 'resp_1', previous_response_id: 'resp_0' }), [
    'resp_1',
    'resp_0',
  ]);
  assert.deepEqual(
    responseIdsOf({ id: encodeResponseId('p/m', 'x'), previous_response_id: null }),
    [],
  );
  const json = encodeJsonIds(
    { body: { id: 'resp_1', previous_response_id: 'resp_0' }, text },
    'p/m',
  );
  assert.equal(json.body.id, encodeResponseId('p/m', 'resp_1'));
  assert.equal(json.body.previous_response_id, encodeResponseId('p/m', 'resp_0'));
  assert.ok(json.text.includes(JSON.stringify(encodeResponseId('p/m', 'resp_0'))));
});

test('stateful Responses requests are told from stateless ones', () => {
  const base = { model: 'm', input: 'hi' };
  assert.equal(isStateful(validateResponsesBody(base)), false);
  assert.equal(isStateful(validateResponsesBody({ ...base, store: false })), false);
  assert.equal(
    isStateful(validateResponsesBody({ ...base, previous_response_id: 'resp_1' })),
    true,
  );
  assert.equal(isStateful(validateResponsesBody({ ...base, conversation: 'conv_1' })), true);
  const ref = { model: 'm', input: [{ type: 'item_reference', id: 'msg_1' }] };
  assert.equal(isStateful(validateResponsesBody(ref)), true);
});

test('request validation names the field', () => {
  const bad = (f: () => unknown, param: string): void => {
    assert.throws(f, (e: { param?: string }) => e.param === param);
  };
  bad(() => validateResponsesBody({ model: 'm', input: 3 }), 'input');
  bad(() => validateResponsesBody({ model: 'm', previous_response_id: 1 }), 'previous_response_id');
  bad(() => validateResponsesBody({ model: 'm', max_output_tokens: 0 }), 'max_output_tokens');
  bad(() => validateResponsesBody({ input: 'x' }), 'model');
  bad(() => validateCompletionsBody({ model: 'm', prompt: '' }), 'prompt');
  bad(
    () => validateCompletionsBody({ model: 'm', prompt: 'x', stream_options: {} }),
    'stream_options',
  );
  bad(() => validateCompletionsBody({ model: 'm', prompt: 'x', stream: 'yes' }), 'stream');
});

test('first content: Responses deltas and the end, completions text or finish', () => {
  const ev = (type: string, named = true) => ({
    ...(named && { event: type }),
    data: JSON.stringify({ type }),
  });
  assert.equal(isResponsesContent(ev('response.created')), false);
  assert.equal(isResponsesContent(ev('response.in_progress')), false);
  assert.equal(isResponsesContent(ev('response.output_item.added')), false);
  assert.equal(isResponsesContent(ev('response.content_part.added')), false);
  assert.equal(isResponsesContent(ev('response.output_text.delta')), true);
  assert.equal(isResponsesContent(ev('response.output_text.delta', false)), true, 'type in data');
  assert.equal(isResponsesContent(ev('response.function_call_arguments.delta')), true);
  assert.equal(isResponsesContent(ev('response.completed')), true);
  const chunk = (choice: object) => ({ data: JSON.stringify({ choices: [choice] }) });
  assert.equal(isCompletionContent(chunk({ text: '', finish_reason: null })), false);
  assert.equal(isCompletionContent(chunk({ text: 'a', finish_reason: null })), true);
  assert.equal(isCompletionContent(chunk({ text: '', finish_reason: 'stop' })), true);
  assert.equal(isCompletionContent({ data: '{"choices":[],"usage":{}}' }), false);
});

test('usage from the Responses shape, cached tokens included', () => {
  assert.deepEqual(
    usageOf({
      usage: { input_tokens: 30, output_tokens: 7, input_tokens_details: { cached_tokens: 10 } },
    }),
    { promptTokens: 30, completionTokens: 7, cachedPromptTokens: 10 },
  );
  assert.deepEqual(usageOf({ usage: { prompt_tokens: 3, completion_tokens: 2 } }), {
    promptTokens: 3,
    completionTokens: 2,
  });
});

test('stream bodies and token estimates per route', () => {
  const c = validateCompletionsBody({ model: 'm', prompt: 'abcd'.repeat(10), max_tokens: 5 });
  assert.deepEqual(streamBody('completions', c).stream_options, { include_usage: true });
  const r = validateResponsesBody({ model: 'm', input: 'x', stream: true });
  assert.equal(
    streamBody('responses', r).stream_options,
    undefined,
    'Responses has no stream_options',
  );
  assert.equal(estimateTokens('completions', c), 10 + 5);
  const items = validateResponsesBody({
    model: 'm',
    input: [{ role: 'user', content: [{ type: 'input_text', text: 'abcdefgh' }] }],
    max_output_tokens: 4,
  });
  assert.equal(estimateTokens('responses', items), 2 + 4);
});
