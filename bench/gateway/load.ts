/**
 * The load side of `npm run bench:gateway`: throughput with autocannon (keep-alive connections),
 * latency at one connection with an undici Client timed by `process.hrtime`, and a process's CPU
 * time from `/proc/<pid>/stat`.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { Client } from 'undici';

/** A server under test. */
export interface Target {
  readonly name: string;
  readonly port: number;
  readonly pid: number;
  readonly path: string;
  readonly headers: Record<string, string>;
}

export type Mode = 'json' | 'stream';

export function requestBody(mode: Mode): string {
  return JSON.stringify({
    model: 'gpt-4.1',
    messages: [{ role: 'user', content: 'Benchmark me: how fast is the gateway today?' }],
    ...(mode === 'stream' && { stream: true }),
  });
}

const TICKS_PER_SECOND = 100;

/** CPU time (user + system) of a process so far, µs, from /proc (Linux; NaN elsewhere). */
export function cpuUs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/** One throughput round: completed requests per second and the server's CPU µs per request. */
export interface Throughput {
  readonly rps: number;
  readonly cpuUsPerRequest: number;
  readonly failed: number;
}

/** Runs autocannon against `target` for `seconds` with `connections` keep-alive connections. */
export async function throughput(
  target: Target,
  mode: Mode,
  connections: number,
  seconds: number,
): Promise<Throughput> {
  const before = cpuUs(target.pid);
  const result = await autocannon({
    url: `http://127.0.0.1:${target.port}${target.path}`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body: requestBody(mode),
    connections,
    duration: seconds,
    timeout: 10,
  });
  const used = cpuUs(target.pid) - before;
  const ok = result['2xx'];
  const failed = result.non2xx + result.errors + result.timeouts;
  return { rps: ok / result.duration, cpuUsPerRequest: used / Math.max(1, ok), failed };
}

/** One latency round at one connection: medians of the whole answer and of the first chunk. */
export interface Latency {
  readonly p50Ms: number;
  readonly firstChunkP50Ms: number;
  readonly requests: number;
}

function medianOf(xs: number[]): number {
  const s = xs.sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** One request on `client`: ms to the whole answer and to its first body chunk. */
async function timed(
  client: Client,
  target: Target,
  body: string,
): Promise<{ totalMs: number; firstMs: number }> {
  const headers = { 'content-type': 'application/json', ...target.headers };
  const start = process.hrtime.bigint();
  const r = await client.request({ path: target.path, method: 'POST', headers, body });
  let firstAt = 0n;
  for await (const c of r.body as AsyncIterable<Buffer>) {
    if (firstAt === 0n && c.length > 0) firstAt = process.hrtime.bigint();
  }
  const end = process.hrtime.bigint();
  if (r.statusCode !== 200) throw new Error(`${target.name}: status ${r.statusCode}`);
  return {
    totalMs: Number(end - start) / 1e6,
    firstMs: Number((firstAt === 0n ? end : firstAt) - start) / 1e6,
  };
}

/**
 * Sequential requests, one keep-alive connection per target, taking the targets in turn request
 * by request for `ms` (at most `maxRequests` each): on a machine whose load drifts, every target
 * sees the same moments, so the differences between them hold better than blocks of one target.
 */
export async function latencies(
  targets: readonly Target[],
  mode: Mode,
  ms: number,
  maxRequests: number,
): Promise<Latency[]> {
  const clients = targets.map((t) => new Client(`http://127.0.0.1:${t.port}`, { pipelining: 1 }));
  const body = requestBody(mode);
  const total: number[][] = targets.map(() => []);
  const first: number[][] = targets.map(() => []);
  const until = performance.now() + ms;
  try {
    for (let n = 0; n < maxRequests && performance.now() < until; n++) {
      for (let k = 0; k < targets.length; k++) {
        const t = await timed(clients[k] as Client, targets[k] as Target, body);
        total[k]?.push(t.totalMs);
        first[k]?.push(t.firstMs);
      }
    }
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
  return targets.map((_, k) => ({
    p50Ms: medianOf(total[k] ?? []),
    firstChunkP50Ms: medianOf(first[k] ?? []),
    requests: total[k]?.length ?? 0,
  }));
}
