/**
 * What an opossum breaker becomes in breakerbox/core (docs/migrating.md shows both side by side):
 * a failure-rate breaker with a fixed 30 s reset, a 3 s timeout and a fallback. A hung call times
 * out and counts as a failure; at 50 % failures over 10 calls the breaker opens; calls are then
 * refused without running and get the fallback; after the open period one trial call closes it.
 *
 *   npm run build && node dist/examples/migrating/from-opossum.js
 *
 * A FakeClock stands in for the waiting; in production, leave `clock` out.
 */
import { fileURLToPath } from 'node:url';
import { CircuitBreaker, FakeClock, fallback, timeout, wrap } from '../../src/core/index.js';

export async function main(log: (line: string) => void = console.log) {
  const clock = new FakeClock();
  let mode: 'hang' | 'fail' | 'ok' = 'hang';
  let calls = 0;
  const callApi = async (signal: AbortSignal): Promise<string> => {
    calls++;
    if (mode === 'hang') await clock.sleep(60_000, signal); // aborted by the timeout
    if (mode !== 'ok') throw new Error('HTTP 503');
    return 'fresh stock';
  };

  const breaker = new CircuitBreaker(
    {
      trip: {
        rate: {
          window: { type: 'time', sizeMs: 10_000, buckets: 10 }, // rollingCountTimeout, -Buckets
          minCalls: 10, // volumeThreshold
          failureRate: 0.5, // errorThresholdPercentage: 50
        },
      },
      openMs: 30_000, // resetTimeout
      backoffMultiplier: 1, // a fixed open period, as opossum's...
      jitterRatio: 0, // ...with no random spread
      halfOpen: { probes: 1, successes: 1 }, // one trial call; its success closes
    },
    { name: 'inventory', clock },
  );
  const events: string[] = [];
  breaker.onTransition((t) => events.push(`${t.from} -> ${t.to}`)); // on('open' | 'halfOpen' | 'close')
  let rejections = 0;
  breaker.onRejection(() => rejections++); // on('reject')

  // opossum's `timeout` and `fallback()`: policies wrapped around the breaker, outermost first.
  const inventory = wrap(fallback('cached stock'), breaker, timeout(3_000, { clock }));

  // breaker.fire() becomes inventory.execute(callApi).
  const [timedOut] = await Promise.all([inventory.execute(callApi), clock.tick(3_000)]);
  mode = 'fail';
  for (let i = 0; i < 9; i++) await inventory.execute(callApi);
  const stateAfterFailures = breaker.state; // 'open': 10 calls, 100 % failed
  const callsBefore = calls;
  const whileOpen = await inventory.execute(callApi); // refused: callApi does not run
  const callsWhileOpen = calls - callsBefore;

  clock.advance(30_000);
  mode = 'ok';
  const afterReset = await inventory.execute(callApi); // the trial call succeeds: closed
  log(`${timedOut} / ${whileOpen} / ${afterReset}; ${events.join(', ')}`);
  return {
    timedOut,
    stateAfterFailures,
    whileOpen,
    callsWhileOpen,
    rejections,
    afterReset,
    events,
    state: breaker.state,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
