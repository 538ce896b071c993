/**
 * The operator states and the breaker's state as JSON: `forceOpen()` rejects everything,
 * `disable()` lets everything through (still counting), `metricsOnly()` lets everything through and
 * reports when it *would* have tripped, and `reset()` goes back to closed. `snapshot()` is plain
 * JSON that `CircuitBreaker.fromSnapshot()` restores.
 *
 *   npm run build && node dist/examples/core/operator-states.js
 */
import { fileURLToPath } from 'node:url';
import { CircuitBreaker, FORCED_OPEN_RETRY_AFTER_MS } from '../../src/core/index.js';
import type { BreakerSnapshot } from '../../src/core/index.js';

const fail = (): Promise<string> => Promise.reject(new Error('HTTP 500'));

export async function main(log: (line: string) => void = console.log) {
  const breaker = new CircuitBreaker({ trip: { consecutive: 2 } }, { name: 'search' });

  breaker.forceOpen();
  const permit = breaker.acquire();
  const forcedRetryAfterMs = permit.admitted ? 0 : permit.retryAfterMs;
  log(`forced-open: admitted=${permit.admitted}, retryAfterMs=${forcedRetryAfterMs}`);

  breaker.disable();
  for (let i = 0; i < 5; i++) await breaker.execute(fail).catch(() => undefined);
  log(`disabled after 5 failures: ${breaker.state}, ${breaker.snapshot().totals.failures} counted`);

  breaker.metricsOnly();
  const wouldTrip: string[] = [];
  breaker.onWouldTrip((event) => wouldTrip.push(event.reason));
  for (let i = 0; i < 2; i++) await breaker.execute(fail).catch(() => undefined);
  log(`metrics-only: ${breaker.state}, would have tripped: ${wouldTrip.join(', ')}`);

  breaker.reset();
  const json = JSON.stringify(breaker.snapshot());
  const restored = CircuitBreaker.fromSnapshot(JSON.parse(json) as BreakerSnapshot, {
    trip: { consecutive: 2 },
  });
  log(`after reset: ${breaker.state}; restored "${restored.name}": ${restored.state}`);
  return {
    forcedRetryAfterMs,
    isForcedMax: forcedRetryAfterMs === FORCED_OPEN_RETRY_AFTER_MS,
    wouldTrip,
    failuresCounted: breaker.snapshot().totals.failures,
    state: breaker.state,
    restored: { name: restored.name, state: restored.state },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
