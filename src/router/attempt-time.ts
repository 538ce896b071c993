/**
 * How long one attempt may take. The request has one deadline; an attempt that has another
 * candidate behind it must leave that candidate time to answer, or a hung primary burns the
 * whole deadline and the caller gets a 504 although a healthy fallback was one step away.
 *
 * | situation                                           | the attempt may take              |
 * |-----------------------------------------------------|-----------------------------------|
 * | `attemptTimeoutMs` set (deployment over model)      | that, never past the deadline     |
 * | another candidate behind it that admits a call now  | half of the remaining deadline    |
 * | the last candidate (or a retry)                     | the rest of the deadline          |
 *
 * For a stream the cap bounds the time to the first content chunk; after it, the provider's
 * idle and total timeouts govern. The provider's own timeouts (first byte, idle, total) apply
 * inside the cap.
 */
import type { Candidate } from './types.js';

/** The share of the remaining deadline an attempt with a candidate behind it may take. */
export const ATTEMPT_SHARE = 0.5;

/**
 * The cap for the attempt on `queue[index]` (pass `queue.length` for a retry), ms, or
 * undefined when the deadline alone bounds it.
 */
export function attemptCapMs(
  queue: readonly Candidate[],
  index: number,
  remainingMs: number,
): number | undefined {
  const own = queue[index]?.deployment.attemptTimeoutMs;
  const cap = own ?? (hasCandidateBehind(queue, index) ? remainingMs * ATTEMPT_SHARE : undefined);
  if (cap === undefined || cap >= remainingMs) return undefined;
  return Math.max(1, Math.floor(cap));
}

/**
 * True when a later candidate (another deployment) would admit a call now: only then is there
 * someone to leave time for. An open breaker behind does not count, so a lone healthy
 * candidate in front of open ones keeps the whole deadline.
 */
function hasCandidateBehind(queue: readonly Candidate[], index: number): boolean {
  const self = queue[index]?.deployment;
  if (self === undefined) return false;
  for (let j = index + 1; j < queue.length; j++) {
    const d = (queue[j] as Candidate).deployment;
    if (d !== self && d.breaker.msUntilAdmission() === 0) return true;
  }
  return false;
}

/** The cap of a retry on `deployment`: its own `attemptTimeoutMs`, else the deadline alone. */
export function retryCapMs(
  deployment: { readonly attemptTimeoutMs: number | undefined },
  remainingMs: number,
): number | undefined {
  const own = deployment.attemptTimeoutMs;
  return own === undefined || own >= remainingMs ? undefined : Math.max(1, Math.floor(own));
}
