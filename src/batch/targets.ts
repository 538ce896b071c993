/** The two kinds of batch target and the executor each gets. */
import type { Clock } from '../core/index.js';
import { engineExecutor } from './engine-target.js';
import type { BatchEngine } from './engine-target.js';
import type { LineExecutor } from './target.js';
import { urlExecutor } from './url-target.js';
import type { UrlTargetOptions } from './url-target.js';

/**
 * Where a batch's lines go: an engine in this process, a gateway over HTTP, or your own
 * {@link LineExecutor} (a custom transport, or a fake in tests).
 */
export type BatchTarget =
  | { readonly kind: 'engine'; readonly engine: BatchEngine }
  | ({ readonly kind: 'url' } & UrlTargetOptions)
  | { readonly kind: 'executor'; readonly executor: LineExecutor };

/** The executor for a target; `concurrency` sizes a gateway connection pool. */
export function createExecutor(
  target: BatchTarget,
  concurrency: number,
  clock: Clock,
): LineExecutor {
  switch (target.kind) {
    case 'engine':
      return engineExecutor(target.engine, clock);
    case 'url':
      return urlExecutor(target, concurrency, clock);
    case 'executor':
      // Yours to close: the batch does not own it.
      return { execute: (req) => target.executor.execute(req), close: () => Promise.resolve() };
  }
}
