/** The BENCHMARKS.md section of `npm run bench:gateway`: the table, the targets, the method. */
import { cpus } from 'node:os';

/** One server's medians over the rounds. */
export interface Row {
  readonly name: string;
  readonly jsonRps: number;
  readonly streamRps: number;
  readonly jsonCpuUs: number;
  readonly streamCpuUs: number;
  /** Median of the per-round p50 of the whole JSON answer at one connection. */
  readonly p50Ms: number;
  /** Median of the per-round p50 of the time to the first streamed chunk at one connection. */
  readonly firstChunkMs: number;
  readonly jsonRounds: readonly number[];
  readonly streamRounds: readonly number[];
}

export interface RunInfo {
  readonly started: Date;
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
  readonly rounds: number;
  readonly roundS: number;
  readonly connections: number;
  readonly latencyMs: number;
  readonly pinned: boolean;
  readonly notes: readonly string[];
}

const int = (x: number): string =>
  Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '—';
const ratio = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '—');
const ms = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)} ms` : '—');
const plusMs = (x: number): string =>
  Number.isFinite(x) ? `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)} ms` : '—';
const load = (l: readonly number[]): string => l.map((x) => x.toFixed(2)).join(' / ');

export function renderReport(rows: readonly Row[], run: RunInfo): string {
  const bare = rows.find((r) => r.name === 'bare');
  const bb = rows.find((r) => r.name === 'breakerbox');
  const portkey = rows.find((r) => r.name.startsWith('Portkey'));
  if (bare === undefined || bb === undefined)
    throw new Error('bare and breakerbox rows are required');
  const cpu = cpus();
  const lines: string[] = [
    '## Gateway: breakerbox serve vs a bare undici proxy and Portkey (`npm run bench:gateway`)',
    '',
    `Run ${run.started.toISOString().slice(0, 16).replace('T', ' ')} UTC, Node ${process.version}, ` +
      `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}; load average ${load(run.loadBefore)} ` +
      `before, ${load(run.loadAfter)} after (1 / 5 / 15 min). ` +
      `${run.connections} keep-alive connections (autocannon), ${run.rounds} interleaved rounds of ${run.roundS} s per server and mode, ` +
      `medians shown. ${run.pinned ? 'Load generator and mock upstream pinned to core 0, the server under test to core 1 (`taskset`).' : 'Not pinned.'}`,
    '',
    '| server | JSON req/s | × bare | × Portkey | stream req/s | × bare | × Portkey | CPU µs/req JSON | × bare | CPU µs/req stream | × bare | p50 at 1 conn | over bare | first chunk at 1 conn | over bare |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const r of rows) {
    const isBare = r === bare;
    lines.push(
      `| ${r.name === 'bare' ? 'bare undici@7 pass-through proxy (the floor)' : r.name === 'breakerbox' ? '**breakerbox serve**' : `@portkey-ai/gateway ${r.name.slice(8)}`} ` +
        `| ${int(r.jsonRps)} | ${ratio(r.jsonRps / bare.jsonRps)} | ${portkey ? ratio(r.jsonRps / portkey.jsonRps) : '—'} ` +
        `| ${int(r.streamRps)} | ${ratio(r.streamRps / bare.streamRps)} | ${portkey ? ratio(r.streamRps / portkey.streamRps) : '—'} ` +
        `| ${int(r.jsonCpuUs)} | ${ratio(r.jsonCpuUs / bare.jsonCpuUs)} | ${int(r.streamCpuUs)} | ${ratio(r.streamCpuUs / bare.streamCpuUs)} ` +
        `| ${ms(r.p50Ms)} | ${isBare ? '—' : plusMs(r.p50Ms - bare.p50Ms)} | ${ms(r.firstChunkMs)} | ${isBare ? '—' : plusMs(r.firstChunkMs - bare.firstChunkMs)} |`,
    );
  }
  const targets: [string, string, boolean | undefined][] = [
    [
      'JSON throughput ≥ 0.80× bare',
      ratio(bb.jsonRps / bare.jsonRps),
      bb.jsonRps >= 0.8 * bare.jsonRps,
    ],
    [
      'stream throughput ≥ 0.80× bare',
      ratio(bb.streamRps / bare.streamRps),
      bb.streamRps >= 0.8 * bare.streamRps,
    ],
    [
      'JSON throughput ≥ 6× Portkey',
      portkey ? ratio(bb.jsonRps / portkey.jsonRps) : 'no Portkey row',
      portkey ? bb.jsonRps >= 6 * portkey.jsonRps : undefined,
    ],
    [
      'stream throughput ≥ 6× Portkey',
      portkey ? ratio(bb.streamRps / portkey.streamRps) : 'no Portkey row',
      portkey ? bb.streamRps >= 6 * portkey.streamRps : undefined,
    ],
    [
      'CPU per request (JSON) ≤ 1.3× bare',
      ratio(bb.jsonCpuUs / bare.jsonCpuUs),
      bb.jsonCpuUs <= 1.3 * bare.jsonCpuUs,
    ],
    [
      'CPU per request (stream) ≤ 1.3× bare',
      ratio(bb.streamCpuUs / bare.streamCpuUs),
      bb.streamCpuUs <= 1.3 * bare.streamCpuUs,
    ],
    [
      'p50 at 1 connection ≤ +0.2 ms over bare',
      plusMs(bb.p50Ms - bare.p50Ms),
      bb.p50Ms - bare.p50Ms <= 0.2,
    ],
    [
      'first streamed chunk at 1 connection ≤ +0.5 ms over bare',
      plusMs(bb.firstChunkMs - bare.firstChunkMs),
      bb.firstChunkMs - bare.firstChunkMs <= 0.5,
    ],
  ];
  lines.push('', '### Targets (same run)', '', '| target | measured | |', '|---|--:|---|');
  for (const [what, measured, ok] of targets) {
    lines.push(
      `| ${what} | ${measured} | ${ok === undefined ? 'not measured' : ok ? '**PASS**' : '**MISS**'} |`,
    );
  }
  const misses = targets.filter(([, , ok]) => ok === false);
  lines.push('');
  for (const [what, measured] of misses) lines.push(`MISS: ${what} — measured ${measured}.`, '');
  if (misses.length === 0) lines.push('Every target measured holds in this run.', '');
  lines.push(
    '### Per round (req/s, in the order run)',
    '',
    ...rows.map(
      (r) =>
        `- ${r.name}: JSON ${r.jsonRounds.map(int).join(', ')}; stream ${r.streamRounds.map(int).join(', ')}`,
    ),
    '',
    '### Method',
    '',
    '- Mock upstream: answers at once, JSON (one completion) or SSE (role, 20 content chunks, a finish chunk with usage, `[DONE]`) on loopback. Every server forwards to it over keep-alive.',
    "- The floor reads the body, forwards it with an undici@7 `Pool` and writes the answer's chunks to the client with backpressure. breakerbox runs `breakerbox serve` with its defaults: an info access-log line per request (to a file), metrics, accounting and breakers on.",
    `- Throughput: autocannon, ${run.connections} connections, each server and mode once per round in a shuffled order. CPU µs per request: the server process's user + system time (\`/proc/<pid>/stat\`) over the round, divided by its completed requests.`,
    `- Latency: one keep-alive connection per server, one request at a time, the servers taken in turn request by request (so a drifting load hits each alike) for ${run.latencyMs} ms per server and mode each round (undici \`Client\`, \`process.hrtime\`): p50 of the whole JSON answer, and p50 of the time to the first body chunk of a stream; the median over the rounds is shown.`,
    '- Portkey is installed on demand outside the package with `@hono/node-server` pinned to 1.13.8 (`overrides`), bound to 127.0.0.1 by a preload, routed to the mock with `x-portkey-provider: openai` and `x-portkey-custom-host`.',
  );
  const busiest = Math.max(run.loadBefore[0] ?? 0, run.loadAfter[0] ?? 0);
  if (busiest > cpu.length / 2) {
    lines.push(
      `- Note: the load average reached ${busiest.toFixed(1)} on ${cpu.length} cores: other processes competed for the cores during this run, so absolute figures are low and ratios noisy. Re-run on a quiet machine before drawing conclusions.`,
    );
  }
  for (const n of new Set(run.notes)) lines.push(`- Note: ${n}`);
  return lines.join('\n');
}
