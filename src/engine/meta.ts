import type { AttemptRecord } from '../core/index.js';

/** How a response was produced when it did not come from the requested model. */
export type FallbackKind = 'none' | 'model' | 'context' | 'budget' | 'cache' | 'static';

/**
 * What breakerbox did for one request; attached to library results as `breakerbox` and sent by
 * the gateway as `x-breakerbox-*` headers.
 */
export interface BreakerboxMeta {
  readonly requestId: string;
  /** The model the caller asked for. */
  readonly requestedModel: string;
  /** The logical model that answered (null for a static fallback). */
  readonly model: string | null;
  /** The deployment that answered (`provider/upstreamModel`), null for cache and static. */
  readonly deployment: string | null;
  /** True when anything but the requested model's own deployments answered. */
  readonly fallbackUsed: boolean;
  readonly fallback: FallbackKind;
  /** Every candidate skipped or failed before the answer, in order. */
  readonly attempts: readonly AttemptRecord[];
  /** Upstream calls made for this request. */
  readonly calls: number;
  /** True when the answer came from the response cache. */
  readonly cached: boolean;
  /** What this answer cost, USD. */
  readonly costUsd: number;
  /** What the same tokens would have cost on the requested model, USD. */
  readonly costIfRequestedUsd: number;
  /** Time from the request to the answer (JSON) or to the first content chunk (stream), ms. */
  readonly durationMs: number;
}

/** Header names and values for a meta, as the gateway and `bb.fetch` send them. */
export function metaHeaders(meta: BreakerboxMeta): Record<string, string> {
  return {
    'x-request-id': meta.requestId,
    'x-breakerbox-deployment': meta.deployment ?? meta.fallback,
    'x-breakerbox-model': meta.model ?? meta.fallback,
    'x-breakerbox-fallback': meta.fallback,
    'x-breakerbox-attempts': String(meta.calls),
    ...(meta.cached && { 'x-breakerbox-cached': 'true' }),
  };
}
