export { orderDeployments, planCandidates, planContextFallbacks } from './plan.js';
export type { ModelLookup } from './plan.js';
export { admit, settleGrants } from './admission.js';
export type { Admitted, Skipped } from './admission.js';
export { runFailover } from './failover.js';
export { ATTEMPT_SHARE, attemptCapMs } from './attempt-time.js';
export type {
  AttemptContext,
  CallResult,
  FailoverRequest,
  FailoverSuccess,
  RetryControl,
  RouterDeadline,
} from './failover.js';
export type {
  AdmissionDenied,
  AdmissionGranted,
  AdmissionLimit,
  Attempt,
  Candidate,
  Deployment,
  ModelRoute,
  ReleaseSlot,
  RouteKind,
  RouterBreaker,
  RouterPermit,
  Strategy,
} from './types.js';
