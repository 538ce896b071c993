import { test } from 'node:test';
import assert from 'node:assert/strict';
import { usageOf } from './upstream-calls.js';

test('usageOf reads prompt, completion and cached prompt tokens of an OpenAI usage', () => {
  const usage = {
    prompt_tokens: 1200,
    completion_tokens: 30,
    prompt_tokens_details: { cached_tokens: 1024, audio_tokens: 0 },
  };
  assert.deepEqual(usageOf({ usage }), {
    promptTokens: 1200,
    completionTokens: 30,
    cachedPromptTokens: 1024,
  });
});

test('usageOf: no cached tokens reported (or 0) leaves the field out; no usage is zeros', () => {
  const zero = {
    prompt_tokens: 5,
    completion_tokens: 1,
    prompt_tokens_details: { cached_tokens: 0 },
  };
  assert.deepEqual(usageOf({ usage: zero }), { promptTokens: 5, completionTokens: 1 });
  const bare = { prompt_tokens: 5, completion_tokens: 1, prompt_tokens_details: null };
  assert.deepEqual(usageOf({ usage: bare }), { promptTokens: 5, completionTokens: 1 });
  assert.deepEqual(usageOf({ choices: [] }), { promptTokens: 0, completionTokens: 0 });
  assert.deepEqual(usageOf('text'), { promptTokens: 0, completionTokens: 0 });
});
