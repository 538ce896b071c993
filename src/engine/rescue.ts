/**
 * What may answer when every candidate failed, in order: a cached answer (only with
 * `cache.staleIfOpen`, marked `cached`), then the model's static fallback (marked `static`).
 * Nothing here ever calls an upstream. Embeddings are never rescued: no zero vectors.
 */
import { AllCandidatesFailedError } from '../core/index.js';
import type { AttemptRecord } from '../core/index.js';
import type { ResolvedConfig } from '../config/index.js';
import type { ResponseCache } from '../cache/index.js';
import type { Accounting, RequestEvent } from './accounting.js';
import { staticCompletion, staticMeta } from './fallbacks.js';
import type { BreakerboxMeta } from './meta.js';
import type { JsonBody } from './upstream-calls.js';

/** A relayed JSON answer: the parsed body, its original text when unchanged, and the meta. */
export interface UnaryResult {
  readonly body: JsonBody;
  /** The body's text when it is exactly what was received (upstream or cache), to relay as is. */
  readonly text: string | undefined;
  readonly meta: BreakerboxMeta;
  /** The request's report: meta, tokens, outcome (what `bb.on('request')` also delivers). */
  readonly report: RequestEvent;
}

/** Everything a rescue needs from the engine. */
export interface RescueContext {
  readonly config: ResolvedConfig;
  readonly cache: ResponseCache | undefined;
  readonly accounting: Accounting;
  readonly nowMs: () => number;
  readonly epochMs: () => number;
}

/** A request described by what a rescue needs. */
export interface RescueRequest {
  readonly kind: 'chat' | 'embeddings' | 'responses' | 'completions';
  readonly model: string;
  readonly key: string | undefined;
  readonly requestId: string;
  readonly startedMs: number;
}

/** Serves a cache entry, fresh or stale, marked as cached. */
export function fromCache(
  ctx: RescueContext,
  req: RescueRequest,
  hit: { value: unknown; json: string },
  attempts: readonly AttemptRecord[],
): UnaryResult {
  const meta: BreakerboxMeta = {
    requestId: req.requestId,
    requestedModel: req.model,
    model: req.model,
    deployment: null,
    fallbackUsed: attempts.length > 0,
    fallback: 'cache',
    attempts,
    calls: attempts.filter((a) => a.result !== 'skipped').length,
    cached: true,
    costUsd: 0,
    costIfRequestedUsd: 0,
    durationMs: ctx.nowMs() - req.startedMs,
  };
  const report = ctx.accounting.finish({ route: req.kind, meta, errorCode: undefined });
  return { body: hit.value as JsonBody, text: hit.json, meta, report };
}

/** A rescue for `error`, or undefined when none is configured or allowed. */
export function rescue(
  ctx: RescueContext,
  req: RescueRequest,
  error: unknown,
): UnaryResult | undefined {
  if (!(error instanceof AllCandidatesFailedError) || req.kind !== 'chat') return undefined;
  if (req.key !== undefined && ctx.config.cache.staleIfOpen) {
    const hit = ctx.cache?.get(req.key);
    if (hit) return fromCache(ctx, req, hit, error.attempts);
  }
  const fixed = ctx.config.models[req.model]?.staticFallback;
  if (!fixed) return undefined;
  const meta = staticMeta(req.model, req.requestId, error.attempts, ctx.nowMs() - req.startedMs);
  const report = ctx.accounting.finish({ route: 'chat', meta, errorCode: undefined });
  const body = staticCompletion(req.model, fixed.content, ctx.epochMs());
  return { body, text: undefined, meta, report };
}
