/**
 * Testing time-dependent code with a FakeClock: time moves only when told. `advance(ms)` fires due
 * timers synchronously; `tick(ms)` also lets promise callbacks run after each timer, so chains of
 * `await clock.sleep()` (a retry's backoff) settle as they would in real time.
 *
 *   npm run build && node dist/examples/core/testing.js
 */
import { fileURLToPath } from 'node:url';
import { FakeClock, constantBackoff, retry } from '../../src/core/index.js';

export async function main(log: (line: string) => void = console.log) {
  const clock = new FakeClock();
  const policy = retry({ backoff: constantBackoff(250), shouldRetry: () => true, clock });
  let calls = 0;
  const result = policy.execute(() => {
    calls++;
    return calls === 1 ? Promise.reject(new Error('flaky')) : Promise.resolve('ok');
  });

  await clock.tick(249);
  const callsAt249Ms = calls; // still waiting out the backoff
  await clock.tick(1);
  const callsAt250Ms = calls; // the retry ran at exactly 250 ms
  const value = await result;
  log(`calls at 249 ms: ${callsAt249Ms}; at 250 ms: ${callsAt250Ms}; result: ${value}`);
  return { callsAt249Ms, callsAt250Ms, value, pendingTimers: clock.pendingTimers };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
