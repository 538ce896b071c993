/**
 * The single-gateway scenarios' common run: two simulated providers (`primary`, `backup`) in this
 * process, one `breakerbox serve` child whose model `gpt-4.1` has a deployment on each, the load
 * through the SDK, a fault applied to the primary once a tenth of the requests are sent and
 * lifted (when the scenario recovers) at four tenths, then the gateway stopped with SIGTERM.
 */
import { startSimulator } from '../src/sim/index.js';
import type { Faults, Simulator } from '../src/sim/index.js';
import { GatewayProcess, freePort } from './gateway-process.js';
import type { Exit } from './gateway-process.js';
import {
  REPLICA_HEADER,
  breakerTimes,
  client,
  drive,
  graceNote,
  openBreakerCalls,
} from './measure.js';
import type { ArrivalLog, RequestResult } from './measure.js';
import { tally } from './row.js';
import type { Row } from './row.js';

/** What every scenario is given. */
export interface RunContext {
  readonly requests: number;
  readonly concurrency: number;
  readonly arrivals: ArrivalLog;
  /** No request is started after this (`performance.now()`). */
  readonly stopAt: number;
}

/** Healthy providers: LLM-like latency, streams of ~10 chunks 10 ms apart. */
export const HEALTHY: Faults = { latencyMs: { minMs: 50, maxMs: 150 }, chunkDelayMs: 10 };

export const PRIMARY = 'primary/gpt-4.1';
export const BACKUP = 'backup/gpt-4.1';

/** The config a user would write for two providers of one model. */
export function gatewayConfig(
  primaryUrl: string,
  backupUrl: string,
  extra = '',
  replica?: string,
): string {
  const timeouts = '{ connectMs: 1000, firstByteMs: 4000, idleMs: 2000, totalMs: 30000 }';
  const headers = replica === undefined ? '' : `, headers: { ${REPLICA_HEADER}: ${replica} }`;
  return `providers:
  primary: { baseURL: '${primaryUrl}', apiKey: sk-chaos, timeouts: ${timeouts}${headers} }
  backup: { baseURL: '${backupUrl}', apiKey: sk-chaos, timeouts: ${timeouts}${headers} }
models:
  gpt-4.1:
    deployments: [{ provider: primary }, { provider: backup }]
breaker:
  trip:
    consecutive: 5
    rate: { window: { type: count, size: 50 }, minCalls: 20, failureRate: 0.5 }
  openMs: 1000
  maxOpenMs: 4000
  halfOpen: { probes: 1, successes: 2 }
retry: { attempts: 1 }
deadlineMs: 25000
server: { shutdownGraceMs: 5000, adminKey: chaos-admin }
${extra}`;
}

/** How a single-gateway scenario injects its fault. */
export interface SingleSpec {
  readonly name: string;
  /** Fraction of requests sent as streams. */
  readonly streamShare: number;
  /** The primary's faults while the fault lasts (merged over {@link HEALTHY}). */
  readonly fault?: Faults;
  /** Applies the fault itself instead (e.g. a schedule); returns the fault windows, epoch ms. */
  readonly inject?: (primary: Simulator, backup: Simulator) => FaultWindows;
  /** The fault is lifted at four tenths of the requests. */
  readonly recovers: boolean;
  /** The backup fails too (no healthy fallback). */
  readonly backupFault?: Faults;
  /** The primary's baseURL points at a closed port from the start. */
  readonly refused?: boolean;
  /** Extra checks over the results; returns failures and notes. */
  readonly check?: (
    results: readonly RequestResult[],
    gateway: GatewayProcess,
  ) => { failures: string[]; notes: string[] };
}

export interface FaultWindows {
  readonly windows: { faultAt: number; recoverAt?: number }[];
  readonly cancel?: () => void;
}

/** Exit problems: an early death, a non-zero code, anything on stderr. */
export function crashes(gateway: GatewayProcess, exit: Exit, endedAt: number): string[] {
  const out: string[] = [];
  if (exit.at < endedAt) out.push(`gateway ${gateway.pid} exited during the run`);
  if (exit.code !== 0) out.push(`gateway exit ${exit.code ?? exit.signal}`);
  out.push(...gateway.problems().map((p) => `stderr/error log: ${p.slice(0, 160)}`));
  return out;
}

