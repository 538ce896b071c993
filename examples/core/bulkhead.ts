/**
 * A bulkhead: at most two calls at once, one waiting in line, the rest refused at once with
 * `BulkheadFullError` (rather than piling up behind a slow dependency).
 *
 *   npm run build && node dist/examples/core/bulkhead.js
 */
import { fileURLToPath } from 'node:url';
import { FakeClock, bulkhead } from '../../src/core/index.js';

export async function main(log: (line: string) => void = console.log) {
  const clock = new FakeClock();
  const limit = bulkhead({ maxConcurrent: 2, maxQueue: 1, queueTimeoutMs: 5_000, clock });

  // Four calls of 1 s each arrive together.
  const job = (n: number) => async (signal: AbortSignal) => {
    await clock.sleep(1_000, signal);
    return `job ${n} done at ${clock.now()} ms`;
  };
  const calls = [1, 2, 3, 4].map((n) =>
    limit.execute(job(n)).catch((error: unknown) => `job ${n}: ${String(error)}`),
  );
  await clock.tick(0);
  const atStart = { active: limit.active, queued: limit.queued };
  await clock.tick(2_000);
  const results = await Promise.all(calls);
  for (const line of results) log(line);
  return { atStart, results };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
