/**
 * The admin API: `GET /admin/circuits` lists every circuit's snapshot, and
 * `POST /admin/circuits/{name}/open|close|reset|disable` drives one (close is reset). Every
 * action answers with the circuit's snapshot after the change.
 */
import { InvalidRequestError } from '../../core/index.js';
import type { GatewayContext } from '../context.js';
import { circuitOf, circuitSnapshots } from '../engine-view.js';
import type { Exchange } from '../exchange.js';
import { HttpError } from '../http-error.js';
import { sendJson } from '../respond.js';
import type { CircuitAction } from '../routes.js';

/** `GET /admin/circuits`. */
export function handleCircuits(ctx: GatewayContext, ex: Exchange): void {
  ctx.access.admin(ex.req);
  const circuits = circuitSnapshots(ctx.engine);
  // In a fleet, whether these states are the fleet's (shared) or this replica's alone (local).
  const stateStore = ctx.engine.stateStore?.status();
  sendJson(
    ex.res,
    200,
    JSON.stringify({ object: 'list', data: circuits, ...(stateStore && { stateStore }) }),
    ex.baseHeaders(),
  );
}

/** `POST /admin/circuits/{name}/{action}`. @throws HttpError 404 for an unknown circuit */
export function handleCircuitAction(
  ctx: GatewayContext,
  ex: Exchange,
  name: string,
  action: CircuitAction,
): void {
  ctx.access.admin(ex.req);
  const breaker = circuitOf(ctx.engine, name);
  if (breaker === undefined) {
    throw new HttpError(404, new InvalidRequestError(`No circuit named '${name}'.`, 'name'));
  }
  switch (action) {
    case 'open':
      breaker.forceOpen();
      break;
    case 'close':
    case 'reset':
      breaker.reset();
      break;
    case 'disable':
      breaker.disable();
      break;
  }
  ctx.logger.info({ event: 'admin', action, circuit: name }, 'circuit changed by operator');
  const body = { ...breaker.snapshot(), name };
  sendJson(ex.res, 200, JSON.stringify(body), ex.baseHeaders());
}
