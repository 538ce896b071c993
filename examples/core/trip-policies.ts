/**
 * When a breaker opens: on the failure rate over a sliding window (once it holds `minCalls`
 * calls), on the share of slow calls (providers often degrade by slowing down), and for how long:
 * each failed probe doubles the open period, up to `maxOpenMs`.
 *
 *   npm run build && node dist/examples/core/trip-policies.js
 */
import { fileURLToPath } from 'node:url';
import { CircuitBreaker, FakeClock } from '../../src/core/index.js';
import type { TransitionReason } from '../../src/core/index.js';

const ok = (): Promise<string> => Promise.resolve('ok');
const fail = (): Promise<string> => Promise.reject(new Error('HTTP 500'));

/** Half of the last 10 calls failed: opens on the 10th call, not before (`minCalls`). */
async function failureRate(): Promise<{ callsBeforeOpen: number; reason?: TransitionReason }> {
  const breaker = new CircuitBreaker({
    trip: { rate: { window: { type: 'count', size: 10 }, minCalls: 10, failureRate: 0.5 } },
  });
  let reason: TransitionReason | undefined;
  breaker.onTransition((t) => (reason = t.reason));
  let calls = 0;
  while (breaker.state === 'closed' && calls < 100) {
    calls++;
    await breaker.execute(calls % 2 === 0 ? fail : ok).catch(() => undefined);
  }
  return { callsBeforeOpen: calls, reason };
}

/** Calls that succeed but take 3 s, over `slowCallMs: 2_000`: half of them slow opens it. */
async function slowCalls(): Promise<{ callsBeforeOpen: number; reason?: TransitionReason }> {
  const clock = new FakeClock();
  const breaker = new CircuitBreaker(
    {
      slowCallMs: 2_000,
      trip: {
        consecutive: 5,
        rate: {
          window: { type: 'time', sizeMs: 60_000, buckets: 6 },
          minCalls: 4,
          failureRate: 0.5,
          slowRate: 0.5,
        },
      },
    },
    { clock },
  );
  let reason: TransitionReason | undefined;
  breaker.onTransition((t) => (reason = t.reason));
  const slow = (): Promise<string> => {
    clock.advance(3_000); // the call takes 3 s
    return Promise.resolve('late but fine');
  };
  let calls = 0;
  while (breaker.state === 'closed' && calls < 100) {
    calls++;
    await breaker.execute(calls <= 2 ? ok : slow);
  }
  return { callsBeforeOpen: calls, reason };
}

/** Open 1 s, then 2 s, 4 s, 5 s (capped) as probes keep failing; random: () => 0, no jitter. */
async function openBackoff(): Promise<number[]> {
  const clock = new FakeClock();
  const breaker = new CircuitBreaker(
    { trip: { consecutive: 1 }, openMs: 1_000, backoffMultiplier: 2, maxOpenMs: 5_000 },
    { clock, random: () => 0 },
  );
  const openPeriodsMs: number[] = [];
  for (let i = 0; i < 4; i++) {
    await breaker.execute(fail).catch(() => undefined); // trips, or fails the probe
    openPeriodsMs.push(breaker.msUntilAdmission());
    clock.advance(breaker.msUntilAdmission());
  }
  return openPeriodsMs;
}

export async function main(log: (line: string) => void = console.log) {
  const rate = await failureRate();
  const slow = await slowCalls();
  const openPeriodsMs = await openBackoff();
  log(`failure rate: opened after ${rate.callsBeforeOpen} calls (${String(rate.reason)})`);
  log(`slow calls: opened after ${slow.callsBeforeOpen} calls (${String(slow.reason)})`);
  log(`open periods as probes fail: ${openPeriodsMs.join(', ')} ms`);
  return { rate, slow, openPeriodsMs };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
