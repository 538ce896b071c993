/**
 * breakerbox's rows. Each loop is its own function literal so its call sites stay monomorphic:
 * a loop shared with another library would be measured megamorphic.
 */
import { CircuitBreaker, SUCCESS } from '../../src/core/index.js';
import type { CircuitBreakerConfig } from '../../src/core/index.js';
import {
  BB_CONSECUTIVE,
  BB_CONSECUTIVE_NEVER,
  BB_COUNT_100K_NEVER,
  BB_RATE_10S,
  BB_TIME_60S_NEVER,
  BB_TRIP_AT_ONCE,
  FALLBACK_VALUE,
  PREFILL_CALLS,
  failing,
  ok,
} from './fixtures.js';
import { ROW } from './rows.js';
import type { BenchRow, FailurePair, IdleSubject } from './rows.js';

const fallback = (): number => FALLBACK_VALUE;

/** Success path: `execute`, `acquire` + `record`, and `execute` on a rate breaker. */
export function breakerboxSuccessRows(): BenchRow[] {
  const consecutive = new CircuitBreaker(BB_CONSECUTIVE);
  const manual = new CircuitBreaker(BB_CONSECUTIVE);
  const rate = new CircuitBreaker(BB_RATE_10S);
  return [
    {
      name: ROW.bbExecute,
      library: 'breakerbox',
      run: async (ops) => {
        for (let i = 0; i < ops; i++) await consecutive.execute(ok);
      },
    },
    {
      name: ROW.bbAcquire,
      library: 'breakerbox',
      run: async (ops) => {
        for (let i = 0; i < ops; i++) {
          const permit = manual.acquire();
          if (!permit.admitted) throw new Error('refused on the success path');
          await ok();
          manual.record(permit, SUCCESS);
        }
      },
    },
    {
      name: ROW.bbExecuteRate,
      library: 'breakerbox',
      run: async (ops) => {
        for (let i = 0; i < ops; i++) await rate.execute(ok);
      },
    },
  ];
}

async function failLoop(breaker: CircuitBreaker, ops: number): Promise<void> {
  for (let i = 0; i < ops; i++) {
    try {
      await breaker.execute(failing);
    } catch {
      // expected: every call fails
    }
  }
}

function failurePair(
  label: string,
  config: CircuitBreakerConfig,
  afterOps: number | undefined,
): FailurePair {
  let fresh = new CircuitBreaker(config);
  const prefilled = new CircuitBreaker(config);
  let prefill: Promise<void> | null = null;
  return {
    label,
    library: 'breakerbox',
    fresh: {
      name: `${label} · fresh`,
      setup: () => {
        fresh = new CircuitBreaker(config);
      },
      run: (ops) => failLoop(fresh, ops),
    },
    after: {
      name: `${label} · after 100k`,
      ...(afterOps === undefined ? {} : { ops: afterOps }),
      setup: async () => {
        prefill ??= (async () => {
          for (let i = 0; i < PREFILL_CALLS; i++) await prefilled.execute(ok);
        })();
        await prefill;
      },
      run: (ops) => failLoop(prefilled, ops),
    },
    held: () => prefilled.snapshot().window?.calls ?? Number.NaN,
  };
}

/** Failure path, not tripping: no window, a 100k count window, a 60 s time window. */
export function breakerboxFailurePairs(): FailurePair[] {
  const pairs = [
    failurePair(ROW.bbFailConsecutive, BB_CONSECUTIVE_NEVER, undefined),
    failurePair(ROW.bbFailCount, BB_COUNT_100K_NEVER, undefined),
    failurePair(ROW.bbFailTime, BB_TIME_60S_NEVER, undefined),
  ];
  // A consecutive breaker keeps no window: nothing to report as held.
  const [first, ...rest] = pairs;
  return [{ ...first!, held: undefined }, ...rest];
}

/** Open fast-fail: forced open and tripped open with a fallback, and `acquire()` checked first. */
export async function breakerboxOpenRows(): Promise<BenchRow[]> {
  const forced = new CircuitBreaker(BB_CONSECUTIVE);
  forced.forceOpen();
  const checked = new CircuitBreaker(BB_CONSECUTIVE);
  checked.forceOpen();
  const tripped = new CircuitBreaker(BB_TRIP_AT_ONCE);
  await tripped.execute(failing).catch(() => undefined);
  if (tripped.state !== 'open') throw new Error(`expected open, got ${tripped.state}`);
  const options = { fallback };
  let sink = 0;
  return [
    {
      name: ROW.bbOpenForced,
      library: 'breakerbox',
      run: async (ops) => {
        for (let i = 0; i < ops; i++) await forced.execute(ok, options);
      },
    },
    {
      name: ROW.bbOpenTripped,
      library: 'breakerbox',
      run: async (ops) => {
        for (let i = 0; i < ops; i++) await tripped.execute(ok, options);
      },
    },
    {
      name: ROW.bbOpenAcquire,
      library: 'breakerbox',
      run: async (ops) => {
        for (let i = 0; i < ops; i++) {
          const result = checked.acquire();
          // Refused: use the fallback value at once, no promise, no error.
          sink += result.admitted ? await ok() : FALLBACK_VALUE;
        }
        if (sink < 0) throw new Error('unreachable');
      },
    },
  ];
}

/** Idle breakers: the default consecutive shape and a rate breaker (its window exists). */
export function breakerboxIdleSubjects(): IdleSubject[] {
  return [
    {
      label: ROW.idleBbConsecutive,
      library: 'breakerbox',
      make: async () => {
        const breaker = new CircuitBreaker(BB_CONSECUTIVE);
        await breaker.execute(ok);
        return breaker;
      },
    },
    {
      label: ROW.idleBbRate,
      library: 'breakerbox',
      make: async () => {
        const breaker = new CircuitBreaker(BB_RATE_10S);
        await breaker.execute(ok);
        return breaker;
      },
    },
  ];
}
