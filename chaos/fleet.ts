/**
 * The fleet scenarios: three `breakerbox serve` replicas sharing breaker state in a Redis of
 * their own (a `redis-server` child on a free port, stopped by PID; never the shared one), the
 * client round-robin over the live replicas, the primary down from a tenth of the requests to
 * four tenths. One scenario kills and restarts Redis mid-run, the other SIGKILLs one replica.
 * Each replica tags its upstream calls, so a call is checked against its own replica's breaker.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { startSimulator } from '../src/sim/index.js';
import { GatewayProcess, freePort } from './gateway-process.js';
import type { Exit } from './gateway-process.js';
import { breakerTimes, client, drive, graceNote, openBreakerCalls } from './measure.js';
import type { CallsAt, RequestResult } from './measure.js';
import { tally } from './row.js';
import type { Row } from './row.js';
import { BACKUP, HEALTHY, PRIMARY, crashes, gatewayConfig } from './single.js';
import type { RunContext } from './single.js';

const REPLICAS = 3;

/** A `redis-server` child on `port`; resolves once it answers PING. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const probe = new Redis(port, '127.0.0.1', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => undefined); // a refused connect while it starts: polled below
  try {
    for (let k = 0; k < 100; k++) {
      if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode})`);
      try {
        await probe.connect();
        await probe.ping();
        return child;
      } catch {
        probe.disconnect();
        // Start-up poll: redis-server prints nothing we could wait on with stdio ignored.
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new Error(`redis-server on ${port} not answering`);
  } finally {
    probe.disconnect();
  }
}

function killByPid(child: ChildProcess | undefined): Promise<void> {
  if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  process.kill(child.pid, 'SIGKILL');
  return exited;
}

/** The primary's state on each live replica, from `/admin/circuits`. */
async function primaryStates(gateways: readonly GatewayProcess[]): Promise<string[]> {
  return Promise.all(
    gateways.map(async (g) => {
      const r = await fetch(`${g.url}/admin/circuits`, {
        headers: { authorization: 'Bearer chaos-admin' },
        signal: AbortSignal.timeout(5_000),
      });
      const body = (await r.json()) as { data?: { name: string; state: string }[] };
      return body.data?.find((c) => c.name === PRIMARY)?.state ?? `? (${r.status})`;
    }),
  );
}

type Event = (ctx: {
  gateways: GatewayProcess[];
  live: boolean[];
  restartRedis: () => Promise<void>;
  killRedis: () => Promise<void>;
  notes: string[];
}) => Promise<void>;

