/** cockatiel 4's rows (its own loops, see breakerbox.ts on why). */
import {
  ConsecutiveBreaker,
  SamplingBreaker,
  circuitBreaker,
  fallback,
  handleAll,
  wrap,
} from 'cockatiel';
import type { CircuitBreakerPolicy, IBreaker } from 'cockatiel';
import { FALLBACK_VALUE, HOUR_MS, NEVER, PREFILL_CALLS, failing, ok } from './fixtures.js';
import { ROW } from './rows.js';
import type { BenchRow, FailurePair, IdleSubject } from './rows.js';

const consecutive = (): CircuitBreakerPolicy =>
  circuitBreaker(handleAll, { halfOpenAfter: 30_000, breaker: new ConsecutiveBreaker(5) });

/** >50 % failures over 10 s once 5 calls are in (0.5 rps × 10 s). */
const sampling = (): CircuitBreakerPolicy =>
  circuitBreaker(handleAll, {
    halfOpenAfter: 30_000,
    breaker: new SamplingBreaker({ threshold: 0.5, duration: 10_000, minimumRps: 0.5 }),
  });

/** Success path: consecutive and sampling breakers. */
export function cockatielSuccessRows(): BenchRow[] {
  const a = consecutive();
  const b = sampling();
  return [
    {
      name: ROW.cockatielConsecutive,
      library: 'cockatiel',
      vs: ROW.bbExecute,
      run: async (ops) => {
        for (let i = 0; i < ops; i++) await a.execute(ok);
      },
    },
    {
      name: ROW.cockatielSampling,
      library: 'cockatiel',
      vs: ROW.bbExecuteRate,
      run: async (ops) => {
        for (let i = 0; i < ops; i++) await b.execute(ok);
      },
    },
  ];
}

async function failLoop(policy: CircuitBreakerPolicy, ops: number): Promise<void> {
  for (let i = 0; i < ops; i++) {
    try {
      await policy.execute(failing);
    } catch {
      // expected: every call fails
    }
  }
}

/** SamplingBreaker's running totals (private fields, read for the report only). */
function heldCalls(breaker: IBreaker): number {
  const counts = breaker as unknown as { currentFailures: number; currentSuccesses: number };
  return counts.currentFailures + counts.currentSuccesses;
}

function failurePair(
  label: string,
  makeBreaker: () => IBreaker,
  vs: string,
  windowed: boolean,
): FailurePair {
  const policy = (breaker: IBreaker): CircuitBreakerPolicy =>
    circuitBreaker(handleAll, { halfOpenAfter: 30_000, breaker });
  let fresh = policy(makeBreaker());
  const prefilledBreaker = makeBreaker();
  const prefilled = policy(prefilledBreaker);
  let prefill: Promise<void> | null = null;
  return {
    label,
    library: 'cockatiel',
    vs,
    fresh: {
      name: `${label} · fresh`,
      setup: () => {
        fresh = policy(makeBreaker());
      },
      run: (ops) => failLoop(fresh, ops),
    },
    after: {
      name: `${label} · after 100k`,
      setup: async () => {
        prefill ??= (async () => {
          for (let i = 0; i < PREFILL_CALLS; i++) await prefilled.execute(ok);
        })();
        await prefill;
      },
      run: (ops) => failLoop(prefilled, ops),
    },
    ...(windowed ? { held: () => heldCalls(prefilledBreaker) } : {}),
  };
}

/** Failure path, not tripping: consecutive, and a 60 s sampling window. */
export function cockatielFailurePairs(): FailurePair[] {
  return [
    failurePair(
      'cockatiel `execute` · consecutive (never trips)',
      () => new ConsecutiveBreaker(NEVER),
      ROW.bbFailConsecutive,
      false,
    ),
    failurePair(
      'cockatiel `execute` · sampling 60 s',
      () => new SamplingBreaker({ threshold: 0.5, duration: 60_000, minimumRps: NEVER }),
      ROW.bbFailTime,
      true,
    ),
  ];
}

/** Open fast-fail: `wrap(fallback, breaker)` on an isolated and on a tripped-open breaker. */
export async function cockatielOpenRows(): Promise<BenchRow[]> {
  const isolated = consecutive();
  isolated.isolate();
  const tripped = circuitBreaker(handleAll, {
    halfOpenAfter: HOUR_MS,
    breaker: new ConsecutiveBreaker(1),
  });
  await tripped.execute(failing).catch(() => undefined);
  const isolatedPolicy = wrap(
    fallback(handleAll, () => FALLBACK_VALUE),
    isolated,
  );
  const trippedPolicy = wrap(
    fallback(handleAll, () => FALLBACK_VALUE),
    tripped,
  );
  return [
    {
      name: ROW.cockatielIsolated,
      library: 'cockatiel',
      vs: ROW.bbOpenForced,
      run: async (ops) => {
        for (let i = 0; i < ops; i++) await isolatedPolicy.execute(ok);
      },
    },
    {
      name: ROW.cockatielTripped,
      library: 'cockatiel',
      vs: ROW.bbOpenTripped,
      run: async (ops) => {
        for (let i = 0; i < ops; i++) await trippedPolicy.execute(ok);
      },
    },
  ];
}

/** Idle breakers: consecutive and sampling (10 s). */
export function cockatielIdleSubjects(): IdleSubject[] {
  return [
    {
      label: 'cockatiel · consecutive',
      library: 'cockatiel',
      make: async () => {
        const policy = consecutive();
        await policy.execute(ok);
        return policy;
      },
    },
    {
      label: 'cockatiel · sampling 10 s',
      library: 'cockatiel',
      make: async () => {
        const policy = sampling();
        await policy.execute(ok);
        return policy;
      },
    },
  ];
}
