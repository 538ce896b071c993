/**
 * The batch soak: `breakerbox batch` over an N-line JSONL input against a simulator in this
 * process, SIGKILLed at seeded random points and resumed each time by running the same command
 * again (docs/batch.md, "Exactly once, and resuming"); then the output is checked line by line
 * and the simulator's call count against what the resume contract allows.
 */
import {
  createWriteStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator } from '../src/sim/index.js';
import { mulberry32 } from '../src/sim/prng.js';
import { BIN, peakRss, startNode, stopChild } from './soak-proc.js';
import type { Child } from './soak-proc.js';

export interface BatchSoakOptions {
  readonly lines: number;
  readonly kills: number;
  /** `--concurrency` of the runner. @default 64 */
  readonly concurrency?: number;
  readonly seed?: number;
  /** Longest one segment (one run of the command) may take, ms. @default 600000 */
  readonly segmentTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

/** One run of the command, from its start to its SIGKILL or its exit. */
export interface Segment {
  /** The simulator's call count at which it was killed (undefined: ran to the end). */
  readonly killAtCalls: number | undefined;
  /** Calls the simulator received during this segment. */
  readonly calls: number;
  /** Complete result lines in the output and error files when it ended. */
  readonly resultsAfter: number;
  /** Peak RSS of the runner (VmHWM), bytes. */
  readonly peakRss: number;
  readonly ms: number;
  readonly exit: { code: number | null; signal: NodeJS.Signals | null };
}

export interface BatchSoakResult {
  readonly options: BatchSoakOptions;
  readonly concurrency: number;
  readonly segments: readonly Segment[];
  readonly elapsedMs: number;
  /** Input lines without a result in the output or error file. */
  readonly lost: number;
  /** Result lines beyond the first for the same custom_id. */
  readonly duplicated: number;
  /** Results that are not a 200 (or whose `id` does not carry the custom_id's line number). */
  readonly notOk: number;
  readonly mismatched: number;
  /** Calls the simulator received in all. */
  readonly calls: number;
  /** Lines sent to the provider more than once: calls − lines. */
  readonly redone: number;
  /** What the contract allows: the lines in flight at each kill (kills × concurrency). */
  readonly redoneAllowed: number;
  /** The last run's report: lines skipped as done + lines run. */
  readonly finalReport: { skippedDone: number; succeeded: number; failed: number } | undefined;
}

const MODEL = 'gpt-4.1';

async function writeInput(file: string, lines: number): Promise<void> {
  const out = createWriteStream(file);
  for (let i = 0; i < lines; i++) {
    const line = JSON.stringify({
      custom_id: `line-${i}`,
      method: 'POST',
      url: '/v1/chat/completions',
      body: { model: MODEL, messages: [{ role: 'user', content: `batch soak line ${i}` }] },
    });
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** The calls at which to kill: one point in each of `kills` equal strata of 5–95 % of the lines. */
export function killPoints(lines: number, kills: number, seed: number): number[] {
  const random = mulberry32(seed);
  const span = (0.9 * lines) / kills;
  return Array.from({ length: kills }, (_, k) =>
    Math.floor(0.05 * lines + span * (k + 0.1 + 0.8 * random())),
  );
}

function countLines(file: string): number {
  if (!existsSync(file)) return 0;
  const text = readFileSync(file);
  let n = 0;
  for (const byte of text) if (byte === 10) n++;
  return n;
}

export async function runBatchSoak(options: BatchSoakOptions): Promise<BatchSoakResult> {
  const log = options.log ?? (() => {});
  const concurrency = options.concurrency ?? 64;
  const segmentTimeoutMs = options.segmentTimeoutMs ?? 600_000;
  const began = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'breakerbox-batch-soak-'));
  const sim = await startSimulator({ seed: 21 });
  let running: Child | undefined;
  try {
    const input = join(dir, 'input.jsonl');
    const output = join(dir, 'results.jsonl');
    const errors = join(dir, 'errors.jsonl');
    const config = join(dir, 'batch.yaml');
    await writeInput(input, options.lines);
    writeFileSync(
      config,
      `providers:\n  sim: { baseURL: '${sim.url}', apiKey: sk-soak-not-a-secret }\n` +
        `models:\n  ${MODEL}:\n    deployments: [{ provider: sim }]\n`,
    );
    const points = killPoints(options.lines, options.kills, options.seed ?? 1);
    log(`${options.lines} lines in ${dir}; kills at calls ${points.join(', ')}`);
    const segments: Segment[] = [];
    for (let s = 0; s <= points.length; s++) {
      const killAt = points[s];
      const report = join(dir, `report-${s}.json`);
      const callsBefore = sim.calls();
      const started = performance.now();
      const child = startNode(
        [BIN, 'batch', input, '--output', output, '--errors', errors, '--config', config].concat([
          '--concurrency',
          String(concurrency),
          '--report',
          report,
        ]),
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      running = child;
      let tail = '';
      const keep = (d: Buffer): void => void (tail = (tail + d.toString()).slice(-4000));
      child.proc.stdout?.on('data', keep);
      child.proc.stderr?.on('data', keep);
      let peak = 0;
      for (;;) {
        peak = Math.max(peak, peakRss(child.pid) ?? 0);
        if (child.done) break;
        if (killAt !== undefined && sim.calls() >= killAt) {
          peak = Math.max(peak, peakRss(child.pid) ?? 0);
          process.kill(child.pid, 'SIGKILL');
          break;
        }
        if (performance.now() - started > segmentTimeoutMs) {
          await stopChild(child, 'SIGKILL');
          throw new Error(`segment ${s} took over ${segmentTimeoutMs} ms: ${tail}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      const exit = await child.exited;
      running = undefined;
      const segment: Segment = {
        killAtCalls: killAt,
        calls: sim.calls() - callsBefore,
        resultsAfter: countLines(output) + countLines(errors),
        peakRss: peak,
        ms: performance.now() - started,
        exit,
      };
      segments.push(segment);
      log(
        `segment ${s + 1}: ${segment.calls} calls, ${segment.resultsAfter} results, peak RSS ${(peak / 1048576).toFixed(1)} MB, ${(segment.ms / 1000).toFixed(1)} s, exit ${exit.signal ?? exit.code}`,
      );
      if (killAt === undefined && exit.code !== 0) {
        throw new Error(`the last run exited ${String(exit.code)}: ${tail}`);
      }
    }
    const checked = checkResults([output, errors], options.lines);
    const finalReport = readReport(join(dir, `report-${points.length}.json`));
    const calls = sim.calls();
    return {
      options,
      concurrency,
      segments,
      elapsedMs: performance.now() - began,
      ...checked,
      calls,
      redone: calls - options.lines,
      redoneAllowed: options.kills * concurrency,
      finalReport,
    };
  } finally {
    if (running !== undefined) await stopChild(running, 'SIGKILL');
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Joins the result files on custom_id: lost, duplicated, non-200 and mislabelled lines. */
function checkResults(
  files: readonly string[],
  lines: number,
): { lost: number; duplicated: number; notOk: number; mismatched: number } {
  const seen = new Uint8Array(lines);
  let duplicated = 0;
  let notOk = 0;
  let mismatched = 0;
  for (const file of files) {
    if (!existsSync(file)) continue;
    for (const text of readFileSync(file, 'utf8').split('\n')) {
      if (text === '') continue;
      const r = JSON.parse(text) as {
        id: string;
        custom_id: string | null;
        response: { status_code: number } | null;
      };
      const i = Number(/^line-(\d+)$/.exec(r.custom_id ?? '')?.[1] ?? Number.NaN);
      if (!Number.isInteger(i) || i < 0 || i >= lines || !r.id.endsWith(`_${i + 1}`)) {
        mismatched += 1;
        continue;
      }
      if (seen[i] === 1) duplicated += 1;
      seen[i] = 1;
      if (r.response?.status_code !== 200) notOk += 1;
    }
  }
  let lost = 0;
  for (const s of seen) if (s === 0) lost += 1;
  return { lost, duplicated, notOk, mismatched };
}

function readReport(file: string): BatchSoakResult['finalReport'] {
  if (!existsSync(file)) return undefined;
  const r = JSON.parse(readFileSync(file, 'utf8')) as {
    lines: { skippedDone: number; succeeded: number; failed: number };
  };
  return { skippedDone: r.lines.skippedDone, succeeded: r.lines.succeeded, failed: r.lines.failed };
}
