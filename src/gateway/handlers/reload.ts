/**
 * `POST /admin/reload`: re-reads the configuration (the same as SIGHUP to `breakerbox serve`).
 * An invalid file changes nothing and is answered 400 with every problem; a valid one is swapped
 * in and answered with what changed.
 */
import { ConfigError, InvalidRequestError } from '../../core/index.js';
import type { GatewayContext } from '../context.js';
import type { Exchange } from '../exchange.js';
import { HttpError } from '../http-error.js';
import { sendJson } from '../respond.js';

/** `POST /admin/reload`. @throws HttpError 404 without a reload source, 400 for an invalid file */
export async function handleReload(ctx: GatewayContext, ex: Exchange): Promise<void> {
  ctx.access.admin(ex.req);
  if (ctx.reload === undefined) {
    throw new HttpError(
      404,
      new InvalidRequestError('This gateway has no configuration file to reload.', null),
    );
  }
  let report;
  try {
    report = await ctx.reload();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    ctx.logger.warn({ event: 'reload_rejected', problems: error.issues.length }, error.message);
    throw new HttpError(400, error);
  }
  ctx.logger.info({ event: 'reloaded', ...report }, 'configuration reloaded');
  sendJson(ex.res, 200, JSON.stringify({ object: 'reload', ...report }), ex.baseHeaders());
}
