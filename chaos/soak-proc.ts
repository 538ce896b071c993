/**
 * Helpers shared by the soaks: free ports, child processes stopped by PID, the gateway's
 * `/metrics` parsed, medians and percentiles, peak RSS from /proc.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';

import { ROOT } from './gateway-process.js';

export { BIN, ROOT, freePort } from './gateway-process.js';

/** A child process remembered by PID, with the promise of its exit. */
export interface Child {
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The child has exited. */
  done: boolean;
}

/** The child has exited (a call, so a check after an `await` is not narrowed away). */
export function hasExited(child: Child): boolean {
  return child.done;
}

/** Starts `node args…`. */
export function startNode(args: readonly string[], options: SpawnOptions = {}): Child {
  const proc = spawn(process.execPath, [...args], { cwd: ROOT, ...options });
  if (proc.pid === undefined) throw new Error(`could not start node ${args.join(' ')}`);
  const child: Child = {
    proc,
    pid: proc.pid,
    done: false,
    exited: new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        child.done = true;
        resolve({ code, signal });
      });
    }),
  };
  return child;
}

/** Stops a child by its PID: `signal`, then SIGKILL after `graceMs`. */
export async function stopChild(child: Child, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000) {
  if (child.done) return child.exited;
  process.kill(child.pid, signal);
  const timer = setTimeout(() => {
    if (!child.done) process.kill(child.pid, 'SIGKILL');
  }, graceMs);
  const result = await child.exited;
  clearTimeout(timer);
  return result;
}

/** Resolves once `GET url` answers 200; rejects after `ms` or when the child exits first. */
export async function waitForHttp(url: string, child: Child, ms: number): Promise<void> {
  const until = performance.now() + ms;
  for (;;) {
    if (child.done)
      throw new Error(`${url}: the process exited (${JSON.stringify(await child.exited)})`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await r.arrayBuffer();
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    if (performance.now() > until) throw new Error(`${url}: not answering after ${ms} ms`);
    // A start-up poll, not a synchronisation: ask again shortly.
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Resolves once `pattern` appears in what `stream` emits (from now on); rejects after `ms`. */
export function waitForOutput(
  stream: NodeJS.ReadableStream,
  pattern: RegExp,
  ms: number,
): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (d: Buffer | string): void => {
      seen = (seen + d.toString()).slice(-4096);
      const m = seen.match(pattern);
      if (m) {
        clearTimeout(timer);
        stream.off('data', onData);
        resolve(m);
      }
    };
    const timer = setTimeout(() => {
      stream.off('data', onData);
      reject(new Error(`no ${String(pattern)} within ${ms} ms`));
    }, ms);
    stream.on('data', onData);
  });
}

/** Prometheus text → unlabelled samples (`name` → value) plus `name{labels}` → value. */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    const value = Number(line.slice(space + 1));
    if (Number.isFinite(value)) out.set(line.slice(0, space), value);
  }
  return out;
}

/** Peak RSS (VmHWM) of a live process, bytes; undefined once it is gone. */
export function peakRss(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The median of `values` (NaN when empty). */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** The `q` quantile (nearest rank) of `values` (NaN when empty). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] as number;
}

/** Parses `--name N` from argv. */
export function numberFlag(argv: readonly string[], name: string, fallback: number): number {
  const i = argv.indexOf(name);
  if (i < 0) return fallback;
  const value = Number(argv[i + 1]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name}: expected a number`);
  return value;
}

export const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
export const pct = (x: number, digits = 1): string => `${(x * 100).toFixed(digits)}%`;
