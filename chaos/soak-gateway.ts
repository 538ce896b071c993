/**
 * The gateway soak: two simulated providers in this process, `breakerbox serve` in a child
 * process in front of them, steady load through the `openai` SDK while the primary's faults
 * switch through a fixed cycle; the gateway's own memory, event-loop lag and handles sampled from
 * its `/metrics` after a forced full GC (see soak-gc.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimulator } from '../src/sim/index.js';
import type { Faults, Simulator } from '../src/sim/index.js';
import { CHAT_MODEL, EMBEDDING_MODEL, SoakLoad } from './soak-load.js';
import type { PhaseCounts } from './soak-load.js';
import type { Child } from './soak-proc.js';
import {
  BIN,
  freePort,
  hasExited,
  median,
  parseMetrics,
  startNode,
  stopChild,
  waitForHttp,
} from './soak-proc.js';

/** One step of the fault cycle, applied to every model of the primary provider. */
export interface FaultPhase {
  readonly name: string;
  readonly faults: Faults | null;
}

/** The per-attempt timeout the gateway gives each candidate (what ends a hung attempt). */
export const ATTEMPT_TIMEOUT_MS = 1000;

export const FAULT_CYCLE: readonly FaultPhase[] = [
  { name: 'errors 34%', faults: { errorRate: 0.34 } },
  { name: 'primary down (503)', faults: { down: true } },
  { name: `hang (attempt timeout ${ATTEMPT_TIMEOUT_MS} ms)`, faults: { hangRate: 1 } },
  { name: '429, Retry-After 2 s', faults: { rateLimit: { rate: 1, retryAfterS: 2 } } },
  { name: 'stream cut after 3 chunks', faults: { streamCutAfterChunks: 3 } },
  { name: 'healthy', faults: null },
];

/** Every answer of both providers takes 5–25 ms: steady load, not a CPU-bound flood. */
const BASE_FAULTS: Faults = { latencyMs: { minMs: 5, maxMs: 25 } };

export interface GatewaySoakOptions {
  /** Length of the measured run (after the warm-up), ms. */
  readonly durationMs: number;
  /** How long each fault phase lasts, ms. */
  readonly phaseMs: number;
  /** Load on healthy providers before the start sample, ms. */
  readonly warmupMs: number;
  /** Time between two samples of the gateway, ms. */
  readonly sampleMs: number;
  readonly concurrency?: number;
  readonly seed?: number;
  readonly phases?: readonly FaultPhase[];
  readonly log?: (line: string) => void;
}

/** One reading of the gateway's `/metrics`, taken right after a forced full GC. */
export interface Sample {
  /** ms since the measured run began (negative: warm-up; after the end: idle). */
  readonly atMs: number;
  readonly rss: number;
  readonly heapUsed: number;
  /** p99 of the event-loop delay since the previous sample, s. */
  readonly lagP99: number;
  readonly handles: number;
}

export interface GatewaySoakResult {
  readonly options: GatewaySoakOptions;
  readonly elapsedMs: number;
  readonly byPhase: ReadonlyMap<string, PhaseCounts>;
  readonly total: PhaseCounts;
  readonly start: Sample;
  readonly steady: Sample;
  readonly end: Sample;
  readonly idle: Sample;
  readonly samples: readonly Sample[];
  /** The gateway exited on its own during the run. */
  readonly crashed: boolean;
  /** Exit code of the gateway after SIGTERM at the end (0 expected). */
  readonly exitCode: number | null;
}

const GC_PRELOAD = fileURLToPath(new URL('./soak-gc.js', import.meta.url));

function gatewayConfig(primary: Simulator, backup: Simulator, port: number): string {
  const timeouts = '{ connectMs: 1000, firstByteMs: 10000, idleMs: 5000, totalMs: 20000 }';
  return `# written by the soak (chaos/soak-gateway.ts)
providers:
  primary: { baseURL: '${primary.url}', apiKey: sk-soak-primary, timeouts: ${timeouts} }
  backup: { baseURL: '${backup.url}', apiKey: sk-soak-backup, timeouts: ${timeouts} }
models:
  ${CHAT_MODEL}:
    deployments: [{ provider: primary }, { provider: backup }]
    attemptTimeoutMs: ${ATTEMPT_TIMEOUT_MS}
  ${EMBEDDING_MODEL}:
    deployments: [{ provider: primary }, { provider: backup }]
    embeddingDimensions: 256
    attemptTimeoutMs: ${ATTEMPT_TIMEOUT_MS}
breaker: { trip: { consecutive: 3 }, openMs: 2000, maxOpenMs: 5000 }
retry: { attempts: 1 }
deadlineMs: 20000
server: { host: 127.0.0.1, port: ${port}, logLevel: error }
`;
}

