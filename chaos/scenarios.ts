/**
 * The outage scenarios of `npm run chaos`, in the order they run (the fleet's last). Each returns
 * one row of RELIABILITY.md.
 */
import { quantile } from './measure.js';
import type { RequestResult } from './measure.js';
import type { Row } from './row.js';
import { HEALTHY, runSingle } from './single.js';
import type { GatewayProcess } from './gateway-process.js';
import type { RunContext, SingleSpec } from './single.js';
import { runSigterm } from './sigterm.js';
import { runRedisRestart, runReplicaKilled } from './fleet.js';

export interface Scenario {
  readonly name: string;
  readonly run: (ctx: RunContext) => Promise<Row>;
}

/** Every candidate down: the short-circuited answers are fast and say when to come back. */
function checkAllDown(
  results: readonly RequestResult[],
  gateway: GatewayProcess,
): { failures: string[]; notes: string[] } {
  const failures: string[] = [];
  const fast = gateway.requests.filter((r) => r.status === 503 && r.attempts === 0);
  const times = fast.map((r) => r.durationMs);
  const [p50, p90, p99] = [0.5, 0.9, 0.99].map((q) => quantile(times, q)) as [
    number,
    number,
    number,
  ];
  const refused = results.filter((r) => r.outcome === 'failed' && r.attempts === 0);
  const noRetryAfter = refused.filter((r) => r.retryAfterS === undefined || r.retryAfterS < 1);
  if (fast.length === 0) failures.push('no request was answered without an upstream call');
  // Judged on the median: the tail is this shared host's scheduling (it is there at
  // concurrency 1 too), and is printed in the note.
  if (!(p50 < 1)) failures.push(`short-circuit answer p50 ${p50.toFixed(3)} ms ≥ 1 ms`);
  if (noRetryAfter.length > 0) {
    failures.push(`${noRetryAfter.length} short-circuit answers without Retry-After ≥ 1 s`);
  }
  const minRetryAfter = Math.min(...refused.map((r) => r.retryAfterS ?? 0));
  return {
    failures,
    notes: [
      `${fast.length} answers without an upstream call, timed by the gateway (its request ` +
        `log's durationMs): p50 ${p50.toFixed(3)} ms, p90 ${p90.toFixed(3)} ms, p99 ` +
        `${p99.toFixed(3)} ms; Retry-After ≥ ${Number.isFinite(minRetryAfter) ? minRetryAfter : '—'} s ` +
        `on all ${refused.length} the client received.`,
    ],
  };
}

const single: SingleSpec[] = [
  { name: '34% errors', streamShare: 0.5, fault: { errorRate: 0.34 }, recovers: true },
  { name: 'full outage', streamShare: 0.5, fault: { down: true }, recovers: true },
  { name: 'hang', streamShare: 0.5, fault: { hangRate: 1 }, recovers: true },
  {
    name: 'slow (2% take 20 s)',
    streamShare: 0.5,
    fault: { slow: { rate: 0.02, ms: 20_000 } },
    recovers: false,
    // The primary's p99 is 20 s; the attempt timeouts must keep the client's well below it.
    check: (results) => {
      const p99 = quantile(
        results.map((r) => r.ms),
        0.99,
      );
      return {
        failures: p99 < 10_000 ? [] : [`client p99 ${Math.round(p99)} ms ≥ 10 s`],
        notes: [],
      };
    },
  },
  {
    name: '429 storm, Retry-After 2 s',
    streamShare: 0.5,
    fault: { rateLimit: { rate: 1, retryAfterS: 2 } },
    recovers: true,
  },
  {
    name: '404 model retired',
    streamShare: 0.5,
    fault: { errorRate: 1, errorStatus: 404 },
    recovers: false,
  },
  {
    name: 'stream cut mid-answer',
    streamShare: 1,
    fault: { streamCutAfterChunks: 3 },
    recovers: true,
  },
  {
    name: 'stream stall',
    streamShare: 1,
    fault: { streamStallAfterChunks: 2 },
    recovers: true,
  },
  {
    name: 'provider flapping every 2 s',
    streamShare: 0.5,
    recovers: true,
    inject: (primary) => {
      const t0 = Date.now();
      const steps = [];
      const windows = [];
      for (let k = 0; k < 5; k++) {
        steps.push({ atMs: k * 4_000, model: '*', faults: { ...HEALTHY, down: true } });
        steps.push({ atMs: k * 4_000 + 2_000, model: '*', faults: HEALTHY });
        windows.push({ faultAt: t0 + k * 4_000, recoverAt: t0 + k * 4_000 + 2_000 });
      }
      const run = primary.schedule({ steps });
      return {
        windows,
        cancel: () => {
          run.cancel();
        },
      };
    },
  },
  {
    name: 'every candidate down',
    streamShare: 0.5,
    fault: { down: true },
    backupFault: { down: true },
    recovers: false,
    check: checkAllDown,
  },
  { name: 'upstream refusing connections', streamShare: 0.5, refused: true, recovers: false },
];

export const SCENARIOS: readonly Scenario[] = [
  ...single.map((spec) => ({ name: spec.name, run: (ctx: RunContext) => runSingle(spec, ctx) })),
  { name: 'SIGTERM with 50 open streams', run: runSigterm },
  { name: 'three replicas, Redis restarted', run: runRedisRestart },
  { name: 'one of three replicas killed', run: runReplicaKilled },
];
