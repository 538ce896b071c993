/**
 * `breakerbox demo`: the whole product in one process with no API key. A simulated provider and
 * the gateway start on free loopback ports; clients call the gateway with the official `openai`
 * SDK through a scripted incident (the primary failing, then down, then back; a 429 storm on
 * another model; streams that fail before and after content), while a live table shows the
 * circuits. It ends with a report and exits 1 if fewer than 99% of requests succeeded.
 */
import { performance } from 'node:perf_hooks';
import OpenAI from 'openai';
import { createBreakerbox } from '../engine/index.js';
import type { Breakerbox } from '../engine/index.js';
import { silentLogger, startGateway } from '../gateway/index.js';
import type { Gateway } from '../gateway/index.js';
import { startSimulator } from '../sim/index.js';
import type { Simulator } from '../sim/index.js';
import { DEMO_DEADLINE_MS, DEMO_DEFAULTS, demoConfig, demoScript } from './demo-config.js';
import type { DemoScript } from './demo-config.js';
import { IncidentWatch, REQUIRED_SUCCESS_RATE, renderReport } from './demo-report.js';
import { DemoTally, driveTraffic } from './demo-traffic.js';
import { FLEET_LIMITS, fleetEngine, fleetLines, fleetRedis } from './demo-fleet.js';
import type { DemoEngine, FleetRedis, ReplicaTransition } from './demo-fleet.js';
import { LiveFrame, PlainLines, renderFrame } from './demo-view.js';
import type { DemoView, SeenTransition } from './demo-view.js';
import { paint } from './format.js';
import type { Output } from './format.js';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** How long clients send traffic, seconds. @default 30 */
  readonly durationS?: number;
  /** Redraw a live table (only on a TTY). @default true */
  readonly live?: boolean;
  /** Clients calling at once. @default 8 */
  readonly concurrency?: number;
  /** Seed of the simulator's faults and of the request mix. @default 1 */
  readonly seed?: number;
  /** Whether stdout is a terminal. @default process.stdout.isTTY */
  readonly isTTY?: boolean;
  /** Gateways sharing breaker state through Redis (1: one gateway, no Redis). @default 1 */
  readonly fleet?: number;
}

/** Bounds of the options: long enough for every phase, short enough to stay a demo. */
export const DEMO_LIMITS = { minDurationS: 5, maxDurationS: 3600, maxConcurrency: 256 } as const;

/** How long the gateway lets the last requests finish when the demo closes it, ms. */
const CLOSE_GRACE_MS = 1000;

/**
 * Checks the options.
 * @returns an error message, or undefined when they are valid
 */
export function checkDemoOptions(options: DemoOptions): string | undefined {
  const d = options.durationS ?? DEMO_DEFAULTS.durationS;
  if (!Number.isFinite(d) || d < DEMO_LIMITS.minDurationS || d > DEMO_LIMITS.maxDurationS) {
    return `--duration must be a number of seconds from ${DEMO_LIMITS.minDurationS} to ${DEMO_LIMITS.maxDurationS}`;
  }
  const c = options.concurrency ?? DEMO_DEFAULTS.concurrency;
  if (!Number.isInteger(c) || c < 1 || c > DEMO_LIMITS.maxConcurrency) {
    return `--concurrency must be an integer from 1 to ${DEMO_LIMITS.maxConcurrency}`;
  }
  const f = options.fleet ?? 1;
  if (f !== 1 && (!Number.isInteger(f) || f < FLEET_LIMITS.min || f > FLEET_LIMITS.max)) {
    return `--fleet must be an integer from ${FLEET_LIMITS.min} to ${FLEET_LIMITS.max}`;
  }
  return undefined;
}

/**
 * Runs the demo.
 * @returns the exit code: 0, 1 below the success rate, 2 bad options, 130/143 interrupted by
 *   SIGINT/SIGTERM
 */
