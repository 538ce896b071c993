/**
 * Time limits that stop the work they give up on: a `timeout()` per call, and one `Deadline` over
 * a whole operation that retries never sleep past.
 *
 *   npm run build && node dist/examples/core/timeout-deadline.js
 */
import { fileURLToPath } from 'node:url';
import {
  Deadline,
  FakeClock,
  TimeoutError,
  constantBackoff,
  retry,
  timeout,
} from '../../src/core/index.js';

export async function main(log: (line: string) => void = console.log) {
  const clock = new FakeClock();

  // A search that would take 5 s, given 2 s. Its signal aborts when the time is up.
  let workSignal: AbortSignal | undefined;
  const search = timeout(2_000, { name: 'search', clock }).execute(async (signal) => {
    workSignal = signal;
    await clock.sleep(5_000, signal); // any signal-aware work: fetch(url, { signal }), ...
    return 'results';
  });
  const [timedOut] = await Promise.all([
    search.catch((error: unknown) => error),
    clock.tick(2_000),
  ]);
  const timer = timedOut instanceof TimeoutError ? timedOut.timer : 'none';
  log(`${String(timedOut)}; the work was aborted: ${String(workSignal?.aborted)}`);

  // One deadline of 10 s over every attempt: with 4 s between attempts, a third attempt starts
  // at 8 s, and the retry gives up then rather than sleep to 12 s.
  const startMs = clock.now();
  const deadline = new Deadline({ budgetMs: 10_000, clock });
  const policy = retry({ maxAttempts: 10, backoff: constantBackoff(4_000), clock });
  let attempts = 0;
  const flaky = policy.execute(() => {
    attempts++;
    return Promise.reject(new TimeoutError('attempt', 1_000));
  }, deadline);
  let gaveUpAfterMs = -1;
  const [lastError] = await Promise.all([
    flaky.catch((error: unknown) => {
      gaveUpAfterMs = clock.now() - startMs;
      return error;
    }),
    clock.tick(10_000),
  ]);
  deadline.dispose();
  log(`gave up after ${attempts} attempts, at ${gaveUpAfterMs} ms: ${String(lastError)}`);
  return { timer, workAborted: workSignal?.aborted, attempts, gaveUpAfterMs };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
