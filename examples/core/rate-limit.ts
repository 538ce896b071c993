/**
 * Rate limits without timers: a token bucket (a burst of 5, then 1 per second), and a
 * `RateLimiter` for LLM-style limits, requests and tokens per minute taken together.
 *
 *   npm run build && node dist/examples/core/rate-limit.js
 */
import { fileURLToPath } from 'node:url';
import { FakeClock, RateLimitedError, RateLimiter, TokenBucket } from '../../src/core/index.js';

export async function main(log: (line: string) => void = console.log) {
  const clock = new FakeClock();
  const bucket = new TokenBucket({ capacity: 5, refillPerSecond: 1, clock });

  const burst = [1, 2, 3, 4, 5, 6].map(() => bucket.tryTake());
  const waitMs = bucket.msUntil(1);
  // Waiting is allowed only when the wait ends before the caller's deadline.
  const refused = await bucket
    .take(1, { deadlineMs: clock.now() + 500 })
    .catch((error: unknown) => error);
  const retryAfterMs = refused instanceof RateLimitedError ? refused.retryAfterMs : -1;
  log(`burst: ${burst.join(' ')}; next token in ${waitMs} ms; ${String(refused)}`);

  const limiter = new RateLimiter({ rpm: 60, tpm: 10_000, clock });
  const first = limiter.tryAcquire(4_000); // one request, ~4,000 tokens estimated
  limiter.settle(4_000, 2_500); // the reply said 2,500: the 1,500 over-estimated come back
  const second = limiter.tryAcquire(9_000); // needs 9,000 of 7,500 left: refused, nothing taken
  const tokensLeft = limiter.availableTokens;
  log(`rpm/tpm: ${first} then ${second}; ${tokensLeft} tokens left`);
  return { burst, waitMs, retryAfterMs, first, second, tokensLeft };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
