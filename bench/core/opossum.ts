/** opossum 10's rows (its own loops, see breakerbox.ts on why). */
import Opossum from 'opossum';
import { FALLBACK_VALUE, HOUR_MS, NEVER, PREFILL_CALLS, failing, ok } from './fixtures.js';
import { ROW } from './rows.js';
import type { BenchRow, FailurePair, IdleSubject } from './rows.js';

type Breaker = Opossum<[], number>;

/** The rate shape of fixtures.ts (`timeout: false`: no timer per call, as the others). */
function rateOptions(): Opossum.Options {
  return {
    errorThresholdPercentage: 50,
    volumeThreshold: 5,
    rollingCountTimeout: 10_000,
    rollingCountBuckets: 10,
    resetTimeout: 30_000,
    timeout: false,
  };
}

/** Never trips; a 60 s window of 60 buckets (the prefilled calls stay in it). */
function neverOptions(percentiles: boolean): Opossum.Options {
  return {
    errorThresholdPercentage: 50,
    volumeThreshold: NEVER,
    rollingCountTimeout: 60_000,
    rollingCountBuckets: 60,
    rollingPercentilesEnabled: percentiles,
    timeout: false,
  };
}

const live: Breaker[] = [];

function track(breaker: Breaker): Breaker {
  live.push(breaker);
  return breaker;
}

/** Shuts down every opossum breaker this module built (their bucket and snapshot intervals). */
export function shutdownOpossum(): void {
  for (const breaker of live.splice(0)) breaker.shutdown();
}

/** Success path: `timeout: false`, and opossum's default 10 s timeout (a timer per call). */
export function opossumSuccessRows(): BenchRow[] {
  const plain = track(new Opossum(ok, rateOptions()));
  const timed = track(new Opossum(ok, { ...rateOptions(), timeout: 10_000 }));
  return [
    {
      name: 'opossum `fire` · rate, `timeout: false`',
      library: 'opossum',
      vs: ROW.bbExecuteRate,
      run: async (ops) => {
        for (let i = 0; i < ops; i++) await plain.fire();
      },
    },
    {
      name: 'opossum `fire` · rate, default 10 s timeout',
      library: 'opossum',
      vs: ROW.bbExecuteRate,
      run: async (ops) => {
        for (let i = 0; i < ops; i++) await timed.fire();
      },
    },
  ];
}

async function failLoop(breaker: Breaker, ops: number): Promise<void> {
  for (let i = 0; i < ops; i++) {
    try {
      await breaker.fire();
    } catch {
      // expected: every call fails
    }
  }
}

/** Calls in the window: the sum of the buckets' `fires` (no `stats`: that sorts the latencies). */
function heldCalls(breaker: Breaker): number {
  const buckets = breaker.status.window as unknown as readonly { fires: number }[];
  return buckets.reduce((sum, bucket) => sum + bucket.fires, 0);
}

function failurePair(label: string, percentiles: boolean, afterOps: number): FailurePair {
  // One action that fails or succeeds on demand, so the prefill (successes) and the timed
  // failures go through the same breaker.
  let succeed = false;
  const action = (): Promise<number> => (succeed ? ok() : failing());
  let fresh: Breaker | null = null;
  const prefilled = track(new Opossum(action, neverOptions(percentiles)));
  let prefill: Promise<void> | null = null;
  return {
    label,
    library: 'opossum',
    vs: ROW.bbFailTime,
    fresh: {
      name: `${label} · fresh`,
      setup: () => {
        fresh?.shutdown();
        fresh = track(new Opossum(action, neverOptions(percentiles)));
      },
      run: (ops) => failLoop(fresh!, ops),
    },
    after: {
      name: `${label} · after 100k`,
      ops: afterOps,
      setup: async () => {
        prefill ??= (async () => {
          // Prefilled with successes: a failure sorts every latency in the window, so 100k
          // failures would take hours.
          succeed = true;
          for (let i = 0; i < PREFILL_CALLS; i++) await prefilled.fire();
          succeed = false;
        })();
        await prefill;
      },
      run: (ops) => failLoop(prefilled, ops),
    },
    held: () => heldCalls(prefilled),
    dispose: shutdownOpossum,
  };
}

/** Failure path, not tripping: opossum's default (latency percentiles on), and with them off. */
export function opossumFailurePairs(afterOps: number): FailurePair[] {
  return [
    failurePair('opossum `fire` · 60 s window, percentiles on (default)', true, afterOps),
    failurePair('opossum `fire` · 60 s window, `rollingPercentilesEnabled: false`', false, 1_000),
  ];
}

/** Open fast-fail: `open()` with a fallback. */
export function opossumOpenRows(): BenchRow[] {
  const breaker = track(new Opossum(ok, { ...rateOptions(), resetTimeout: HOUR_MS }));
  breaker.fallback(() => FALLBACK_VALUE);
  breaker.open();
  return [
    {
      name: ROW.opossumOpen,
      library: 'opossum',
      vs: ROW.bbOpenForced,
      run: async (ops) => {
        for (let i = 0; i < ops; i++) await breaker.fire();
      },
    },
  ];
}

/** Idle breakers: the rate shape (its rolling window runs two intervals per breaker). */
export function opossumIdleSubjects(): IdleSubject[] {
  const options = rateOptions();
  return [
    {
      label: 'opossum · rate, 10 s window',
      library: 'opossum',
      make: async () => {
        const breaker = new Opossum(ok, options);
        await breaker.fire();
        return breaker;
      },
      dispose: (made) => {
        (made as Breaker).shutdown();
      },
    },
  ];
}
