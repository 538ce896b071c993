/**
 * Memory and CPU of idle breakers: build `count` breakers of one kind, call each once (so lazily
 * built parts exist), collect garbage, and read heap + external memory before and after; then
 * leave them alone for `idleMs` and read the process's CPU time. Needs `--expose-gc`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { IdleSubject, Library } from './rows.js';

/** What {@link measureIdle} found for one subject. */
export interface IdleResult {
  readonly label: string;
  readonly library: Library;
  /** (heapUsed + external) growth per breaker, bytes. */
  readonly bytesPerBreaker: number;
  /** CPU time over wall time while idle, in cores (0.01 = 1 % of one core). */
  readonly idleCores: number;
}

/** {@link measureIdle}'s results and the idle CPU of the process with no breakers. */
export interface IdleReport {
  readonly baselineCores: number;
  readonly results: readonly IdleResult[];
  readonly count: number;
  readonly idleMs: number;
}

async function settle(): Promise<void> {
  const gc = globalThis.gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  for (let i = 0; i < 3; i++) {
    gc();
    // Let weak callbacks and finalizers run between collections.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

function memoryBytes(): number {
  const m = process.memoryUsage();
  // Small typed arrays live on the V8 heap; larger ones keep their bytes outside it (external).
  return m.heapUsed + m.external;
}

/** CPU cores the process used over `idleMs` of doing nothing. */
async function idleCores(idleMs: number): Promise<number> {
  const startCpu = process.cpuUsage();
  const startMs = performance.now();
  await sleep(idleMs);
  const used = process.cpuUsage(startCpu);
  return (used.user + used.system) / 1_000 / (performance.now() - startMs);
}

async function measureOne(
  subject: IdleSubject,
  count: number,
  idleMs: number,
): Promise<IdleResult> {
  // Warm-up: compile the construction and call paths before the baseline is read.
  for (let i = 0; i < 100; i++) subject.dispose?.(await subject.make());
  const keep: unknown[] = new Array<unknown>(count).fill(null);
  await settle();
  const before = memoryBytes();
  for (let i = 0; i < count; i++) keep[i] = await subject.make();
  await settle();
  const bytesPerBreaker = (memoryBytes() - before) / count;
  const cores = await idleCores(idleMs);
  for (const made of keep) subject.dispose?.(made);
  keep.fill(null);
  await settle();
  return { label: subject.label, library: subject.library, bytesPerBreaker, idleCores: cores };
}

/** Measures every subject in turn, after the idle CPU of the process alone. */
export async function measureIdle(
  subjects: readonly IdleSubject[],
  options: { count: number; idleMs: number },
): Promise<IdleReport> {
  await settle();
  const baselineCores = await idleCores(options.idleMs);
  const results: IdleResult[] = [];
  for (const subject of subjects) {
    results.push(await measureOne(subject, options.count, options.idleMs));
  }
  return { baselineCores, results, count: options.count, idleMs: options.idleMs };
}
