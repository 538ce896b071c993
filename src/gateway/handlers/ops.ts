/**
 * Operations routes: `/metrics`, `/healthz`, `/readyz`, `/dashboard`, `/dashboard/events`.
 */
import { InvalidApiKeyError } from '../../core/index.js';
import type { GatewayContext } from '../context.js';
import { DASHBOARD_HEADERS, dashboardHtml } from '../dashboard.js';
import { modelReadiness } from '../engine-view.js';
import type { Exchange } from '../exchange.js';
import { sendJson } from '../respond.js';

/** `GET /metrics`: Prometheus text exposition. */
export async function handleMetrics(ctx: GatewayContext, ex: Exchange): Promise<void> {
  switch (ctx.metricsAuth) {
    case 'admin':
      ctx.access.admin(ex.req);
      break;
    case 'client':
      // A client key, or the admin key (a scraper may hold either).
      if (!ctx.access.isAdmin(ex.req)) ctx.access.client(ex.req);
      break;
    case 'none':
      break;
  }
  const { contentType, text } = await ctx.metrics.scrape();
  ex.res.writeHead(200, {
    ...ex.baseHeaders(),
    'content-type': contentType,
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
  });
  ex.res.end(text);
}

/** `GET /healthz`: the process is alive and serving HTTP. */
export function handleHealth(ex: Exchange): void {
  sendJson(ex.res, 200, '{"status":"ok"}', ex.baseHeaders());
}

/**
 * `GET /readyz`: 200 while accepting traffic, 503 once draining. The body says, per model,
 * whether any candidate would be admitted now. An open circuit does not make the gateway unready:
 * every replica shares the providers, and taking them all out would turn an outage into a
 * total one (a model's fallbacks, cache or static answer may still serve).
 */
export function handleReady(ctx: GatewayContext, ex: Exchange): void {
  if (ctx.isDraining()) {
    sendJson(ex.res, 503, '{"status":"draining"}', {
      ...ex.baseHeaders(),
      'retry-after': '1',
      connection: 'close',
    });
    return;
  }
  const models = modelReadiness(ctx.engine);
  // A replica running without Redis still serves (on its own breakers and its share of the
  // limits): ready, and it says so.
  const stateStore = ctx.engine.stateStore?.status();
  sendJson(
    ex.res,
    200,
    JSON.stringify({ status: 'ready', models, ...(stateStore && { stateStore }) }),
    ex.baseHeaders(),
  );
}

/**
 * `GET /dashboard`. `?key=<admin key>` sets the session cookie and redirects to the bare path,
 * so the key leaves the address bar; a wrong key is a 401.
 */
export function handleDashboard(ctx: GatewayContext, ex: Exchange): void {
  const key = new URLSearchParams(ex.query).get('key');
  if (key !== null && ctx.access.hasAdminKey) {
    const cookie = ctx.access.sessionCookieFor(key);
    if (cookie === undefined) throw new InvalidApiKeyError('Incorrect admin key provided.');
    ex.res.writeHead(303, {
      ...ex.baseHeaders(),
      location: '/dashboard',
      'set-cookie': cookie,
      'cache-control': 'no-store',
      'content-length': '0',
    });
    ex.res.end();
    return;
  }
  ctx.access.admin(ex.req, true);
  const html = dashboardHtml();
  ex.res.writeHead(200, {
    ...ex.baseHeaders(),
    ...DASHBOARD_HEADERS,
    'content-length': String(Buffer.byteLength(html)),
  });
  ex.res.end(html);
}

/** `GET /dashboard/events`: the live SSE feed. */
export function handleDashboardEvents(ctx: GatewayContext, ex: Exchange): void {
  ctx.access.admin(ex.req, true);
  // Once draining, the feed is closed and answers 503 itself.
  ctx.dashboard.attach(ex.res, ex.baseHeaders());
}
