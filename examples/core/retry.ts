/**
 * Retries with exponential backoff that honour a `Retry-After`, and a retry budget that keeps
 * retries to a fraction of traffic during an outage (ten failing callers, two retries in all).
 *
 *   npm run build && node dist/examples/core/retry.js
 *
 * A FakeClock makes the waits pass at once; in production, leave `clock` out.
 */
import { fileURLToPath } from 'node:url';
import {
  FakeClock,
  RetryBudget,
  constantBackoff,
  exponentialBackoff,
  retry,
} from '../../src/core/index.js';

/** An error of your own HTTP client. `retryAfterMs` (if any) is read by the retry policy. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterMs?: number,
  ) {
    super(`HTTP ${status}`);
  }
}

/** Retry 5xx and 429; the default (`isRetryable`) only knows breakerbox's own errors. */
const transient = (error: unknown): boolean =>
  error instanceof HttpError && (error.status >= 500 || error.status === 429);

export async function main(log: (line: string) => void = console.log) {
  const clock = new FakeClock();
  const policy = retry({
    maxAttempts: 4,
    backoff: exponentialBackoff({ initialMs: 200, maxMs: 5_000, jitter: 'none' }),
    shouldRetry: transient,
    clock,
  });
  const delaysMs: number[] = [];
  policy.onRetry((event) => delaysMs.push(event.delayMs));

  // Fails with a 503, then a 429 asking for 3 s, then answers.
  const replies = [new HttpError(503), new HttpError(429, 3_000)];
  let attempts = 0;
  const pending = policy.execute(() => {
    attempts++;
    const error = replies[attempts - 1];
    return error ? Promise.reject(error) : Promise.resolve('200 OK');
  });
  const [value] = await Promise.all([pending, clock.tick(10_000)]);
  log(`${value} after ${attempts} attempts, waits ${delaysMs.join(' and ')} ms`);

  // A shared budget: retries may be 20 % of first attempts (no floor, for the demo).
  const budget = new RetryBudget({ ratio: 0.2, minPerSecond: 0, clock });
  const budgeted = retry({
    maxAttempts: 3,
    backoff: constantBackoff(100),
    shouldRetry: transient,
    budget,
    clock,
  });
  let outageAttempts = 0;
  const errorCodes: string[] = [];
  for (let caller = 0; caller < 10; caller++) {
    const call = budgeted.execute(() => {
      outageAttempts++;
      return Promise.reject(new HttpError(503));
    });
    const outcome = call.catch((error: unknown) => (error as { code?: string }).code ?? 'http');
    const [code] = await Promise.all([outcome, clock.tick(1_000)]);
    errorCodes.push(code);
  }
  log(`10 callers in an outage: ${outageAttempts} attempts; errors: ${errorCodes.join(' ')}`);
  return { value, attempts, delaysMs, outageAttempts, errorCodes };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
