/**
 * Operations routes: `/metrics`, `/healthz`, `/readyz`, `/dashboard`, `/dashboard/events`.
 */
import { InvalidApiKeyError } from '../../core/index.js';
import type { GatewayContext } from '../context.js';
import { DASHBOARD_HEADERS, dashboardHtml } from '../dashboard.js';
import type { Exchange } from '../exchange.js';
import { sendJson } from '../respond.js';

/** `GET /metrics`: Prometheus text exposition. */
export async function handleMetrics(ctx: GatewayContext, ex: Exchange): Promise<void> {
  if (ctx.protectMetrics) ctx.access.admin(ex.req);
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

/** `GET /readyz`: 200 while accepting traffic, 503 once draining. */
export function handleReady(ctx: GatewayContext, ex: Exchange): void {
  if (ctx.isDraining()) {
    sendJson(ex.res, 503, '{"status":"draining"}', {
      ...ex.baseHeaders(),
      'retry-after': '1',
      connection: 'close',
    });
    return;
  }
  sendJson(ex.res, 200, '{"status":"ready"}', ex.baseHeaders());
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