export async function runDemo(options: DemoOptions, output: Output): Promise<number> {
  const problem = checkDemoOptions(options);
  if (problem !== undefined) {
    output.err(problem);
    return 2;
  }
  const settings: Settings = {
    durationMs: (options.durationS ?? DEMO_DEFAULTS.durationS) * 1000,
    concurrency: options.concurrency ?? DEMO_DEFAULTS.concurrency,
    seed: options.seed ?? DEMO_DEFAULTS.seed,
    live: (options.live ?? true) && (options.isTTY ?? process.stdout.isTTY),
  };
  let redis: FleetRedis | undefined;
  if ((options.fleet ?? 1) > 1) {
    const found = await fleetRedis();
    if (typeof found === 'string') {
      output.err(found);
      return 1;
    }
    redis = found;
  }
  // Its faults come from the script, from the first step on.
  const sim = await startSimulator({ host: '127.0.0.1', port: 0, seed: settings.seed });
  const engines: Breakerbox[] = [];
  const gateways: Gateway[] = [];
  try {
    for (const replica of REPLICAS.slice(0, options.fleet ?? 1)) {
      const config = demoConfig(sim.url, settings.durationMs);
      const state = redis && {
        store: 'redis' as const,
        url: redis.url,
        keyPrefix: redis.prefix,
        replicaId: replica,
        syncMs: 200,
      };
      const engine = createBreakerbox(state ? { ...config, state } : config, { env: {} });
      engines.push(engine);
      // Quiet: the demo draws its own output.
      gateways.push(
        await startGateway({ engine, host: '127.0.0.1', port: 0, logger: silentLogger() }),
      );
    }
    await Promise.all(engines.map((e) => e.stateStore?.whenShared() ?? Promise.resolve()));
    return await drive({ settings, output, sim, engines, gateways, redis });
  } finally {
    await Promise.all(gateways.map((g) => g.close(CLOSE_GRACE_MS)));
    await Promise.all(engines.map((e) => e.close()));
    await sim.close();
    await redis?.stop();
  }
}

/** Names of a fleet demo's replicas. */
const REPLICAS = ['a', 'b', 'c', 'd', 'e'] as const;

/** The options with their defaults applied. */
interface Settings {
  readonly durationMs: number;
  readonly concurrency: number;
  readonly seed: number;
  /** Redraw a live table (asked for, and stdout is a terminal). */
  readonly live: boolean;
}

interface Run {
  readonly settings: Settings;
  readonly output: Output;
  readonly sim: Simulator;
  /** One engine, or a fleet of them (one per gateway) sharing Redis. */
  readonly engines: readonly Breakerbox[];
  readonly gateways: readonly Gateway[];
  readonly redis: FleetRedis | undefined;
}

function printBanner(run: Run, script: DemoScript): void {
  const { output, sim, gateways, redis } = run;
  const gateway = gateways[0] as Gateway;
  const c = output.color;
  output.out(
    `${paint(c, 'bold', 'breakerbox demo')}: ${run.settings.durationMs / 1000} s of traffic from ${run.settings.concurrency} openai-SDK clients, over a simulated provider (no API key, loopback only)`,
  );
  if (redis !== undefined) {
    output.out(
      `  fleet      ${gateways.length} gateways sharing breaker state through Redis at ${redis.url}${redis.started ? ' (started for the demo)' : ''}; requests go round-robin`,
    );
  }
  for (const [i, g] of gateways.entries()) {
    const label = gateways.length > 1 ? `gateway ${REPLICAS[i] ?? i}` : 'gateway  ';
    output.out(`  ${label.padEnd(10)} ${paint(c, 'cyan', `${g.url}/v1`)}`);
  }
  output.out(
    `  dashboard  ${paint(c, 'cyan', `${gateway.url}/dashboard`)}  (open it while the demo runs)`,
  );
  output.out(`  simulator  ${sim.url}`);
  output.out(`  the incident: ${script.incidents.map((i) => i.label).join('; ')}`);
  output.out('');
}

/** What the run watches while it goes: transitions, incident counters, the scripted faults. */
interface Observers {
  readonly transitions: SeenTransition[];
  /** Every replica's transitions (a fleet run). */
  readonly replicaTransitions: ReplicaTransition[];
  readonly watch: IncidentWatch;
  stop(): void;
}

