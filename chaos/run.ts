/**
 * `npm run chaos`: the outage scenarios through `breakerbox serve`, one row each, written to the
 * `chaos` section of RELIABILITY.md.
 *
 *   npm run chaos -- [--only <name,...>] [--requests N] [--concurrency N] [--out FILE]
 *
 * Loopback only; every scenario has its own time limit (a FAIL row past it, never a hang), every
 * process it starts is stopped by PID.
 */
import { parseArgs } from 'node:util';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killAllGateways } from './gateway-process.js';
import { ArrivalLog, OPEN_GRACE_MS } from './measure.js';
import { writeSection, RELIABILITY_FILE } from './report.js';
import { brokenRow, renderRows, verdict } from './row.js';
import type { Row } from './row.js';
import { SCENARIOS } from './scenarios.js';
import type { Scenario } from './scenarios.js';

/** Each scenario's own limit: past it, the row is a FAIL and its processes are killed. */
const SCENARIO_LIMIT_MS = 90_000;

export interface ChaosOptions {
  readonly only?: readonly string[];
  readonly requests: number;
  readonly concurrency: number;
  /** Write the section to this file; undefined: do not write. */
  readonly out?: string;
  readonly log?: (line: string) => void;
}

function selected(only: readonly string[] | undefined): Scenario[] {
  if (only === undefined || only.length === 0) return [...SCENARIOS];
  const wanted = only.map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  const picked = SCENARIOS.filter((s) => wanted.some((w) => s.name.toLowerCase().includes(w)));
  if (picked.length === 0) {
    throw new Error(
      `--only ${only.join(',')}: no scenario matches; scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}`,
    );
  }
  return picked;
}

async function runOne(
  scenario: Scenario,
  options: ChaosOptions,
  arrivals: ArrivalLog,
): Promise<Row> {
  const began = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<Row>((resolve) => {
    timer = setTimeout(() => {
      killAllGateways();
      resolve(
        brokenRow(scenario.name, `over its ${SCENARIO_LIMIT_MS / 1000} s limit`, SCENARIO_LIMIT_MS),
      );
    }, SCENARIO_LIMIT_MS);
  });
  const run = scenario
    .run({
      requests: options.requests,
      concurrency: options.concurrency,
      arrivals,
      stopAt: began + SCENARIO_LIMIT_MS / 2,
    })
    .catch((error: unknown) =>
      brokenRow(
        scenario.name,
        `harness error: ${String(error).slice(0, 200)}`,
        performance.now() - began,
      ),
    );
  try {
    return await Promise.race([run, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the scenarios in order; returns their rows (and writes the section when `out` is set). */
export async function runChaos(options: ChaosOptions): Promise<Row[]> {
  const log =
    options.log ??
    ((line: string) => {
      console.log(line);
    });
  const arrivals = new ArrivalLog();
  const rows: Row[] = [];
  const began = performance.now();
  const loadBefore = loadavg();
  try {
    for (const scenario of selected(options.only)) {
      log(`chaos: ${scenario.name} …`);
      const row = await runOne(scenario, options, arrivals);
      const why = verdict(row);
      log(
        `chaos: ${scenario.name}: ${why.length === 0 ? 'PASS' : `FAIL (${why.join('; ')})`} in ${(row.durationMs / 1000).toFixed(1)} s`,
      );
      rows.push(row);
    }
  } finally {
    arrivals.close();
    killAllGateways();
  }
  const totalS = (performance.now() - began) / 1000;
  const load = `load average ${fmtLoad(loadBefore)} before, ${fmtLoad(loadavg())} after (1 / 5 / 15 min)`;
  if (options.out !== undefined) {
    writeSection('chaos', render(rows, options, totalS, load), options.out);
  }
  return rows;
}

const fmtLoad = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' / ');

function render(rows: readonly Row[], options: ChaosOptions, totalS: number, load: string): string {
  const passed = rows.filter((r) => verdict(r).length === 0).length;
  return `## Chaos: outage scenarios

\`npm run chaos\` (${options.requests} requests per scenario at concurrency ${options.concurrency},
half JSON and half streams unless the scenario is about streams; ${rows.length} scenarios in
${totalS.toFixed(0)} s on ${cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC;
${load}).
**${passed} of ${rows.length} pass.** What each column means, and how each scenario is set up:
[docs/reliability.md](docs/reliability.md). A call counts as reaching an open breaker when it
arrived at the simulator more than ${OPEN_GRACE_MS} ms after the gateway logged the opening and
before it logged the next transition.

${renderRows(rows)}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      requests: { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '20' },
      out: { type: 'string', default: RELIABILITY_FILE },
    },
  });
  const requests = Number(values.requests);
  const concurrency = Number(values.concurrency);
  if (
    !Number.isInteger(requests) ||
    requests < 1 ||
    !Number.isInteger(concurrency) ||
    concurrency < 1
  ) {
    console.error('--requests and --concurrency take positive integers');
    process.exit(2);
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAllGateways();
      process.exit(130);
    });
  }
  const rows = await runChaos({
    ...(values.only !== undefined && { only: values.only.split(',') }),
    requests,
    concurrency,
    out: values.out,
  });
  console.log(`chaos: wrote the chaos section of ${values.out}`);
  process.exit(rows.every((r) => verdict(r).length === 0) ? 0 : 1);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