async function runFleet(
  name: string,
  ctx: RunContext,
  events: Record<number, Event>,
): Promise<Row> {
  const began = performance.now();
  const primary = await startSimulator({ models: { '*': { faults: HEALTHY } } });
  const backup = await startSimulator({ models: { '*': { faults: HEALTHY } } });
  const redisPort = await freePort();
  let redis: ChildProcess | undefined;
  const gateways: GatewayProcess[] = [];
  try {
    redis = await startRedis(redisPort);
    const prefix = `chaos:${randomUUID().slice(0, 8)}:`;
    const state = `state: { store: redis, url: 'redis://127.0.0.1:${redisPort}', keyPrefix: '${prefix}', syncMs: 500 }`;
    for (let r = 0; r < REPLICAS; r++) {
      const config = gatewayConfig(primary.url, backup.url, state, `r${r}`);
      gateways.push(await GatewayProcess.start(`${name.split(' ')[0]}-r${r}`, config));
    }
    const sdks = gateways.map((g) => client(g.url));
    const live = gateways.map(() => true);
    const notes: string[] = [];
    const windows: { faultAt: number; recoverAt?: number }[] = [];
    const faultAt = Math.floor(ctx.requests / 10);
    const recoverAt = Math.floor((ctx.requests * 4) / 10);
    const eventCtx = {
      gateways,
      live,
      notes,
      killRedis: async () => killByPid(redis),
      restartRedis: async () => {
        redis = await startRedis(redisPort);
      },
    };
    let rr = 0;
    const results = await drive({
      pick: () => {
        const alive = live.flatMap((ok, k) => (ok ? [k] : []));
        const target = alive[rr++ % alive.length] as number;
        return { sdk: sdks[target] as (typeof sdks)[number], target };
      },
      requests: ctx.requests,
      concurrency: ctx.concurrency,
      streamShare: 0.5,
      stopAt: ctx.stopAt,
      onSend: async (i) => {
        if (i === faultAt) {
          primary.setFaults('*', { ...HEALTHY, down: true });
          windows.push({ faultAt: Date.now() });
        }
        if (i === recoverAt) {
          primary.setFaults('*', HEALTHY);
          const w = windows[0];
          if (w !== undefined) w.recoverAt = Date.now();
        }
        await events[i]?.(eventCtx);
      },
    });
    const endedAt = Date.now();
    if (process.env.CHAOS_DEBUG === '1') {
      const t0 = windows[0]?.faultAt ?? 0;
      console.error(JSON.stringify(windows.map((w) => [0, (w.recoverAt ?? t0) - t0])));
      for (const [k, g] of gateways.entries()) {
        for (const t of g.transitions) {
          console.error(`r${k} ${t.at - t0} ${t.deployment} ${t.from}->${t.to} ${t.reason}`);
        }
        for (const n of g.noise.filter((x) => x.includes('state_store'))) {
          console.error(`r${k} ${n.slice(0, 200)}`);
        }
      }
      console.error(`ended ${endedAt - t0} t0 ${t0}`);
    }
    const survivors = gateways.filter((_, k) => live[k]);
    const states = await primaryStates(survivors);
    const failures: string[] = [];
    // One fleet state, seen from each replica: the same everywhere, or a probe round (the lease
    // holder half-open, the others open until its verdict).
    const probing =
      states.every((x) => x === 'open' || x === 'half-open') &&
      states.filter((x) => x === 'half-open').length <= 1;
    if (new Set(states).size > 1 && !probing) {
      failures.push(`surviving replicas disagree: ${states.join(', ')}`);
    }
    notes.push(`${PRIMARY} at the end on the live replicas: ${states.join(', ')}`);
    const callSets: CallsAt[] = [];
    // A recovery too late to see a probe close the breaker (maxOpenMs 4 s + a probe) is not judged.
    const judged = windows.map((w) =>
      w.recoverAt !== undefined && w.recoverAt > endedAt - 5_000 ? { faultAt: w.faultAt } : w,
    );
    const opens: number[] = [];
    const closes: number[] = [];
    let unopened = 0;
    let unclosed = 0;
    for (const [k, g] of gateways.entries()) {
      if (!live[k]) continue;
      const transitions = g.transitions;
      callSets.push(
        {
          arrivals: ctx.arrivals.arrivals(primary.port, `r${k}`),
          transitions,
          deployment: PRIMARY,
        },
        { arrivals: ctx.arrivals.arrivals(backup.port, `r${k}`), transitions, deployment: BACKUP },
      );
      const t = breakerTimes(transitions, PRIMARY, judged);
      if (t.openMs === undefined) unopened++;
      else opens.push(t.openMs);
      if (t.closeMs === undefined) unclosed++;
      else closes.push(t.closeMs);
    }
    const open = openBreakerCalls(callSets, endedAt);
    notes.push(...graceNote(open.inGrace), ...open.details);
    const exits = await Promise.all(survivors.map((g) => g.stop(8_000)));
    const crashList = survivors.flatMap((g, k) => crashes(g, exits[k] as Exit, endedAt));
    const toLive: RequestResult[] = results.filter((r) => live[r.target ?? 0]);
    const dead = results.filter((r) => !live[r.target ?? 0]);
    if (dead.length > 0) {
      const failed = dead.filter((r) => r.outcome !== 'ok').length;
      notes.push(
        `the killed replica had been sent ${dead.length} requests (${failed} failed, counted ` +
          'here, not in the row: the row is the surviving replicas)',
      );
    }
    return {
      name,
      ...tally(toLive),
      intoOpen: open.late,
      openMs: unopened > 0 ? undefined : Math.max(...opens),
      closeMs: unclosed > 0 ? undefined : Math.max(...closes),
      recovers: judged.some((w) => w.recoverAt !== undefined),
      fallback: true,
      crashes: crashList,
      failures,
      notes,
      durationMs: performance.now() - began,
    };
  } finally {
    for (const g of gateways) await g.stop(1_000);
    await killByPid(redis);
    await primary.close();
    await backup.close();
  }
}

export function runRedisRestart(ctx: RunContext): Promise<Row> {
  const at = (f: number): number => Math.floor(ctx.requests * f);
  return runFleet('three replicas, Redis restarted', ctx, {
    [at(0.15)]: async (e) => {
      await e.killRedis();
      e.notes.push('Redis SIGKILLed at 15 % of the requests, restarted (empty) at 30 %');
    },
    [at(0.3)]: (e) => e.restartRedis(),
  });
}

export function runReplicaKilled(ctx: RunContext): Promise<Row> {
  return runFleet('one of three replicas killed', ctx, {
    [Math.floor(ctx.requests * 0.3)]: async (e) => {
      e.live[2] = false;
      e.gateways[2]?.signal('SIGKILL');
      await e.gateways[2]?.exited;
      e.notes.push('replica r2 SIGKILLed at 30 % of the requests, while the primary was down');
      if (process.env.CHAOS_DEBUG === '1') console.error(`killed r2 at ${Date.now()}`);
    },
  });
}
