import { CANCELLED } from '../core/index.js';
import type {
  AdmissionDenied,
  AdmissionGranted,
  AdmissionLimit,
  Deployment,
  RouterPermit,
} from './types.js';

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
export function admit(
  deployment: Deployment,
  estimatedTokens: number,
): Admitted | Skipped | Promise<Admitted | Skipped> {
  const permit = deployment.breaker.acquire();
  if (!permit.admitted) {
    return { admitted: false, reason: 'breaker_open', retryAfterMs: permit.retryAfterMs };
  }
  if (deployment.limits.length === 0) return { admitted: true, permit, grants: NO_GRANTS };
  const grants: AdmissionGranted[] = [];
  const limits = deployment.limits;
  for (let i = 0; i < limits.length; i++) {
    const grant = (limits[i] as AdmissionLimit).tryAdmit(estimatedTokens);
    // A limit shared by a fleet answers after a Redis round trip: the rest of the check waits.
    if (grant instanceof Promise)
      return admitRest(deployment, estimatedTokens, permit, grants, i, grant);
    if (!grant.admitted) return refuse(deployment, permit, grants, grant);
    grants.push(grant);
  }
  return { admitted: true, permit, grants };
}

async function admitRest(
  deployment: Deployment,
  estimatedTokens: number,
  permit: RouterPermit,
  grants: AdmissionGranted[],
  from: number,
  pending: Promise<AdmissionDenied | AdmissionGranted>,
): Promise<Admitted | Skipped> {
  const limits = deployment.limits;
  let answer = pending;
  for (let i = from; i < limits.length;) {
    const grant = await answer;
    if (!grant.admitted) return refuse(deployment, permit, grants, grant);
    grants.push(grant);
    if (++i < limits.length)
      answer = Promise.resolve((limits[i] as AdmissionLimit).tryAdmit(estimatedTokens));
  }
  return { admitted: true, permit, grants };
}

/** Hands back what earlier limits granted and frees the breaker permit untouched. */
function refuse(
  deployment: Deployment,
  permit: RouterPermit,
  grants: readonly AdmissionGranted[],
  denied: AdmissionDenied,
): Skipped {
  for (const g of grants) g.refund();
  deployment.breaker.record(permit, CANCELLED);
  return { admitted: false, reason: denied.reason, retryAfterMs: denied.retryAfterMs };
}

/** Settles every grant after the call ran; `actualTokens` corrects token estimates. */
export function settleGrants(
  grants: readonly AdmissionGranted[],
  actualTokens: number | undefined,
): void {
  for (const g of grants) g.settle(actualTokens);
}
