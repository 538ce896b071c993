/**
 * Where a gateway request's CPU goes, next to the floor's: the bare undici proxy and
 * `breakerbox serve` (its defaults: info access log to a file, metrics, accounting, breakers) each
 * run under `--cpu-prof` while autocannon drives them (50 connections, JSON then streams of 20
 * chunks), against the zero-latency mock upstream of `npm run bench:gateway`. Each sample of the
 * load window is put in a category (breakerbox's own code by folder, undici, Node's HTTP server,
 * streams, the garbage collector, the socket write syscall, ...); a category's share times the
 * process's measured CPU per request gives its µs per request. Writes its section of
 * BENCHMARKS.md.
 *
 *   npm run bench:gateway:profile
 *   env: BENCH_ROUNDS (5), BENCH_ROUND_S (3), BENCH_CONNECTIONS (50)
 */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, writeSection } from './harness.js';
import { throughput } from './gateway/load.js';
import type { Mode } from './gateway/load.js';
import { canPin, runBounded } from './gateway/procs.js';
import { ROOT, startBare, startBreakerbox, startUpstream } from './gateway/start.js';
import type { Started } from './gateway/start.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUND_S = Number(process.env.BENCH_ROUND_S ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const BUDGET_MS = 10 * 60_000;
const scratch = mkdtempSync(join(tmpdir(), 'breakerbox-bench-profile-'));

/** The parts of a V8 `.cpuprofile` read here. */
interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string };
  }[];
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** The category of a sampled frame: breakerbox's folder, a package, a Node part, or V8's. */
function category(functionName: string, url: string): string {
  const src = /\/dist\/src\/([^/]+)\//.exec(url);
  if (src) return `breakerbox: src/${src[1] as string}`;
  if (url.includes('/node_modules/')) {
    const pkg = url.split('/node_modules/').pop()?.split('/')[0] ?? '?';
    return pkg === 'undici' ? 'undici (the upstream client)' : `npm: ${pkg}`;
  }
  if (/^node:_http_(server|incoming|outgoing|common)/.test(url)) return "Node's HTTP server";
  if (url.startsWith('node:internal/streams') || url === 'node:stream') return 'Node streams';
  if (url === 'node:events' || url.startsWith('node:internal/event_target')) return 'Node events';
  if (url.startsWith('node:internal/process/task_queues') || functionName === 'runMicrotasks') {
    return 'promises and ticks';
  }
  if (url.startsWith('node:')) return 'Node, other';
  if (functionName === '(garbage collector)') return 'garbage collector';
  if (/^(writev|writeBuffer|writeString|writeUtf8String|writeLatin1String)$/.test(functionName)) {
    return 'socket writes (syscalls)';
  }
  if (functionName === '(program)') return 'V8 (program)';
  return 'native, other';
}

/** µs of CPU per category within [fromUs, toUs] of the profile's own clock. */
function categorise(p: CpuProfile, fromUs: number, toUs: number): Map<string, number> {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const out = new Map<string, number>();
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    if (t < fromUs || t > toUs) continue;
    const node = byId.get(p.samples[i] as number);
    if (node === undefined || node.callFrame.functionName === '(idle)') continue;
    const c = category(node.callFrame.functionName, node.callFrame.url);
    out.set(c, (out.get(c) ?? 0) + (p.timeDeltas[i + 1] ?? p.timeDeltas[i] ?? 0));
  }
  return out;
}

interface Profiled {
  readonly cpuUsPerRequest: number;
  readonly rps: number;
  /** Share of the busy time per category, 0..1. */
  readonly shares: Map<string, number>;
}

/** One server under the profiler: its process, its load windows, its CPU per request. */
interface Session {
  readonly target: Started;
  readonly dir: string;
  readonly spawnedMs: number;
  readonly windows: [number, number][];
  readonly runs: { readonly cpuUsPerRequest: number; readonly rps: number }[];
}

async function open(name: 'bare' | 'breakerbox', mode: Mode, upstream: number): Promise<Session> {
  const dir = mkdtempSync(join(scratch, `${name}-${mode}-`));
  const prof = ['--cpu-prof', `--cpu-prof-dir=${dir}`];
  const spawnedMs = performance.now();
  const target =
    name === 'bare' ? await startBare(upstream, prof) : await startBreakerbox(upstream, dir, prof);
  await throughput(target, mode, CONNECTIONS, 2); // warm-up: JIT, pools
  return { target, dir, spawnedMs, windows: [], runs: [] };
}

