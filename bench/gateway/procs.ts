/**
 * Child processes of `npm run bench:gateway`: spawned pinned to a core with `taskset` where it
 * exists, each remembered by PID and stopped by PID (SIGTERM, then SIGKILL) when the bench ends.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess, StdioOptions } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';

const children = new Set<ChildProcess>();

/** `taskset` is there and this machine has at least two cores to pin apart. */
export const canPin = spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;

/** Starts `node args…` pinned to `core` (taskset execs node: the PID is node's). */
export function startNode(
  core: number | undefined,
  args: readonly string[],
  stdio: StdioOptions = ['ignore', 'pipe', 'inherit'],
  env: NodeJS.ProcessEnv = process.env,
): ChildProcess {
  const pinned = canPin && core !== undefined;
  const command = pinned ? 'taskset' : process.execPath;
  const argv = pinned ? ['-c', String(core), process.execPath, ...args] : [...args];
  const child = spawn(command, argv, { stdio, env });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Resolves with the first line the child prints (its port). */
export function firstLine(child: ChildProcess, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    child.stdout?.once('data', (c: Buffer) => {
      resolve(Number(c.toString().trim()));
    });
    child.once('exit', (code) => {
      reject(new Error(`${what} exited with ${code}`));
    });
  });
}

/** A free loopback port (for servers that take `--port` and print nothing parseable). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => {
        resolve(port);
      });
    });
  });
}

/**
 * Resolves once `GET url` answers (any status); rejects after `ms` or if the child exits first.
 */
export async function waitForHttp(url: string, child: ChildProcess, ms: number): Promise<void> {
  const until = performance.now() + ms;
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  for (;;) {
    if (exited !== undefined) throw new Error(`${url}: the server exited with ${exited}`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await r.arrayBuffer();
      return;
    } catch (error) {
      if (performance.now() > until) throw new Error(`${url}: not answering`, { cause: error });
      // Connection refused: not listening yet. A start-up poll, not a synchronisation: ask
      // again shortly.
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

/** Stops every child still running, by PID: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopAll(graceMs = 3_000): Promise<void> {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
            resolve();
            return;
          }
          const pid = child.pid;
          const timer = setTimeout(() => {
            try {
              process.kill(pid, 'SIGKILL');
            } catch {
              // already gone
            }
          }, graceMs);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          process.kill(pid, 'SIGTERM');
        }),
    ),
  );
}

/**
 * Runs a bench's `main` bounded: every child is stopped and `scratch` removed when it ends, fails,
 * is interrupted (SIGINT, SIGTERM) or runs past `budgetMs`.
 */
export async function runBounded(
  name: string,
  budgetMs: number,
  scratch: string,
  main: () => Promise<void>,
): Promise<void> {
  const budget = setTimeout(() => {
    console.error(`${name}: over its ${budgetMs / 60_000} min budget; stopping`);
    void stopAll().finally(() => process.exit(1));
  }, budgetMs);
  budget.unref();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void stopAll().finally(() => process.exit(130)));
  }
  try {
    await main();
  } finally {
    await stopAll();
    rmSync(scratch, { recursive: true, force: true });
  }
}
