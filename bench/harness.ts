/**
 * A small benchmark harness: interleaved rounds (every contender runs once per round, in a
 * shuffled order, so drift in a noisy 2-core machine hits everyone alike) and the median of the
 * rounds. Results are ratios against each other; absolute numbers only indicate.
 */
import { writeFileSync, readFileSync, existsSync } from 'node:fs';

/** One contender: an async function run `ops` times per round. */
export interface Contender {
  readonly name: string;
  /** Runs the operation `ops` times. */
  readonly run: (ops: number) => Promise<void>;
  /**
   * Operations per round (and in the warm-up) for this contender, overriding the options: for a
   * contender so slow that the common count would not fit the time budget.
   */
  readonly ops?: number;
  /** Runs untimed before every run (warm-up included): e.g. a fresh instance per round. */
  readonly setup?: () => void | Promise<void>;
}

/** Median of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function shuffle<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Options of {@link compare} and {@link compareSamples}. */
export interface CompareOptions {
  /** Operations per round, unless a contender sets its own. */
  ops: number;
  /** Timed rounds; every contender runs once per round. */
  rounds: number;
  /** Operations of the untimed warm-up run. @default ops */
  warmupOps?: number;
}

/** Runs interleaved rounds and returns every round's ns per op of each contender. */
export async function compareSamples(
  contenders: readonly Contender[],
  options: CompareOptions,
): Promise<Map<string, number[]>> {
  for (const c of contenders) {
    await c.setup?.();
    await c.run(c.ops ?? options.warmupOps ?? options.ops);
  }
  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let r = 0; r < options.rounds; r++) {
    for (const c of shuffle(contenders)) {
      const ops = c.ops ?? options.ops;
      await c.setup?.();
      const start = process.hrtime.bigint();
      await c.run(ops);
      const ns = Number(process.hrtime.bigint() - start) / ops;
      samples.get(c.name)?.push(ns);
    }
  }
  return samples;
}

/** Runs interleaved rounds and returns the median ns per op of each contender. */
export async function compare(
  contenders: readonly Contender[],
  options: CompareOptions,
): Promise<Map<string, number>> {
  const samples = await compareSamples(contenders, options);
  return new Map([...samples].map(([name, s]) => [name, median(s)]));
}

/** Formats ns for a table: `57 ns`, `1.3 µs`, `44 µs`, `9.1 ms`. */
export function formatNs(ns: number): string {
  if (ns < 1_000) return `${ns.toFixed(0)} ns`;
  if (ns < 1_000_000) return `${(ns / 1_000).toFixed(ns < 10_000 ? 2 : 1)} µs`;
  return `${(ns / 1_000_000).toFixed(2)} ms`;
}

/**
 * Replaces the section between `<!-- name:start -->` and `<!-- name:end -->` in BENCHMARKS.md
 * (creating the file or the section), so each benchmark owns its part of the file.
 */
export function writeSection(name: string, markdown: string, file = 'BENCHMARKS.md'): void {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  let text = existsSync(file)
    ? readFileSync(file, 'utf8')
    : '# breakerbox benchmarks\n\nWritten by `npm run bench`. Ratios matter; absolute times are from a noisy 2-core machine.\n';
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  text =
    i >= 0 && j > i
      ? text.slice(0, i) + block + text.slice(j + end.length)
      : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, text);
}
