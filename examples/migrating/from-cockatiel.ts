/**
 * What a cockatiel policy stack becomes in breakerbox/core (docs/migrating.md shows both side by
 * side): retries around a consecutive-failure breaker around a cancelling timeout, plus an open
 * breaker's refusal caught as an error. Five failures in a row open the breaker; it refuses at once
 * with the time until it admits a call again; after `halfOpenAfter` one successful call closes it.
 *
 *   npm run build && node dist/examples/migrating/from-cockatiel.js
 *
 * A FakeClock stands in for the waiting; in production, leave `clock` out.
 */
import { fileURLToPath } from 'node:url';
import {
  BreakerOpenError,
  CircuitBreaker,
  FakeClock,
  exponentialBackoff,
  retry,
  timeout,
  wrap,
} from '../../src/core/index.js';

export async function main(log: (line: string) => void = console.log) {
  const clock = new FakeClock();
  let healthy = false;
  let calls = 0;
  const fetchProfile = (signal: AbortSignal): Promise<string> => {
    calls++;
    signal.throwIfAborted();
    return healthy ? Promise.resolve('profile #7') : Promise.reject(new Error('HTTP 502'));
  };

  // circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) })
  const breaker = new CircuitBreaker(
    { trip: { consecutive: 5 }, openMs: 10_000, jitterRatio: 0, halfOpen: { successes: 1 } },
    { name: 'profiles', clock },
  );
  const events: string[] = [];
  breaker.onTransition((t) => events.push(t.to)); // onBreak, onHalfOpen, onReset

  // wrap(retry(handleAll, { maxAttempts: 1, backoff }), breaker, timeout(2_000, Aggressive))
  const policy = wrap(
    retry({
      maxAttempts: 2,
      backoff: exponentialBackoff({ initialMs: 100, jitter: 'none' }),
      // handleAll: any error of yours (the default retries only breakerbox's own kinds),
      // but not the open breaker's refusal
      shouldRetry: (error) => !(error instanceof BreakerOpenError),
      clock,
    }),
    breaker,
    timeout(2_000, { clock }),
  );

  // policy.execute(({ signal }) => fetchProfile(signal)) becomes:
  const failures: string[] = [];
  for (let i = 0; i < 3; i++) {
    const [outcome] = await Promise.all([
      policy.execute((signal) => fetchProfile(signal)).catch((error: unknown) => String(error)),
      clock.tick(1_000),
    ]);
    failures.push(outcome);
  }
  // 5 calls: the 5th failure opened the breaker, which refused the third execution's retry.
  const callsMade = calls;

  // BrokenCircuitError becomes BreakerOpenError, which says when to try again.
  const refused = await breaker.execute((signal) => fetchProfile(signal)).catch((e: unknown) => e);
  const retryAfterMs = refused instanceof BreakerOpenError ? refused.retryAfterMs : -1;

  clock.advance(10_000);
  healthy = true;
  const profile = await policy.execute((signal) => fetchProfile(signal));
  log(`${failures.join(' | ')}; retry in ${retryAfterMs} ms; then ${profile}`);
  return { failures, callsMade, retryAfterMs, profile, events, state: breaker.state };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
