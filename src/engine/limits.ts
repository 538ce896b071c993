/**
 * Adapters from core policies to the router's admission limits: a provider's or deployment's
 * token bucket (rpm/tpm) and concurrency cap. Each adapter hands back exactly what it took.
 */
import type { Bulkhead, RateLimiter } from '../core/index.js';
import type { AdmissionDenied, AdmissionGranted, AdmissionLimit } from '../router/index.js';

/** A requests-and-tokens-per-minute limit. */
export function rateLimit(limiter: RateLimiter): AdmissionLimit {
  return {
    tryAdmit(estimatedTokens): AdmissionGranted | AdmissionDenied {
      if (!limiter.tryAcquire(estimatedTokens)) {
        return {
          admitted: false,
          reason: 'rate_limited',
          retryAfterMs: limiter.msUntil(estimatedTokens),
        };
      }
      return {
        admitted: true,
        refund: () => {
          limiter.refund(estimatedTokens);
        },
        settle: (actualTokens) => {
          if (actualTokens !== undefined) limiter.settle(estimatedTokens, actualTokens);
        },
      };
    },
  };
}

/** A concurrency cap that never queues: a full bulkhead is a skip, not a wait. */
export function concurrencyLimit(bulkhead: Bulkhead): AdmissionLimit {
  return {
    tryAdmit(): AdmissionGranted | AdmissionDenied {
      const release = bulkhead.tryAcquire();
      if (!release) return { admitted: false, reason: 'bulkhead_full', retryAfterMs: 0 };
      const free = (): void => {
        release();
      };
      return { admitted: true, refund: free, settle: free };
    },
  };
}
