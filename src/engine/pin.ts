/**
 * Where a Responses request may go. A stateless one (no `previous_response_id`, conversation or
 * stored item) takes the model's whole plan and fails over like chat. A stateful one is pinned to
 * the one deployment that holds its state, and never failed over:
 *
 * - a `previous_response_id` breakerbox issued names its deployment (`response-id.ts`); it must
 *   be one of the requested model's candidates (its deployments or its fallbacks'), and the
 *   upstream's own id is restored in the body sent;
 * - state breakerbox cannot locate (an id it did not issue, a `conversation`, an
 *   `item_reference`) goes to the requested model's first configured deployment, its home.
 */
import {
  AllCandidatesFailedError,
  InvalidRequestError,
  ResponseStateUnavailableError,
} from '../core/index.js';
import type { Candidate, Deployment, ModelRoute } from '../router/index.js';
import { decodeResponseId } from './response-id.js';
import { isStateful } from './text-apis.js';
import type { ResponsesBody } from './text-apis.js';

/** A stateful request's one candidate, the body to send it, and how to explain its failure. */
export interface Pin {
  readonly plan: readonly Candidate[];
  readonly body: ResponsesBody;
  /** Turns the run's `AllCandidatesFailedError` into `ResponseStateUnavailableError`. */
  explain(error: unknown): unknown;
}

function pinTo(candidate: Candidate, body: ResponsesBody, state: string): Pin {
  const deployment = candidate.deployment.id;
  return {
    plan: [candidate],
    body,
    explain: (error) =>
      error instanceof AllCandidatesFailedError
        ? new ResponseStateUnavailableError({
            deployment,
            state,
            attempts: error.attempts,
            retryAfterMs: error.retryAfterMs,
          })
        : error,
  };
}

/**
 * The pin of a Responses request, or undefined when it is stateless.
 * @param plan the requested model's full plan (its deployments, then its fallbacks')
 * @param deployments every configured deployment, by id
 * @throws InvalidRequestError the id names a deployment outside the requested model's plan
 * @throws ResponseStateUnavailableError the id names a deployment no longer configured
 */
export function pinFor(
  body: ResponsesBody,
  route: ModelRoute,
  plan: readonly Candidate[],
  deployments: ReadonlyMap<string, Deployment>,
): Pin | undefined {
  if (!isStateful(body)) return undefined;
  const previous = body.previous_response_id;
  const decoded = typeof previous === 'string' ? decodeResponseId(previous) : undefined;
  if (typeof previous === 'string' && decoded) {
    const state = `previous_response_id "${previous}"`;
    const candidate = plan.find((c) => c.deployment.id === decoded.deploymentId);
    if (candidate) {
      return pinTo(candidate, { ...body, previous_response_id: decoded.upstreamId }, state);
    }
    if (!deployments.has(decoded.deploymentId)) {
      throw new ResponseStateUnavailableError({
        deployment: decoded.deploymentId,
        state,
        attempts: [],
        reason: 'it is not configured',
      });
    }
    throw new InvalidRequestError(
      `'previous_response_id' was answered by deployment ${decoded.deploymentId}, which serves neither model "${route.name}" nor its fallbacks; ask for model "${deployments.get(decoded.deploymentId)?.model ?? ''}" to continue it`,
      'previous_response_id',
    );
  }
  const home = route.deployments[0];
  if (!home) return undefined;
  const state =
    typeof previous === 'string'
      ? `previous_response_id "${previous}", not issued by breakerbox`
      : 'a conversation or stored item';
  return pinTo({ deployment: home, role: 'primary' }, body, state);
}
