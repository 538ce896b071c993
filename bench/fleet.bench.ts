/**
 * What sharing state through Redis costs a replica: the same engine, the same simulator on
 * loopback, with breaker state in memory, in Redis (closed breakers: no round trip), and in Redis
 * with a shared rpm limit (one round trip per request). Rounds are interleaved; each reports
 * requests per second at 20 concurrent requests and the Redis commands each request added
 * (INFO's `total_commands_processed`, so the periodic sync is counted too).
 *
 *   npm run bench:fleet          (needs Redis at BREAKERBOX_BENCH_REDIS_URL or 127.0.0.1:6379)
 */
import { cpus, loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { createBreakerbox } from '../src/index.js';
import type { Breakerbox, ConfigInput } from '../src/index.js';
import { startSimulator } from '../src/sim/index.js';
import { median, writeSection } from './harness.js';

const URL = process.env.BREAKERBOX_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const REQUESTS = 2000;
const CONCURRENCY = 20;

const redis = new Redis(URL, { maxRetriesPerRequest: 0, connectTimeout: 2000 });
try {
  await redis.ping();
} catch (error) {
  console.error(`bench:fleet needs Redis at ${URL}: ${(error as Error).message}`);
  process.exit(1);
}

const sim = await startSimulator({ host: '127.0.0.1', port: 0 });
const prefix = `bbbench:${process.pid}:`;

function engine(store: 'memory' | 'redis', rpm?: number): Breakerbox {
  return createBreakerbox({
    providers: { sim: { baseURL: sim.url, apiKey: 'bench' } },
    models: {
      m: { deployments: [{ provider: 'sim', model: 'm', ...(rpm !== undefined && { rpm }) }] },
    },
    retry: { attempts: 0 },
    state: { store, url: URL, keyPrefix: prefix },
  } satisfies ConfigInput);
}

const contenders: { name: string; bb: Breakerbox }[] = [
  { name: 'memory store', bb: engine('memory') },
  { name: 'Redis store, closed breakers', bb: engine('redis') },
  { name: 'Redis store + shared rpm limit', bb: engine('redis', 1e9) },
];
for (const c of contenders) await c.bb.stateStore?.whenShared();

const ask = { model: 'm', messages: [{ role: 'user' as const, content: 'hello' }] };

async function round(bb: Breakerbox): Promise<{ rps: number; commands: number; scripts: number }> {
  const before = await commandsProcessed();
  const scriptsBefore = await scriptCalls();
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < REQUESTS) await bb.chat(ask);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  // The two INFO commands of this measurement are counted too: take them off.
  const commands = (await commandsProcessed()) - before - 2;
  const scripts = (await scriptCalls()) - scriptsBefore;
  return { rps: REQUESTS / seconds, commands: commands / REQUESTS, scripts: scripts / REQUESTS };
}

/** EVALSHA and EVAL calls so far: one network round trip each. */
async function scriptCalls(): Promise<number> {
  const info = await redis.info('commandstats');
  let calls = 0;
  for (const m of info.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)) calls += Number(m[1]);
  return calls;
}

async function commandsProcessed(): Promise<number> {
  const info = await redis.info('stats');
  return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? NaN);
}

// Warm-up, then interleaved rounds.
for (const c of contenders) await round(c.bb);
const samples = new Map(
  contenders.map((c) => [
    c.name,
    { rps: [] as number[], cmds: [] as number[], scripts: [] as number[] },
  ]),
);
for (let r = 0; r < ROUNDS; r++) {
  for (const c of contenders) {
    const s = await round(c.bb);
    samples.get(c.name)?.rps.push(s.rps);
    samples.get(c.name)?.cmds.push(s.commands);
    samples.get(c.name)?.scripts.push(s.scripts);
  }
}

const base = median(samples.get('memory store')?.rps ?? []);
const rows = contenders.map((c) => {
  const s = samples.get(c.name) ?? { rps: [], cmds: [], scripts: [] };
  const rps = median(s.rps);
  return `| ${c.name} | ${rps.toFixed(0)} | ${(rps / base).toFixed(2)}× | ${median(s.scripts).toFixed(2)} | ${median(s.cmds).toFixed(2)} |`;
});
const markdown = [
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load ${loadavg()[0]?.toFixed(2)}; Node ${process.version}; Redis on loopback. ${ROUNDS} interleaved rounds of ${REQUESTS} chat requests at ${CONCURRENCY} concurrent, engine → simulator on loopback; medians.`,
  '',
  '| state | req/s | × memory | scripts (round trips) / request | commands run in Redis / request |',
  '|---|--:|--:|--:|--:|',
  ...rows,
  '',
  'Target: the Redis store ≥ 0.9× the memory store. A closed breaker decides without Redis; a shared rpm/tpm limit costs one atomic script per request (TIME, HMGET, HSET and PEXPIRE inside it). The periodic sync (every `syncMs`, one pipeline per replica) is counted too, and every engine of the run syncs while the others are measured.',
].join('\n');
writeSection('Fleet: Redis state store vs memory (`npm run bench:fleet`)', markdown);
console.log(markdown);

await Promise.all(contenders.map((c) => c.bb.close()));
await sim.close();
const keys = await redis.keys(`${prefix}*`);
if (keys.length > 0) await redis.del(...keys);
redis.disconnect();
