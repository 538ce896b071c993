/**
 * Runs lines through an engine in this process: `bb.relay()`, so each line gets the breakers,
 * failover, retries, budgets and the providers' rpm/tpm, shared across the whole batch.
 */
import { AllCandidatesFailedError, isBreakerboxError } from '../core/index.js';
import type { Clock } from '../core/index.js';
import { toWireError } from '../engine/index.js';
import type { Breakerbox, BreakerboxMeta } from '../engine/index.js';
import { admitAfterSkips, failedMeta, usageOf } from './target.js';
import type { LineExecutor, LineMeta, LineOutcome, LineRequest } from './target.js';

/** The part of the engine a batch uses. */
export type BatchEngine = Pick<Breakerbox, 'relay' | 'on' | 'deployments'>;

function metaOf(meta: BreakerboxMeta, body: unknown): LineMeta {
  return {
    requestedModel: meta.requestedModel,
    servedModel: meta.model,
    deployment: meta.deployment,
    fallbackUsed: meta.fallbackUsed,
    calls: meta.calls,
    ...usageOf(body),
    costUsd: meta.costUsd,
    costIfRequestedUsd: meta.costIfRequestedUsd,
    durationMs: meta.durationMs,
  };
}

/** How long until a failure that made no upstream call could be admitted, if it is one. */
function admitAfterOf(error: unknown): number | undefined {
  if (error instanceof AllCandidatesFailedError) {
    return admitAfterSkips(error.attempts, error.retryAfterMs);
  }
  if (isBreakerboxError(error) && error.code === 'rate_limited') {
    return (error as { retryAfterMs?: number }).retryAfterMs ?? 1000;
  }
  return undefined;
}

async function execute(engine: BatchEngine, clock: Clock, req: LineRequest): Promise<LineOutcome> {
  const startedMs = clock.now();
  try {
    const r = await engine.relay(req.route, req.body, {
      signal: req.signal,
      requestId: req.requestId,
    });
    return {
      type: 'http',
      statusCode: 200,
      requestId: r.meta.requestId,
      bodyText: r.text,
      body: r.body,
      errorCode: null,
      meta: metaOf(r.meta, r.body),
      admitAfterMs: undefined,
    };
  } catch (error) {
    // The same status and envelope the gateway would answer with (engine/openai-error.ts).
    const wire = toWireError(error);
    const calls =
      error instanceof AllCandidatesFailedError
        ? error.attempts.filter((a) => a.result !== 'skipped').length
        : 0;
    return {
      type: 'http',
      statusCode: wire.status,
      requestId: req.requestId,
      bodyText: undefined,
      body: wire.body,
      errorCode: wire.body.error.code ?? `http_${wire.status}`,
      meta: { ...failedMeta(req.body, clock.now() - startedMs), calls },
      admitAfterMs: admitAfterOf(error),
    };
  }
}

/** An executor over `engine`. The engine stays open: its owner closes it. */
export function engineExecutor(engine: BatchEngine, clock: Clock): LineExecutor {
  return {
    execute: (req) => execute(engine, clock, req),
    close: () => Promise.resolve(),
  };
}
