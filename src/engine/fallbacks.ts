/**
 * Fallbacks that never lie: a static answer is the operator's explicit choice, is marked as
 * such in the response (`breakerbox.fallback: 'static'`, `x-breakerbox-fallback: static`, and a
 * `system_fingerprint` of `breakerbox-static`), and never calls an upstream.
 */
import type { AttemptRecord } from '../core/index.js';
import type { BreakerboxMeta } from './meta.js';

/** A ChatCompletion carrying the operator's static fallback text. */
export function staticCompletion(
  model: string,
  content: string,
  epochMs: number,
): Record<string, unknown> {
  return {
    id: `chatcmpl-static-${epochMs.toString(36)}`,
    object: 'chat.completion',
    created: Math.floor(epochMs / 1000),
    model,
    system_fingerprint: 'breakerbox-static',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
  };
}

/** The meta of a static answer. */
export function staticMeta(
  requestedModel: string,
  requestId: string,
  attempts: readonly AttemptRecord[],
  durationMs: number,
): BreakerboxMeta {
  return {
    requestId,
    requestedModel,
    model: null,
    deployment: null,
    fallbackUsed: true,
    fallback: 'static',
    attempts,
    calls: attempts.filter((a) => a.result !== 'skipped').length,
    cached: false,
    costUsd: 0,
    costIfRequestedUsd: 0,
    durationMs,
  };
}
