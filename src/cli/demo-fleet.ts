/**
 * `breakerbox demo --fleet N`: the same incident through N gateways sharing one Redis. The
 * clients' requests go round-robin over the gateways; the report shows each replica's circuit
 * following the first one that saw the outage.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import type { Breakerbox } from '../engine/index.js';
import { duration } from './format.js';

/** The Redis a fleet demo shares. */
export interface FleetRedis {
  readonly url: string;
  /** A key prefix of this run alone. */
  readonly prefix: string;
  /** A redis-server the demo started (and stops), rather than one already running. */
  readonly started: boolean;
  stop(): Promise<void>;
}

/** The smallest and largest fleets the demo runs. */
export const FLEET_LIMITS = { min: 2, max: 5 } as const;

const DEFAULT_URL = 'redis://127.0.0.1:6379';

/**
 * A Redis for the demo: the one answering at BREAKERBOX_DEMO_REDIS_URL (default 127.0.0.1:6379),
 * else a `redis-server` started on a free loopback port, kept in memory only.
 * @returns the Redis, or a message saying why there is none
 */
export async function fleetRedis(): Promise<FleetRedis | string> {
  const url = process.env.BREAKERBOX_DEMO_REDIS_URL ?? DEFAULT_URL;
  const prefix = `bb:demo:${randomBytes(4).toString('hex')}:`;
  if (await answers(url)) {
    return { url, prefix, started: false, stop: () => forget(url, prefix) };
  }
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
    return `breakerbox demo --fleet needs Redis: none answers at ${url} and redis-server is not on the PATH (install Redis, or set BREAKERBOX_DEMO_REDIS_URL)`;
  }
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const ready = await readyOrExit(child);
  if (ready !== undefined) return `could not start redis-server for the demo: ${ready}`;
  return {
    url: `redis://127.0.0.1:${port}`,
    prefix,
    started: true,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function answers(url: string): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 500,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** Deletes the run's keys from a Redis that outlives the demo (they would expire anyway). */
async function forget(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 0, connectTimeout: 500 });
  client.on('error', () => undefined);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } catch {
    // Best effort: every key carries a TTL.
  } finally {
    client.disconnect();
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves undefined once redis-server is ready, or the reason it is not (it exited, or 5 s). */
function readyOrExit(child: ChildProcess): Promise<string | undefined> {
  return new Promise((resolve) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve('not ready after 5 s');
    }, 5000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve(undefined);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(`redis-server exited with ${String(code)}`);
    });
  });
}

/** What the demo's table and report read from "the engine": one engine, or a fleet's sum. */
export interface DemoEngine {
  stats(): ReturnType<Breakerbox['stats']>;
  readonly breakers: { entries(): Iterable<[string, { readonly state: string }]> };
  readonly ledger: { snapshot(): ReturnType<Breakerbox['ledger']['snapshot']> };
}

/**
 * The fleet seen as one engine: counters summed over the replicas, latencies the slowest
 * replica's, circuit states from the first replica (they are shared).
 */
export function fleetEngine(engines: readonly Breakerbox[]): DemoEngine {
  const first = engines[0] as Breakerbox;
  return {
    stats: () => merge(engines.map((e) => e.stats())) as ReturnType<Breakerbox['stats']>,
    breakers: first.breakers,
    ledger: {
      snapshot: () =>
        merge(engines.map((e) => e.ledger.snapshot())) as ReturnType<
          Breakerbox['ledger']['snapshot']
        >,
    },
  };
}

/**
 * Sums numbers, keeps the largest `…Ms` (a latency) and `trips` (every replica counts a fleet
 * trip it took over: the first replica's count is the fleet's), merges objects key by key.
 */
function merge(values: readonly unknown[], key = ''): unknown {
  const present = values.filter((v) => v !== undefined && v !== null);
  if (present.length === 0) return values[0];
  if (present.every((v) => typeof v === 'number')) {
    const numbers = present;
    return key.endsWith('Ms') || key === 'trips'
      ? Math.max(...numbers)
      : numbers.reduce((a, b) => a + b, 0);
  }
  if (present.every((v) => typeof v === 'object' && !Array.isArray(v))) {
    const keys = new Set(present.flatMap((v) => Object.keys(v)));
    return Object.fromEntries(
      [...keys].map((k) => [
        k,
        merge(
          present.map((v) => (v as Record<string, unknown>)[k]),
          k,
        ),
      ]),
    );
  }
  return present[0];
}

/** A circuit opening on one replica, ms into the run. */
export interface ReplicaTransition {
  readonly replica: string;
  readonly deployment: string;
  readonly to: string;
  readonly reason: string;
  readonly atMs: number;
}

/**
 * How the fleet tripped together: for each time `deployment` opened on the first replica to see
 * it, when every other replica followed.
 */
export function fleetLines(
  transitions: readonly ReplicaTransition[],
  deployment: string,
  replicas: readonly string[],
): string[] {
  const opens = transitions
    .filter((t) => t.deployment === deployment && t.to === 'open')
    .sort((a, b) => a.atMs - b.atMs);
  const lines: string[] = [];
  for (let i = 0; i < opens.length;) {
    const first = opens[i] as ReplicaTransition;
    // One fleet trip: the first replica's open and each other replica's next one within 2 s.
    const followers = new Map<string, number>();
    let j = i + 1;
    for (; j < opens.length && (opens[j] as ReplicaTransition).atMs - first.atMs < 2000; j++) {
      const t = opens[j] as ReplicaTransition;
      if (t.replica !== first.replica && !followers.has(t.replica)) {
        followers.set(t.replica, t.atMs - first.atMs);
      }
    }
    const others = replicas
      .filter((r) => r !== first.replica)
      .map((r) => {
        const ms = followers.get(r);
        return ms === undefined ? `${r} did not follow` : `${r} +${duration(ms)}`;
      });
    lines.push(
      `  ${deployment} opened on ${first.replica} at ${(first.atMs / 1000).toFixed(1)} s (${first.reason}); ${others.join(', ')}`,
    );
    i = j;
  }
  if (lines.length === 0) lines.push(`  ${deployment} never opened`);
  return lines;
}
