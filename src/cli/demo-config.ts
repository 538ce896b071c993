/**
 * The demo's embedded configuration and its scripted incident, scaled to the run's duration.
 *
 * Four models on one `sim` provider. gpt-4.1 is the primary and falls back to claude-sonnet-4.5,
 * then deepseek-v3.2; claude and gemini fall back to deepseek-v3.2, which stays healthy (the demo's
 * floor: a request fails only if something is wrong with breakerbox itself). Breakers open briefly
 * so a 10 s run still shows trips, probes and recovery.
 */
import type { ConfigInput } from '../config/index.js';
import type { Faults, ScenarioStep } from '../sim/index.js';

/** The models the demo serves, in display order. */
export const DEMO_MODELS = [
  'gpt-4.1',
  'claude-sonnet-4.5',
  'gemini-2.5-flash',
  'deepseek-v3.2',
] as const;

/** One model of {@link DEMO_MODELS}. */
export type DemoModel = (typeof DEMO_MODELS)[number];

/** The demo's defaults: `breakerbox demo` with no flags. */
export const DEMO_DEFAULTS = { durationS: 30, concurrency: 8, seed: 1 } as const;

/** The primary: what most of the traffic asks for, and what the incident hits. */
export const PRIMARY: DemoModel = 'gpt-4.1';

/** Every simulated model answers in 15..60 ms and streams a chunk every 8 ms. */
export const BASE_FAULTS: Faults = Object.freeze({
  latencyMs: { minMs: 15, maxMs: 60 },
  chunkDelayMs: 8,
});

/** Provider timeouts and the request deadline: short, so the demo is bounded. */
const TIMEOUTS = { connectMs: 1000, firstByteMs: 2000, idleMs: 2000, totalMs: 4000 };

/** How long a breaker first stays open, ms. */
const OPEN_MS = 1000;

/** The deadline of one request, ms (also the SDK's timeout). */
export const DEMO_DEADLINE_MS = 5000;

/**
 * The engine's configuration for a simulator listening at `simUrl` (its `/v1` base), for a run
 * of `durationMs`. Breakers open for 1 s, doubling on re-opens up to 15% of the run (at most
 * 4 s): the primary, re-opened through its outage, then closes well before the end.
 */
export function demoConfig(simUrl: string, durationMs: number): ConfigInput {
  const maxOpenMs = Math.round(Math.min(4000, Math.max(OPEN_MS, durationMs * 0.15)));
  const on = [{ provider: 'sim' }];
  return {
    providers: { sim: { baseURL: simUrl, timeouts: TIMEOUTS } },
    models: {
      'gpt-4.1': { deployments: on, fallbacks: ['claude-sonnet-4.5', 'deepseek-v3.2'] },
      'claude-sonnet-4.5': { deployments: on, fallbacks: ['deepseek-v3.2'] },
      'gemini-2.5-flash': { deployments: on, fallbacks: ['deepseek-v3.2'] },
      'deepseek-v3.2': { deployments: on },
    },
    breaker: {
      trip: { consecutive: 5 },
      openMs: OPEN_MS,
      maxOpenMs,
      halfOpen: { probes: 1, successes: 2 },
    },
    retry: { attempts: 1, backoff: { initialMs: 20, maxMs: 200 } },
    deadlineMs: DEMO_DEADLINE_MS,
    server: { host: '127.0.0.1', port: 0, logLevel: 'silent' },
  };
}

/** Where the demo is in its story, for the live view and the report. */
export interface DemoPhase {
  /** ms after the start. */
  readonly atMs: number;
  readonly label: string;
}

/** A fault that comes and goes, for the live view and the report. */
export interface DemoIncident {
  readonly model: DemoModel;
  readonly fromMs: number;
  readonly toMs: number;
  readonly label: string;
  /** What the report says about it. */
  readonly kind: 'errors' | 'down' | 'rate-limit' | 'stream-error-event' | 'stream-cut';
}

/** The scripted incident: the simulator's steps plus their descriptions. */
export interface DemoScript {
  readonly steps: ScenarioStep[];
  readonly phases: readonly DemoPhase[];
  readonly incidents: readonly DemoIncident[];
  /** Retry-After of the 429 storm, seconds. */
  readonly retryAfterS: number;
}