export async function runSingle(spec: SingleSpec, ctx: RunContext): Promise<Row> {
  const began = performance.now();
  const primary = await startSimulator({ models: { '*': { faults: HEALTHY } } });
  const backup = await startSimulator({ models: { '*': { faults: HEALTHY } } });
  let gateway: GatewayProcess | undefined;
  let scheduled: FaultWindows | undefined;
  try {
    const primaryUrl = spec.refused ? `http://127.0.0.1:${await freePort()}/v1` : primary.url;
    gateway = await GatewayProcess.start(spec.name, gatewayConfig(primaryUrl, backup.url));
    const sdk = client(gateway.url);
    const faultAt = Math.floor(ctx.requests / 10);
    const recoverAt = Math.floor((ctx.requests * 4) / 10);
    const windows: { faultAt: number; recoverAt?: number }[] = [];
    const loadStart = Date.now();
    if (spec.refused) windows.push({ faultAt: loadStart });
    const results = await drive({
      pick: () => ({ sdk, target: 0 }),
      requests: ctx.requests,
      concurrency: ctx.concurrency,
      streamShare: spec.streamShare,
      stopAt: ctx.stopAt,
      onSend: (i) => {
        if (i === faultAt) {
          if (spec.inject) {
            scheduled = spec.inject(primary, backup);
            windows.push(...scheduled.windows);
          } else if (spec.fault) {
            primary.setFaults('*', { ...HEALTHY, ...spec.fault });
            windows.push({ faultAt: Date.now() });
          }
          if (spec.backupFault) backup.setFaults('*', { ...HEALTHY, ...spec.backupFault });
        }
        if (i === recoverAt && spec.recovers && !spec.inject) {
          primary.setFaults('*', HEALTHY);
          backup.setFaults('*', HEALTHY);
          const w = windows[windows.length - 1];
          if (w !== undefined) w.recoverAt = Date.now();
        }
      },
    });
    const endedAt = Date.now();
    scheduled?.cancel?.();
    const exit = await gateway.stop(8_000);
    // A fault in the last second, or a recovery too late to see a probe close the breaker
    // (maxOpenMs 4 s + a probe), is not judged.
    const opened = (w: { faultAt: number }): boolean =>
      gateway?.transitions.some(
        (t) => t.deployment === PRIMARY && t.to === 'open' && t.at >= w.faultAt,
      ) === true;
    const judged = windows
      .filter((w) => w.faultAt < endedAt - 1_000 || opened(w))
      .map((w) =>
        w.recoverAt !== undefined && w.recoverAt > endedAt - 5_000 ? { faultAt: w.faultAt } : w,
      );
    if (process.env.CHAOS_DEBUG === '1') {
      const t0 = windows[0]?.faultAt ?? 0;
      console.error(JSON.stringify(windows.map((w) => [w.faultAt - t0, (w.recoverAt ?? t0) - t0])));
      for (const t of gateway.transitions) {
        console.error(`${t.at - t0} ${t.deployment} ${t.from}->${t.to} ${t.reason}`);
      }
      console.error(`ended ${endedAt - t0}`);
    }
    const times = breakerTimes(gateway.transitions, PRIMARY, judged);
    const open = openBreakerCalls(
      [
        { arrivals: ctx.arrivals.arrivals(primary.port), deployment: PRIMARY },
        { arrivals: ctx.arrivals.arrivals(backup.port), deployment: BACKUP },
      ].map((c) => ({ ...c, transitions: gateway?.transitions ?? [] })),
      endedAt,
    );
    const extra = spec.check?.(results, gateway) ?? { failures: [], notes: [] };
    return {
      name: spec.name,
      ...tally(results),
      intoOpen: spec.refused ? undefined : open.late,
      openMs: times.openMs,
      closeMs: times.closeMs,
      recovers: judged.some((w) => w.recoverAt !== undefined),
      fallback: spec.backupFault === undefined,
      crashes: crashes(gateway, exit, endedAt),
      failures: extra.failures,
      notes: [...extra.notes, ...graceNote(open.inGrace), ...open.details],
      durationMs: performance.now() - began,
    };
  } finally {
    scheduled?.cancel?.();
    await gateway?.stop(1_000);
    await primary.close();
    await backup.close();
  }
}
