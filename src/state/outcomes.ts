/**
 * A replica's recent outcomes, as the arguments of the OUTCOMES script (one per breaker with
 * outcomes to send). Taking them resets the breaker's unsent counts.
 */
import type { FleetBreaker } from './fleet-breaker.js';

export function outcomeBatch(
  batch: readonly FleetBreaker[],
  prefix: string,
  replicaId: string,
  channel: string,
  opts: { readonly idleTtlMs: number },
): (string | number)[][] {
  return batch.map((b) => {
    const c = b.local.config;
    const window = c.rate?.window;
    const args = [
      `${prefix}br:{${b.name}}`,
      `${prefix}bw:{${b.name}}`,
      replicaId,
      b.unsentSuccesses,
      b.unsentFailures,
      b.unsentTrailing,
      Number.isFinite(c.consecutive) ? c.consecutive : 0,
      window?.type === 'time' ? window.sizeMs : 0,
      window?.type === 'time' ? window.buckets : 1,
      c.rate?.minCalls ?? 0,
      c.rate?.failureRate ?? 1,
      c.openMs,
      c.backoffMultiplier,
      c.maxOpenMs,
      channel,
      opts.idleTtlMs,
      b.name,
    ];
    b.unsentSuccesses = 0;
    b.unsentFailures = 0;
    b.unsentTrailing = 0;
    return args;
  });
}