/**
 * The incident over `durationMs`, as fractions of it:
 *
 * | from | to   | fault                                                               |
 * | ---- | ---- | ------------------------------------------------------------------- |
 * | 0.10 | 0.35 | phase 1: gpt-4.1 answers 500 to 34% of calls                        |
 * | 0.35 | 0.60 | phase 2: gpt-4.1 answers 503 to every call                          |
 * | 0.60 |      | phase 3: gpt-4.1 recovered                                          |
 * | 0.20 | 0.50 | claude-sonnet-4.5: 429 storm with Retry-After                       |
 * | 0.25 | 0.45 | gemini-2.5-flash streams: 30% send an error event before content    |
 * | 0.65 | 0.80 | gemini-2.5-flash streams: cut after 3 content chunks (mid-answer)   |
 */
export function demoScript(durationMs: number): DemoScript {
  const at = (fraction: number): number => Math.round(durationMs * fraction);
  const retryAfterS = Math.max(1, Math.round(durationMs / 15_000));
  const incidents: DemoIncident[] = [
    {
      model: PRIMARY,
      fromMs: at(0.1),
      toMs: at(0.35),
      kind: 'errors',
      label: 'gpt-4.1: 34% of calls fail (500)',
    },
    {
      model: PRIMARY,
      fromMs: at(0.35),
      toMs: at(0.6),
      kind: 'down',
      label: 'gpt-4.1: down (every call 503)',
    },
    {
      model: 'claude-sonnet-4.5',
      fromMs: at(0.2),
      toMs: at(0.5),
      kind: 'rate-limit',
      label: `claude-sonnet-4.5: 429 storm (Retry-After ${retryAfterS} s)`,
    },
    {
      model: 'gemini-2.5-flash',
      fromMs: at(0.25),
      toMs: at(0.45),
      kind: 'stream-error-event',
      label: 'gemini-2.5-flash: 30% of streams send an error event before content',
    },
    {
      model: 'gemini-2.5-flash',
      fromMs: at(0.65),
      toMs: at(0.8),
      kind: 'stream-cut',
      label: 'gemini-2.5-flash: streams cut after 3 chunks (mid-answer)',
    },
  ];
  const faultsOf: Record<DemoIncident['kind'], Faults> = {
    errors: { errorRate: 0.34, errorStatus: 500 },
    down: { down: true },
    'rate-limit': { rateLimit: { rate: 1, retryAfterS } },
    'stream-error-event': { errorEventBeforeContentRate: 0.3 },
    'stream-cut': { streamCutAfterChunks: 3 },
  };
  const steps: ScenarioStep[] = [{ atMs: 0, model: '*', faults: BASE_FAULTS }];
  for (const i of incidents) {
    steps.push({ atMs: i.fromMs, model: i.model, faults: { ...BASE_FAULTS, ...faultsOf[i.kind] } });
    // Back to the defaults ('*'), unless the next incident on this model starts at that instant.
    const next = incidents.find((n) => n.model === i.model && n.fromMs === i.toMs);
    if (next === undefined) steps.push({ atMs: i.toMs, model: i.model, faults: null });
  }
  const phases: DemoPhase[] = [
    { atMs: 0, label: 'warm-up: every model healthy' },
    { atMs: at(0.1), label: 'phase 1: gpt-4.1 fails 34% of calls' },
    { atMs: at(0.35), label: 'phase 2: gpt-4.1 is down' },
    { atMs: at(0.6), label: 'phase 3: gpt-4.1 recovered' },
  ];
  return { steps, phases, incidents, retryAfterS };
}

/** The phase in force `elapsedMs` into the run. */
export function phaseAt(phases: readonly DemoPhase[], elapsedMs: number): DemoPhase | undefined {
  let current: DemoPhase | undefined;
  for (const p of phases) if (p.atMs <= elapsedMs) current = p;
  return current;
}

/** The incidents in force `elapsedMs` into the run. */
export function incidentsAt(incidents: readonly DemoIncident[], elapsedMs: number): DemoIncident[] {
  return incidents.filter((i) => i.fromMs <= elapsedMs && elapsedMs < i.toMs);
}
