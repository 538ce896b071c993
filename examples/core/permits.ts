/**
 * The breaker's permit API, for code that is not one async function: `acquire()` before the call,
 * `record(permit, outcome)` after it. A 429 with `Retry-After: 60` opens the breaker at once, and
 * for the full 60 s even though `openMs` is 5 s; a caller's own bad request counts for nothing.
 *
 *   npm run build && node dist/examples/core/permits.js
 */
import { fileURLToPath } from 'node:url';
import { CALLER_ERROR, CircuitBreaker, FakeClock, SUCCESS, failure } from '../../src/core/index.js';
import type { Outcome } from '../../src/core/index.js';

/** What some HTTP client of yours returned. */
interface Reply {
  readonly status: number;
  readonly retryAfterSeconds?: number;
}

/** Your classification of a reply, once: the breaker only sees outcomes. */
function outcomeOf(reply: Reply): Outcome {
  if (reply.status < 400) return SUCCESS;
  if (reply.status === 429) {
    const retryAfterMs = (reply.retryAfterSeconds ?? 0) * 1000;
    return failure('rate_limited', { retryAfterMs });
  }
  if (reply.status >= 500) return failure('server_error');
  return CALLER_ERROR; // 400, 404, 422: the request was wrong, not the service
}

export function main(log: (line: string) => void = console.log) {
  const clock = new FakeClock();
  const breaker = new CircuitBreaker({ openMs: 5_000, jitterRatio: 0 }, { clock });

  /** One call: ask for a permit, make the call, report how it ended. */
  function call(reply: Reply): string {
    const permit = breaker.acquire();
    if (!permit.admitted) return `skipped (${permit.state}, retry in ${permit.retryAfterMs} ms)`;
    breaker.record(permit, outcomeOf(reply));
    return `HTTP ${reply.status}`;
  }

  const results = [
    call({ status: 400 }),
    call({ status: 200 }),
    call({ status: 429, retryAfterSeconds: 60 }),
    call({ status: 200 }),
  ];
  const msUntilAdmission = breaker.msUntilAdmission();
  clock.advance(59_999);
  results.push(call({ status: 200 }));
  clock.advance(1);
  results.push(call({ status: 200 }));
  for (const line of results) log(line);
  const { totals } = breaker.snapshot();
  return { results, msUntilAdmission, state: breaker.state, totals };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
