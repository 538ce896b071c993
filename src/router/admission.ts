import { CANCELLED } from '../core/index.js';
import type { AdmissionGranted, Deployment, RouterPermit } from './types.js';

/** A deployment admitted a call: the breaker permit and every limit's grant. */
export interface Admitted {
  readonly admitted: true;
  readonly permit: RouterPermit;
  readonly grants: readonly AdmissionGranted[];
}

/** A deployment could not take the call now. */
export interface Skipped {
  readonly admitted: false;
  readonly reason: 'breaker_open' | 'rate_limited' | 'bulkhead_full' | 'budget_exceeded';
  readonly retryAfterMs: number;
}

const NO_GRANTS: readonly AdmissionGranted[] = [];

/**
 * Asks the breaker first (the cheapest and most common refusal), then every limit. A limit that
 * refuses hands back what the earlier ones granted and frees the breaker permit as neutral, so a
 * rate-limited skip never counts for or against the deployment's health.
 */
export function admit(deployment: Deployment, estimatedTokens: number): Admitted | Skipped {
  const permit = deployment.breaker.acquire();
  if (!permit.admitted) {
    return { admitted: false, reason: 'breaker_open', retryAfterMs: permit.retryAfterMs };
  }
  if (deployment.limits.length === 0) return { admitted: true, permit, grants: NO_GRANTS };
  const grants: AdmissionGranted[] = [];
  for (const limit of deployment.limits) {
    const grant = limit.tryAdmit(estimatedTokens);
    if (!grant.admitted) {
      for (const g of grants) g.refund();
      deployment.breaker.record(permit, CANCELLED);
      return { admitted: false, reason: grant.reason, retryAfterMs: grant.retryAfterMs };
    }
    grants.push(grant);
  }
  return { admitted: true, permit, grants };
}

/** Settles every grant after the call ran; `actualTokens` corrects token estimates. */
export function settleGrants(
  grants: readonly AdmissionGranted[],
  actualTokens: number | undefined,
): void {
  for (const g of grants) g.settle(actualTokens);
}
