import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseChatRequest, isApiError, type ChatRequest } from './chat-request.js';
import { chatAnswer, completionBody, streamParts, truncate } from './chat-response.js';

function request(body: Record<string, unknown>): ChatRequest {
  const parsed = parseChatRequest(
    { messages: [{ role: 'user', content: 'one two three' }], ...body },
    'm',
  );
  assert.ok(!isApiError(parsed));
  return parsed;
}

const META = { id: 'chatcmpl-x1', createdS: 1_700_000_000, fingerprint: 'fp_t' };

test('the answer echoes the last user message, padded to at least 8 tokens', () => {
  const answer = chatAnswer(request({}));
  assert.deepEqual(answer.tokens.slice(0, 7), [
    'Simulated',
    ' answer',
    ' from',
    ' m:',
    ' one',
    ' two',
    ' three',
  ]);
  assert.equal(answer.tokens.length, 8);
  assert.deepEqual(chatAnswer(request({})), answer, 'deterministic');
  assert.equal(answer.finishReason, 'stop');
});

test('chunkCount sets the length; max_tokens cuts it with finish_reason length', () => {
  assert.equal(chatAnswer(request({}), 30).tokens.length, 30);
  assert.equal(chatAnswer(request({}), 2).tokens.join(''), 'Simulated answer');
  const cut = chatAnswer(request({ max_tokens: 5 }), 30);
  assert.equal(cut.tokens.length, 5);
  assert.equal(cut.finishReason, 'length');
});

test('prompt tokens are ceil(chars / 4) over every message, text parts included', () => {
  const parsed = request({
    messages: [
      { role: 'system', content: 'abcde' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'fgh' },
          { type: 'image_url', image_url: { url: 'x' } },
        ],
      },
    ],
  });
  assert.equal(parsed.promptTokens, 2);
  assert.equal(parsed.lastUserText, 'fgh');
});

test('streams: one content event per token per choice, usage only when asked', () => {
  const req = request({ stream: true, n: 2, stream_options: { include_usage: true } });
  const answer = chatAnswer(req);
  const parts = streamParts(req, answer, META);
  assert.equal(parts.head.length, 2);
  assert.equal(parts.content.length, answer.tokens.length * 2);
  assert.equal(parts.tail.length, 2 + 1 + 1);
  assert.equal(parts.tail.at(-1), 'data: [DONE]\n\n');
  const usage = JSON.parse(parts.tail.at(-2)!.slice(6)) as {
    choices: unknown[];
    usage: { completion_tokens: number };
  };
  assert.deepEqual(usage.choices, []);
  assert.equal(usage.usage.completion_tokens, answer.tokens.length * 2);
  for (const event of [...parts.head, ...parts.content]) {
    assert.equal((JSON.parse(event.slice(6)) as { usage: unknown }).usage, null);
  }
  const plain = request({ stream: true });
  const plainParts = streamParts(plain, chatAnswer(plain), META);
  assert.equal(
    plainParts.content.some((e) => e.includes('usage')),
    false,
  );
});

test('truncate yields JSON that does not parse', () => {
  const req = request({});
  const body = completionBody(req, chatAnswer(req), META);
  assert.doesNotThrow(() => JSON.parse(body) as unknown);
  assert.throws(() => JSON.parse(truncate(body)) as unknown, SyntaxError);
});

test('validation: tool_choice naming an unknown function is a 400 on tool_choice', () => {
  const parsed = parseChatRequest(
    {
      messages: [{ role: 'user', content: 'x' }],
      tools: [{ type: 'function', function: { name: 'a' } }],
      tool_choice: { type: 'function', function: { name: 'b' } },
    },
    'm',
  );
  assert.ok(isApiError(parsed));
  assert.equal(parsed.param, 'tool_choice');
  const named = parseChatRequest(
    {
      messages: [{ role: 'user', content: 'x' }],
      tools: [
        { type: 'function', function: { name: 'a' } },
        {
          type: 'function',
          function: {
            name: 'b',
            parameters: {
              type: 'object',
              properties: { q: { type: 'array', items: { type: 'number' } } },
            },
          },
        },
      ],
      tool_choice: { type: 'function', function: { name: 'b' } },
    },
    'm',
  );
  assert.ok(!isApiError(named));
  assert.deepEqual(named.toolCall, { name: 'b', arguments: '{"q":[1.5]}' });
});