/** Starts the simulator's schedule, the incident marks and the transition log at `startMs`. */
function observe(run: Run, view: DemoEngine, script: DemoScript, startMs: number): Observers {
  const { sim, engines } = run;
  const transitions: SeenTransition[] = [];
  const replicaTransitions: ReplicaTransition[] = [];
  const watch = new IncidentWatch(sim, view);
  // The engine's clock is performance.now(), like startMs: atMs - startMs is time into the run.
  const subscriptions = engines.map((engine, i) =>
    engine.on('transition', (e) => {
      const { deployment, from, to, reason } = e;
      const atMs = e.atMs - startMs;
      // The live log follows the first replica (circuit states are shared in a fleet).
      if (i === 0) transitions.push({ atMs, deployment, from, to, reason });
      replicaTransitions.push({ replica: REPLICAS[i] ?? String(i), deployment, to, reason, atMs });
    }),
  );
  const timers = script.incidents.flatMap((i) => [
    setTimeout(() => {
      watch.mark(i, 'from');
    }, i.fromMs),
    setTimeout(() => {
      watch.mark(i, 'to');
    }, i.toMs),
  ]);
  const scheduled = sim.schedule({ steps: script.steps });
  return {
    transitions,
    replicaTransitions,
    watch,
    stop: () => {
      for (const t of timers) clearTimeout(t);
      scheduled.cancel();
      for (const s of subscriptions) s.dispose();
    },
  };
}

/** Draws the run: a live frame on a TTY, plain lines otherwise. */
interface Presenter {
  draw(view: DemoView): void;
  /** Clears the live frame (the report follows) or prints the last plain lines. */
  finish(view: DemoView): void;
}

function presenter(live: boolean, output: Output, durationMs: number): Presenter {
  if (!live) {
    const plain = new PlainLines(output.out, Math.max(2000, durationMs / 10));
    const update = (v: DemoView): void => {
      plain.update(v);
    };
    return { draw: update, finish: update };
  }
  const write = (text: string): void => {
    process.stdout.write(text);
  };
  const frame = new LiveFrame(write, () => Math.max(20, process.stdout.columns));
  write('\u001b[?25l'); // hide the cursor while redrawing
  return {
    draw: (v) => {
      frame.draw(renderFrame(v, output.color));
    },
    finish: () => {
      frame.draw('');
      write('\u001b[?25h');
    },
  };
}

/** Schedules the incident, runs the clients, draws, reports. */
async function drive(run: Run): Promise<number> {
  const { settings, output, engines, gateways } = run;
  const gateway = gateways[0] as Gateway;
  const engine: DemoEngine = engines.length > 1 ? fleetEngine(engines) : (engines[0] as Breakerbox);
  const { durationMs } = settings;
  const script = demoScript(durationMs);
  printBanner(run, script);
  const openai = new OpenAI({
    apiKey: 'demo-no-key-needed',
    baseURL: `${gateway.url}/v1`,
    maxRetries: 0,
    timeout: DEMO_DEADLINE_MS,
    ...(gateways.length > 1 && { fetch: roundRobin(gateways) }),
  });
  const tally = new DemoTally();
  const abort = new AbortController();
  const startMs = performance.now();
  const observers = observe(run, engine, script, startMs);
  const view = (): DemoView => ({
    engine,
    tally,
    script,
    durationMs,
    elapsedMs: performance.now() - startMs,
    transitions: observers.transitions,
    dashboardUrl: `${gateway.url}/dashboard`,
  });
  const show = presenter(settings.live, output, durationMs);
  // Ctrl-C or SIGTERM ends the run early, still with a report and the cursor restored.
  let exitCode = 0;
  const interrupt = (signal: NodeJS.Signals): void => {
    exitCode = signal === 'SIGTERM' ? 143 : 130;
    abort.abort();
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  const ticker = setInterval(() => {
    show.draw(view());
  }, 1000);
  try {
    show.draw(view());
    const { concurrency, seed } = settings;
    const stopAtMs = startMs + durationMs;
    await driveTraffic({ openai, concurrency, stopAtMs, seed, signal: abort.signal }, tally);
  } finally {
    clearInterval(ticker);
    observers.stop();
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    show.finish(view());
  }
  const interrupted = abort.signal.aborted;
  output.out(renderReport(view(), observers.watch, { color: output.color, interrupted }));
  if (run.redis !== undefined) {
    output.out('the fleet:');
    const replicas = REPLICAS.slice(0, engines.length);
    for (const line of fleetLines(observers.replicaTransitions, 'sim/gpt-4.1', replicas)) {
      output.out(line);
    }
  }
  if (interrupted) return exitCode;
  return (tally.successRate ?? 0) >= REQUIRED_SUCCESS_RATE ? 0 : 1;
}

/** A fetch that sends each request to the next gateway in turn (the openai SDK's `fetch`). */
function roundRobin(gateways: readonly Gateway[]): typeof fetch {
  let next = 0;
  return (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const target = new URL((gateways[next++ % gateways.length] as Gateway).url);
    url.host = target.host;
    return fetch(url, init);
  };
}
