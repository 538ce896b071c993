/**
 * The gateway against the floor and a peer, in one run: a zero-latency mock upstream, a bare
 * undici@7 pass-through proxy (the floor), `breakerbox serve` (default logging, metrics,
 * accounting and breakers on) and Portkey (installed on demand outside the package; skipped
 * with a note if it cannot be). autocannon with 50 keep-alive connections, JSON and streams of 20
 * chunks, in interleaved rounds (a shuffled order each round); the server's CPU per request from
 * /proc; at one connection, the median latency and time to the first streamed chunk. The load
 * generator and the mock run on core 0, the server under test on core 1 (`taskset`). Writes its
 * section of BENCHMARKS.md.
 *
 *   npm run bench:gateway
 *   env: BENCH_ROUNDS (5), BENCH_ROUND_S (3), BENCH_CONNECTIONS (50), BENCH_LATENCY_MS (1500),
 *        BENCH_PEERS_DIR (os.tmpdir()/breakerbox-bench-peers), BENCH_SKIP_PORTKEY=1,
 *        BENCH_BREAKERBOX_FLAGS (node flags for breakerbox, e.g. --cpu-prof)
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, writeSection } from './harness.js';
import { latencies, throughput } from './gateway/load.js';
import type { Latency, Mode, Target, Throughput } from './gateway/load.js';
import { installPortkey } from './gateway/portkey.js';
import { canPin, freePort, runBounded, startNode, waitForHttp } from './gateway/procs.js';
import {
  CHAT,
  LOAD_CORE,
  ROOT,
  SERVER_CORE,
  startBare,
  startBreakerbox,
  startUpstream,
} from './gateway/start.js';
import { renderReport } from './gateway/report.js';
import type { Row } from './gateway/report.js';
import { LOOPBACK_PRELOAD } from './gateway/servers.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUND_S = Number(process.env.BENCH_ROUND_S ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 1_500);
/** The whole run is cut (every process stopped) after this long. */
const BUDGET_MS = 20 * 60_000;
const scratch = mkdtempSync(join(tmpdir(), 'breakerbox-bench-gateway-'));
const notes: string[] = [];

if (canPin) {
  // The load generator (this process) and the mock upstream share core 0.
  const { spawnSync } = await import('node:child_process');
  spawnSync('taskset', ['-p', '-c', String(LOAD_CORE), String(process.pid)], { stdio: 'ignore' });
} else notes.push('`taskset` not found: processes were not pinned to cores.');

async function startPortkey(upstreamPort: number): Promise<Target | undefined> {
  if (process.env.BENCH_SKIP_PORTKEY === '1') {
    notes.push('Portkey skipped (BENCH_SKIP_PORTKEY=1).');
    return undefined;
  }
  const installed = await installPortkey(
    process.env.BENCH_PEERS_DIR ?? join(tmpdir(), 'breakerbox-bench-peers'),
  );
  if (typeof installed === 'string') {
    notes.push(`Portkey skipped: ${installed}`);
    return undefined;
  }
  const preload = join(scratch, 'loopback.cjs');
  writeFileSync(preload, LOOPBACK_PRELOAD);
  const port = await freePort();
  const child = startNode(
    SERVER_CORE,
    ['--require', preload, installed.entry, `--port=${port}`, '--headless'],
    ['ignore', 'ignore', 'ignore'],
  );
  await waitForHttp(`http://127.0.0.1:${port}/`, child, 30_000);
  return {
    name: `Portkey ${installed.version}`,
    port,
    pid: child.pid as number,
    path: CHAT,
    headers: {
      authorization: 'Bearer bench-key',
      'x-portkey-provider': 'openai',
      'x-portkey-custom-host': `http://127.0.0.1:${upstreamPort}/v1`,
    },
  };
}

function shuffle<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const MODES: readonly Mode[] = ['json', 'stream'];

async function main(): Promise<void> {
  const loadBefore = loadavg();
  const started = new Date();
  const upstreamPort = await startUpstream();
  const flags = (process.env.BENCH_BREAKERBOX_FLAGS ?? '').split(' ').filter(Boolean);
  const targets: Target[] = [
    await startBare(upstreamPort),
    await startBreakerbox(upstreamPort, scratch, flags),
  ];
  const portkey = await startPortkey(upstreamPort);
  if (portkey !== undefined) targets.push(portkey);

  const tp = new Map<string, Throughput[]>();
  const lat = new Map<string, Latency[]>();
  const key = (t: Target, m: Mode): string => `${t.name}|${m}`;
  for (const t of targets) {
    for (const m of MODES) {
      tp.set(key(t, m), []);
      lat.set(key(t, m), []);
      // Warm-up: JIT, connection pools.
      await throughput(t, m, CONNECTIONS, 1);
    }
  }
  for (const m of MODES) await latencies(targets, m, 500, 500);
  for (let r = 0; r < ROUNDS; r++) {
    for (const m of MODES) {
      for (const t of shuffle(targets)) {
        const res = await throughput(t, m, CONNECTIONS, ROUND_S);
        if (res.failed > 0)
          notes.push(`${t.name} ${m} round ${r + 1}: ${res.failed} failed requests.`);
        tp.get(key(t, m))?.push(res);
      }
      const order = shuffle(targets);
      const round = await latencies(order, m, LATENCY_MS * targets.length, 5_000);
      order.forEach((t, k) => {
        const l = round[k];
        if (l !== undefined) lat.get(key(t, m))?.push(l);
      });
    }
    console.error(`round ${r + 1}/${ROUNDS} done`);
  }

  const rows: Row[] = targets.map((t) => {
    const pick = (m: Mode) => tp.get(key(t, m)) ?? [];
    const lats = (m: Mode) => lat.get(key(t, m)) ?? [];
    return {
      name: t.name,
      jsonRps: median(pick('json').map((x) => x.rps)),
      streamRps: median(pick('stream').map((x) => x.rps)),
      jsonCpuUs: median(pick('json').map((x) => x.cpuUsPerRequest)),
      streamCpuUs: median(pick('stream').map((x) => x.cpuUsPerRequest)),
      p50Ms: median(lats('json').map((x) => x.p50Ms)),
      firstChunkMs: median(lats('stream').map((x) => x.firstChunkP50Ms)),
      jsonRounds: pick('json').map((x) => x.rps),
      streamRounds: pick('stream').map((x) => x.rps),
    };
  });
  const markdown = renderReport(rows, {
    started,
    loadBefore,
    loadAfter: loadavg(),
    rounds: ROUNDS,
    roundS: ROUND_S,
    connections: CONNECTIONS,
    latencyMs: LATENCY_MS,
    pinned: canPin,
    notes,
  });
  writeSection('gateway', markdown, join(ROOT, 'BENCHMARKS.md'));
  console.log(markdown);
}

await runBounded('bench:gateway', BUDGET_MS, scratch, main);
