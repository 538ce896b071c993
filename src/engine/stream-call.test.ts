import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { hasContent } from './stream-call.js';

/** What `hasContent` decides, from the parsed chunk only. */
function reference(data: string): boolean {
  const chunk = JSON.parse(data) as {
    choices?: { delta?: Record<string, unknown>; finish_reason?: unknown }[];
  };
  return (chunk.choices ?? []).some(
    (c) =>
      (c.finish_reason !== null && c.finish_reason !== undefined) ||
      (typeof c.delta?.content === 'string' && c.delta.content.length > 0) ||
      (c.delta?.tool_calls ?? null) !== null ||
      (c.delta?.function_call ?? null) !== null ||
      (typeof c.delta?.refusal === 'string' && c.delta.refusal.length > 0),
  );
}

test('hasContent: the preamble, text, tool calls, refusals and finishes', () => {
  const chunk = (delta: object, finish: string | null = null): string =>
    JSON.stringify({
      id: 'c',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    });
  assert.equal(hasContent(chunk({ role: 'assistant', content: '' })), false);
  assert.equal(hasContent(chunk({ role: 'assistant' })), false);
  assert.equal(hasContent(chunk({ content: 'hi' })), true);
  assert.equal(hasContent(chunk({ content: '"quoted"' })), true);
  assert.equal(hasContent(chunk({ content: null, tool_calls: [{ index: 0 }] })), true);
  assert.equal(hasContent(chunk({ refusal: 'no' })), true);
  assert.equal(hasContent(chunk({}, 'stop')), true);
  assert.equal(hasContent('{"choices":[{"delta":{"content": "spaced"}}]}'), true);
  // A content key inside another string is not content.
  assert.equal(hasContent(chunk({ role: 'assistant', content: '', x: '"content":"y' })), false);
  assert.equal(hasContent('{"choices":null}'), false);
  assert.throws(() => hasContent('"content":"x'), SyntaxError);
});

test('hasContent agrees with the parsed chunk on generated chunks', () => {
  const delta = fc.record(
    {
      role: fc.constant('assistant'),
      content: fc.oneof(fc.string(), fc.constant(null), fc.constant('')),
      refusal: fc.oneof(fc.string(), fc.constant(null)),
      tool_calls: fc.constant([{ index: 0, function: { arguments: '{"content":"x"}' } }]),
      function_call: fc.constant(null),
    },
    { requiredKeys: [] },
  );
  const choice = fc.record({
    index: fc.nat(3),
    delta,
    logprobs: fc.oneof(fc.constant(null), fc.constant({ content: [] })),
    finish_reason: fc.oneof(fc.constant(null), fc.constant('stop')),
  });
  fc.assert(
    fc.property(fc.array(choice, { maxLength: 3 }), (choices) => {
      const data = JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices });
      assert.equal(hasContent(data), reference(data), data);
    }),
    { numRuns: 500 },
  );
});
