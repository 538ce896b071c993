/**
 * Process and Node.js metrics (prom-client's defaults, under their standard names) and
 * `breakerbox_build_info`, added to a gateway's registry.
 *
 * The defaults keep their standard names (`process_cpu_seconds_total`, `nodejs_heap_size_used_bytes`,
 * `nodejs_eventloop_lag_p99_seconds`, ...) rather than a `breakerbox_` prefix: they describe the
 * Node process, not breakerbox, and the stock Node.js dashboards and alert rules query exactly
 * these names; the scrape's `job` label already says which process it is.
 */
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Metric } from 'prom-client';
import { BREAKERBOX_VERSION } from '../upstream/index.js';

// One collection per process, shared by every gateway's registry. Why not one per gateway:
// prom-client starts a GC observer and an event-loop-delay monitor per collection and offers no
// way to stop them, so a collection per gateway would leak both for every gateway ever created
// (tests start dozens). The values describe the process anyway, whichever gateway serves them.
let shared: Registry | undefined;

function sharedRegistry(): Registry {
  if (shared === undefined) {
    shared = new Registry();
    collectDefaultMetrics({ register: shared });
  }
  return shared;
}

/** Names of the process and Node.js metrics (prom-client's defaults, standard names). */
export function processMetricNames(): string[] {
  return sharedRegistry()
    .getMetricsAsArray()
    .map((m) => m.name);
}

/**
 * Adds the process and Node.js metrics and `breakerbox_build_info{version,node}` (always 1) to
 * `registry`.
 */
export function registerProcessMetrics(registry: Registry): void {
  // getMetricsAsArray() is typed with the metrics' plain-object face; the objects are Metrics.
  for (const metric of sharedRegistry().getMetricsAsArray() as unknown as Metric[]) {
    registry.registerMetric(metric);
  }
  const info = new Gauge({
    name: 'breakerbox_build_info',
    help: 'Always 1; the labels say which breakerbox version runs on which Node.js.',
    labelNames: ['version', 'node'],
    registers: [registry],
  });
  info.set({ version: BREAKERBOX_VERSION, node: process.versions.node }, 1);
}
