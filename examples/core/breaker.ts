/**
 * A circuit breaker around any async function, without the LLM engine: three failures in a row
 * open it, calls then fail fast (or get a fallback value), and once the open period has passed,
 * probe calls decide whether it closes again.
 *
 *   npm run build && node dist/examples/core/breaker.js
 *
 * A FakeClock stands in for the 10 s of waiting; in production, leave `clock` out.
 */
import { fileURLToPath } from 'node:url';
import { BreakerOpenError, CircuitBreaker, FakeClock } from '../../src/core/index.js';

export async function main(log: (line: string) => void = console.log) {
  const clock = new FakeClock();
  const breaker = new CircuitBreaker(
    { trip: { consecutive: 3 }, openMs: 10_000, halfOpen: { successes: 2 } },
    { name: 'billing-api', clock, random: () => 0 },
  );
  const transitions: string[] = [];
  breaker.onTransition((t) => {
    transitions.push(`${t.from} -> ${t.to} (${t.reason})`);
    log(`billing-api: ${t.from} -> ${t.to} (${t.reason})`);
  });

  const failing = (): Promise<string> => Promise.reject(new Error('HTTP 503'));
  const working = (): Promise<string> => Promise.resolve('invoice #42');

  for (let i = 0; i < 3; i++) await breaker.execute(failing).catch(() => undefined);

  // Open: refused at once, with the time until the next probe...
  const refused = await breaker.execute(working).catch((error: unknown) => error);
  const retryAfterMs = refused instanceof BreakerOpenError ? refused.retryAfterMs : -1;
  log(`refused: ${String(refused)}`);
  // ...or answered with a value instead of an error.
  const fallbackValue = await breaker.execute(working, { fallback: () => 'cached invoice' });

  clock.advance(10_000);
  await breaker.execute(working); // the first probe: open -> half-open
  await breaker.execute(working); // the second success closes it
  const { totals } = breaker.snapshot();
  log(`state: ${breaker.state}; totals: ${JSON.stringify(totals)}`);
  return { transitions, retryAfterMs, fallbackValue, state: breaker.state, totals };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
