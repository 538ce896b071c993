import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import type { RedisBreakerStore } from '../../src/state/index.js';
import { createBreakerbox } from '../../src/engine/index.js';
import type { Breakerbox } from '../../src/engine/index.js';
import type { ConfigInput } from '../../src/index.js';
import type { Simulator } from '../../src/sim/index.js';

/** The Redis every fleet test shares (`.ci/run` starts it when none answers). */
export const REDIS_URL = process.env.BREAKERBOX_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix no other test (or run) uses: one fleet per test. */
export function freshPrefix(): string {
  return `bbtest:${randomUUID().slice(0, 8)}:`;
}

/** Fails with a clear message when the shared Redis does not answer. */
export async function requireRedis(url = REDIS_URL): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
  });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new Error(
      `the fleet tests need Redis at ${url} (start it: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no): ${(error as Error).message}`,
    );
  } finally {
    client.disconnect();
  }
}

export interface FleetEngineOptions {
  readonly prefix: string;
  readonly url?: string;
  readonly replicaId: string;
  /** The simulator every deployment calls. */
  readonly sim: Simulator;
  /** Where this replica reaches the primary instead (a refusing port: a replica's own network fails). */
  readonly primaryURL?: string;
  readonly breaker?: Record<string, unknown>;
  readonly syncMs?: number;
  readonly commandTimeoutMs?: number;
  /** A requests-per-minute limit on the primary deployment. */
  readonly primaryRpm?: number;
  /** Adds model `budgeted` (the primary, priced at $1,000 per 1M tokens) with this daily budget. */
  readonly budgetUsdPerDay?: number;
}

/**
 * An engine whose model `m` tries the simulator's `primary` then `backup`, with its breaker state
 * in Redis under `prefix`; closed when the test ends.
 */
export function fleetEngine(t: TestContext, options: FleetEngineOptions): Breakerbox {
  const bb = createBreakerbox({
    providers: {
      sim: {
        baseURL: options.primaryURL ?? options.sim.url,
        apiKey: 'sk-test-not-a-secret',
        timeouts: { connectMs: 500, firstByteMs: 2000, idleMs: 2000, totalMs: 5000 },
      },
      spare: { baseURL: options.sim.url },
    },
    models: {
      m: {
        deployments: [
          {
            provider: 'sim',
            model: 'primary',
            ...(options.primaryRpm !== undefined && { rpm: options.primaryRpm }),
          },
        ],
        fallbacks: ['backup'],
      },
      ...(options.budgetUsdPerDay !== undefined && {
        budgeted: {
          deployments: [{ provider: 'sim', model: 'primary' }],
          budget: { usdPerDay: options.budgetUsdPerDay, onExceeded: 'refuse' as const },
        },
      }),
      limited: {
        deployments: [
          {
            provider: 'sim',
            model: 'primary',
            ...(options.primaryRpm !== undefined && { rpm: options.primaryRpm }),
          },
        ],
      },
      backup: { deployments: [{ provider: 'spare', model: 'backup' }] },
    },
    ...(options.budgetUsdPerDay !== undefined && {
      pricing: { budgeted: { input: 1000, output: 1000 } },
    }),
    breaker: { trip: { consecutive: 3 }, openMs: 30_000, jitterRatio: 0, ...options.breaker },
    retry: { attempts: 0 },
    deadlineMs: 5000,
    state: {
      store: 'redis',
      url: options.url ?? REDIS_URL,
      keyPrefix: options.prefix,
      replicaId: options.replicaId,
      syncMs: options.syncMs ?? 200,
      // Generous: a loaded CI machine must not push a replica out of step by slowness alone.
      commandTimeoutMs: options.commandTimeoutMs ?? 2000,
    },
  } satisfies ConfigInput);
  t.after(() => bb.close());
  return bb;
}

/** Resolves with the first transition of `deployment` to `to` on `bb` (rejects after `ms`). */
export function nextTransition(
  bb: Breakerbox,
  deployment: string,
  to: string,
  ms = 3000,
): Promise<{ atEpochMs: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      const store = bb.stateStore?.status();
      reject(
        new Error(
          `${deployment} did not become ${to} within ${ms} ms (${bb.breakers.get(deployment).state} here; store ${JSON.stringify(store)})`,
        ),
      );
    }, ms);
    const sub = bb.on('transition', (e) => {
      if (e.deployment !== deployment || e.to !== to) return;
      clearTimeout(timer);
      sub.dispose();
      resolve({ atEpochMs: Date.now(), reason: e.reason });
    });
  });
}

/** A loopback port nothing listens on (taken, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A redis-server of the test's own, on `port`, stopped (by PID) when the test ends. */
export async function startOwnRedis(t: TestContext, port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => {
      reject(new Error(`redis-server exited (${String(code)}): ${out}`));
    });
  });
  return child;
}

/** The engine's Redis state store (the test configured one). */
export function storeOf(bb: Breakerbox): RedisBreakerStore {
  const store = bb.stateStore;
  assert.ok(store !== undefined, 'the engine has no Redis state store');
  return store;
}