/** Reads the gateway's stderr for good, and answers "has GC number n been done?". */
class GcWatch {
  #tail = '';
  #done = 0;
  readonly #waiters = new Map<number, () => void>();
  constructor(child: Child) {
    child.proc.stderr?.on('data', (d: Buffer) => {
      this.#tail = (this.#tail + d.toString()).slice(-8192);
      for (const m of this.#tail.matchAll(/soak-gc (\d+)\n/g)) {
        this.#done = Math.max(this.#done, Number(m[1]));
      }
      for (const [n, resolve] of this.#waiters) {
        if (n <= this.#done) {
          this.#waiters.delete(n);
          resolve();
        }
      }
    });
  }
  get tail(): string {
    return this.#tail;
  }
  wait(n: number, ms: number): Promise<void> {
    if (n <= this.#done) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(n);
        reject(new Error(`the gateway did not report GC ${n} within ${ms} ms`));
      }, ms);
      this.#waiters.set(n, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

export async function runGatewaySoak(options: GatewaySoakOptions): Promise<GatewaySoakResult> {
  const log = options.log ?? (() => {});
  const phases = options.phases ?? FAULT_CYCLE;
  const began = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'breakerbox-soak-'));
  const primary = await startSimulator({ seed: 11, models: { '*': { faults: BASE_FAULTS } } });
  const backup = await startSimulator({ seed: 12, models: { '*': { faults: BASE_FAULTS } } });
  let gateway: Child | undefined;
  let load: SoakLoad | undefined;
  try {
    const port = await freePort();
    const config = join(dir, 'gateway.yaml');
    writeFileSync(config, gatewayConfig(primary, backup, port));
    gateway = startNode(['--expose-gc', '--import', GC_PRELOAD, BIN, 'serve', '--config', config], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const gw = gateway;
    const watch = new GcWatch(gw);
    const base = `http://127.0.0.1:${port}`;
    await waitForHttp(`${base}/healthz`, gw, 15_000);
    log(`gateway pid ${gw.pid} on ${base}; warm-up ${options.warmupMs} ms`);

    let gcs = 0;
    let t0 = performance.now();
    const sample = async (): Promise<Sample> => {
      gcs += 1;
      process.kill(gw.pid, 'SIGUSR2');
      await watch.wait(gcs, 10_000);
      const r = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(10_000) });
      const m = parseMetrics(await r.text());
      const get = (name: string): number => {
        const v = m.get(name);
        if (v === undefined) throw new Error(`/metrics has no ${name}`);
        return v;
      };
      return {
        atMs: performance.now() - t0,
        rss: get('process_resident_memory_bytes'),
        heapUsed: get('nodejs_heap_size_used_bytes'),
        lagP99: get('nodejs_eventloop_lag_p99_seconds'),
        handles: get('nodejs_active_handles_total'),
      };
    };

    load = new SoakLoad(`${base}/v1`, options.concurrency ?? 16, options.seed ?? 1);
    load.start();
    await sleep(options.warmupMs);
    t0 = performance.now();
    const start = await sample();
    const samples: Sample[] = [];
    const endAt = t0 + options.durationMs;
    let phaseIndex = -1;
    while (performance.now() < endAt && !gw.done) {
      const now = performance.now() - t0;
      const want = Math.floor(now / options.phaseMs) % phases.length;
      if (want !== phaseIndex) {
        phaseIndex = want;
        const phase = phases[want] as FaultPhase;
        primary.setFaults('*', { ...BASE_FAULTS, ...phase.faults });
        load.phase = phase.name;
        log(`${(now / 1000).toFixed(0)} s: ${phase.name}`);
      }
      const next = Math.min(
        endAt,
        t0 + (Math.floor(now / options.sampleMs) + 1) * options.sampleMs,
      );
      await sleep(Math.max(0, next - performance.now()));
      if (hasExited(gw)) break;
      const s = await sample();
      samples.push(s);
      log(
        `  ${(s.atMs / 1000).toFixed(0)} s: rss ${(s.rss / 1048576).toFixed(1)} MB, heap ${(s.heapUsed / 1048576).toFixed(1)} MB, lag p99 ${(s.lagP99 * 1000).toFixed(1)} ms, handles ${s.handles}, sent ${load.total().sent}`,
      );
    }
    const crashed = gw.done;
    await load.stop();
    const idle = crashed ? (samples[samples.length - 1] ?? start) : await sample();
    const exit = await stopChild(gw, 'SIGTERM', 10_000);
    if (crashed) log(`the gateway exited during the run: ${watch.tail}`);
    const quarter = (from: number, to: number): Sample[] =>
      samples.filter(
        (s) => s.atMs >= from * options.durationMs && s.atMs <= to * options.durationMs + 1,
      );
    return {
      options,
      elapsedMs: performance.now() - began,
      byPhase: load.byPhase,
      total: load.total(),
      start,
      steady: medianSample(quarter(0.25, 0.5)),
      end: medianSample(quarter(0.75, 1)),
      idle,
      samples,
      crashed,
      exitCode: exit.code,
    };
  } finally {
    await load?.stop();
    if (gateway !== undefined) await stopChild(gateway, 'SIGKILL');
    await primary.close();
    await backup.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Each field's median over `samples` (NaN fields when there are none). */
function medianSample(samples: readonly Sample[]): Sample {
  return {
    atMs: median(samples.map((s) => s.atMs)),
    rss: median(samples.map((s) => s.rss)),
    heapUsed: median(samples.map((s) => s.heapUsed)),
    lagP99: median(samples.map((s) => s.lagP99)),
    handles: median(samples.map((s) => s.handles)),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
