/**
 * Which deployment holds a stored response. A stored response (and so `previous_response_id`)
 * lives with the provider account that created it, so a stateful Responses request cannot fail
 * over: it must go back to the deployment that answered before. breakerbox knows which one from
 * the id itself: every response id it returns is the upstream's id with the deployment encoded in
 * front, `resp_bb.<base64url(deployment id)>.<upstream id>`. Nothing is stored, so the pin works
 * across restarts and across every replica of a fleet, and needs no bound; on the way back the
 * upstream's own id is restored before the request is sent.
 */

/** The prefix of every response id breakerbox returns. */
export const RESPONSE_ID_PREFIX = 'resp_bb.';

/** The id breakerbox returns for the upstream response `upstreamId` of deployment `deploymentId`. */
export function encodeResponseId(deploymentId: string, upstreamId: string): string {
  return `${RESPONSE_ID_PREFIX}${Buffer.from(deploymentId, 'utf8').toString('base64url')}.${upstreamId}`;
}

/** A response id breakerbox issued, split back into its deployment and the upstream's own id. */
export interface DecodedResponseId {
  readonly deploymentId: string;
  readonly upstreamId: string;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Decodes an id from {@link encodeResponseId}; undefined for any other id (not breakerbox's). */
export function decodeResponseId(id: string): DecodedResponseId | undefined {
  if (!id.startsWith(RESPONSE_ID_PREFIX)) return undefined;
  const dot = id.indexOf('.', RESPONSE_ID_PREFIX.length);
  if (dot < 0 || dot === id.length - 1) return undefined;
  const encoded = id.slice(RESPONSE_ID_PREFIX.length, dot);
  if (!BASE64URL.test(encoded)) return undefined;
  const deploymentId = Buffer.from(encoded, 'base64url').toString('utf8');
  if (deploymentId === '' || Buffer.from(deploymentId, 'utf8').toString('base64url') !== encoded) {
    return undefined;
  }
  return { deploymentId, upstreamId: id.slice(dot + 1) };
}

/**
 * Rewrites a text (a response body, a stream event) so each upstream response id in `ids`
 * becomes breakerbox's. Only the ids as JSON strings are replaced: an id is random and unique,
 * so it appears nowhere else.
 */
export function rewriteIds(text: string, deploymentId: string, ids: readonly string[]): string {
  let out = text;
  for (const id of ids) {
    const quoted = JSON.stringify(id);
    if (out.includes(quoted)) {
      out = out.replaceAll(quoted, JSON.stringify(encodeResponseId(deploymentId, id)));
    }
  }
  return out;
}

/** The response ids a `response` object names: its own and `previous_response_id`. */
export function responseIdsOf(response: unknown): string[] {
  if (typeof response !== 'object' || response === null) return [];
  const { id, previous_response_id: previous } = response as Record<string, unknown>;
  const ids: string[] = [];
  if (typeof id === 'string' && !id.startsWith(RESPONSE_ID_PREFIX)) ids.push(id);
  if (typeof previous === 'string' && !previous.startsWith(RESPONSE_ID_PREFIX)) ids.push(previous);
  return ids;
}