/** One profiled round of load; its window is kept (by the time since the process started). */
async function round(s: Session, mode: Mode): Promise<void> {
  const fromMs = performance.now() - s.spawnedMs;
  s.runs.push(await throughput(s.target, mode, CONNECTIONS, ROUND_S));
  s.windows.push([fromMs, performance.now() - s.spawnedMs]);
}

/** Stops the server (it writes its profile as it exits) and reads the profile's windows. */
async function close(s: Session): Promise<Profiled> {
  const { child, name } = s.target;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
  const file = readdirSync(s.dir).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error(`${name}: no CPU profile written`);
  const p = JSON.parse(readFileSync(join(s.dir, file), 'utf8')) as CpuProfile;
  // The profile's clock starts about when the process does: start-up, the pauses between
  // rounds and the shutdown stay out of the windows.
  const cats = new Map<string, number>();
  for (const [fromMs, toMs] of s.windows) {
    const part = categorise(p, p.startTime + fromMs * 1000, p.startTime + toMs * 1000);
    for (const [k, v] of part) cats.set(k, (cats.get(k) ?? 0) + v);
  }
  const busy = [...cats.values()].reduce((a, b) => a + b, 0);
  return {
    cpuUsPerRequest: median(s.runs.map((r) => r.cpuUsPerRequest)),
    rps: median(s.runs.map((r) => r.rps)),
    shares: new Map([...cats].map(([k, v]) => [k, v / busy])),
  };
}

function table(mode: Mode, bare: Profiled, bb: Profiled): string {
  const us = (p: Profiled, k: string): number => (p.shares.get(k) ?? 0) * p.cpuUsPerRequest;
  const keys = [...new Set([...bare.shares.keys(), ...bb.shares.keys()])].sort(
    (a, b) => us(bb, b) - us(bare, b) - (us(bb, a) - us(bare, a)),
  );
  const f = (x: number): string => (x < 0.5 ? '·' : x.toFixed(0));
  const rows = keys
    .filter((k) => us(bb, k) >= 0.5 || us(bare, k) >= 0.5)
    .map((k) => {
      const d = us(bb, k) - us(bare, k);
      return `| ${k} | ${f(us(bare, k))} | ${f(us(bb, k))} | ${d >= 0 ? '+' : ''}${d.toFixed(0)} |`;
    });
  return [
    `#### ${mode === 'json' ? 'JSON chat' : 'Streamed chat (20 chunks)'}: ${bare.cpuUsPerRequest.toFixed(0)} µs/request bare, ${bb.cpuUsPerRequest.toFixed(0)} µs breakerbox (${(bb.cpuUsPerRequest / bare.cpuUsPerRequest).toFixed(2)}×; ${Math.round(bare.rps).toLocaleString('en-US')} vs ${Math.round(bb.rps).toLocaleString('en-US')} req/s under the profiler)`,
    '',
    '| where (self time) | bare µs/req | breakerbox µs/req | difference |',
    '|---|--:|--:|--:|',
    ...rows,
  ].join('\n');
}

async function main(): Promise<void> {
  const before = loadavg();
  const started = new Date();
  const upstream = await startUpstream();
  const parts: string[] = [];
  for (const mode of ['json', 'stream'] as const) {
    // Both servers up at once, their rounds interleaved: a drift in the machine's speed hits
    // both alike.
    const sessions = [await open('bare', mode, upstream), await open('breakerbox', mode, upstream)];
    for (let r = 0; r < ROUNDS; r++) for (const s of sessions) await round(s, mode);
    const [bare, bb] = [await close(sessions[0] as Session), await close(sessions[1] as Session)];
    parts.push(table(mode, bare, bb));
    console.error(`${mode} profiled`);
  }
  const after = loadavg();
  const markdown = [
    '## Gateway: where the CPU of a request goes (`npm run bench:gateway:profile`)',
    '',
    `Run ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.split(' ').slice(0, 2).join(' ') ?? '?'}; load average ${before.map((x) => x.toFixed(2)).join(' / ')} before, ${after.map((x) => x.toFixed(2)).join(' / ')} after. Both servers run under \`--cpu-prof\`, loaded in turn: ${ROUNDS} interleaved rounds of ${ROUND_S} s at ${CONNECTIONS} connections after a 2 s warm-up each${canPin ? ' (servers on core 1, load and mock upstream on core 0)' : ''}. A category's share of the busy time sampled in a server's rounds × its median CPU per request = its µs per request; the profiler adds a few percent to both. Rows sorted by the difference.`,
    '',
    ...parts.flatMap((p) => [p, '']),
  ].join('\n');
  writeSection('gateway-profile', markdown, join(ROOT, 'BENCHMARKS.md'));
  console.log(markdown);
}

await runBounded('bench:gateway:profile', BUDGET_MS, scratch, main);
