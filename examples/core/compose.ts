/**
 * Policies composed with `wrap()`, the first outermost: a fallback answer, around retries, around
 * a circuit breaker, around a per-attempt timeout. A dependency that hangs costs three timed-out
 * attempts and opens the breaker; the next call gets the fallback without touching it.
 *
 *   npm run build && node dist/examples/core/compose.js
 */
import { fileURLToPath } from 'node:url';
import {
  CircuitBreaker,
  FakeClock,
  constantBackoff,
  fallback,
  retry,
  timeout,
  wrap,
} from '../../src/core/index.js';

export async function main(log: (line: string) => void = console.log) {
  const clock = new FakeClock();
  const breaker = new CircuitBreaker({ trip: { consecutive: 3 } }, { name: 'weather', clock });
  const policy = wrap(
    fallback('sunny (yesterday, cached)'),
    retry({ maxAttempts: 3, backoff: constantBackoff(100), clock }),
    breaker,
    timeout(1_000, { name: 'attempt', clock }),
  );

  let calls = 0;
  const hangingForecast = async (signal: AbortSignal): Promise<string> => {
    calls++;
    await clock.sleep(60_000, signal); // never answers in time; the timeout aborts it
    return 'rain';
  };

  const [first] = await Promise.all([policy.execute(hangingForecast), clock.tick(5_000)]);
  const callsFirst = calls;
  const second = await policy.execute(hangingForecast);
  log(`first: "${first}" after ${callsFirst} attempts; breaker ${breaker.state}`);
  log(`second: "${second}" with ${calls - callsFirst} more calls`);
  return { first, second, callsFirst, callsSecond: calls - callsFirst, state: breaker.state };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
