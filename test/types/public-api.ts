// Type tests of the public surface (issue 12), compiled by `npm run build` (so by CI) and never
// run: each positive case must compile, each `@ts-expect-error` must be an error. A type that
// loosens (back to `unknown` or `Record<string, unknown>`) or tightens wrongly breaks the build.
import type OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { CreateEmbeddingResponse } from 'openai/resources/embeddings';
import { createBreakerbox } from '../../src/index.js';
import type {
  AttemptRecord,
  BreakerboxMeta,
  ChatRequest,
  ChatResult,
  ConfigInput,
  EmbeddingsResult,
  ErrorCode,
} from '../../src/index.js';

declare const bb: ReturnType<typeof createBreakerbox>;
declare const sdk: OpenAI;

export async function positive(): Promise<void> {
  // A config written as a literal is checked field by field.
  const config: ConfigInput = {
    providers: { openai: { baseURL: 'https://api.openai.com/v1', apiKey: '${OPENAI_API_KEY}' } },
    models: {
      'gpt-4.1': {
        deployments: [{ provider: 'openai', attemptTimeoutMs: 8000 }],
        fallbacks: ['gpt-4.1-mini'],
        strategy: 'least-latency',
        failoverOn: [422],
      },
      'gpt-4.1-mini': { deployments: [{ provider: 'openai' }] },
    },
    breaker: { trip: { consecutive: 5 }, openMs: 30_000 },
    deadlineMs: 20_000,
  };
  createBreakerbox(config);

  // The result reads like the SDK's, and is one.
  const r: ChatResult = await bb.chat({
    model: 'gpt-4.1',
    messages: [{ role: 'user', content: 'hi' }],
    tools: [{ type: 'function', function: { name: 'f', parameters: {} } }],
    n: 2,
    response_format: { type: 'json_object' },
  });
  const text: string | null | undefined = r.choices[0]?.message.content;
  const tokens: number | undefined = r.usage?.total_tokens;
  const asSdk: ChatCompletion = r;
  const meta: BreakerboxMeta = r.breakerbox;
  const attempts: readonly AttemptRecord[] = meta.attempts;
  console.log(text, tokens, asSdk, attempts);

  // A request written for the SDK is a breakerbox request, and the other way round.
  const request: ChatRequest = { model: 'gpt-4.1', messages: [{ role: 'system', content: 's' }] };
  await sdk.chat.completions.create(request);
  await bb.chat(request);

  for await (const chunk of bb.stream({ ...request, stream: true })) {
    const c: ChatCompletionChunk = chunk;
    console.log(c.choices[0]?.delta.content);
  }
  const e: EmbeddingsResult = await bb.embed({ model: 'e', input: ['a', 'b'] });
  const asSdkEmbeddings: CreateEmbeddingResponse = e;
  console.log(asSdkEmbeddings.data[0]?.embedding);

  const code: ErrorCode = 'all_candidates_failed';
  console.log(code);
}

export async function negative(): Promise<void> {
  // @ts-expect-error a strategy that does not exist
  createBreakerbox({ providers: {}, models: { m: { deployments: [], strategy: 'fastest' } } });
  // @ts-expect-error providers are required
  createBreakerbox({ models: {} });
  // @ts-expect-error the model must be a string
  await bb.chat({ model: 1, messages: [] });
  // @ts-expect-error a role the API does not have
  await bb.chat({ model: 'm', messages: [{ role: 'robot', content: 'x' }] });
  const r = await bb.chat({ model: 'm', messages: [] });
  // @ts-expect-error choices hold messages, not strings
  const s: string = r.choices[0];
  console.log(s);
  // @ts-expect-error not an error code
  const code: ErrorCode = 'breaker_opened';
  console.log(code);
}
