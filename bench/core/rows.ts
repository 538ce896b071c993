/** The shapes the core benchmark's sections are built from. */
import type { Contender } from '../harness.js';

/** Whose code a row measures. */
export type Library = 'direct' | 'breakerbox' | 'opossum' | 'cockatiel';

/** One timed row of a section. */
export interface BenchRow extends Contender {
  readonly library: Library;
  /** Name of the breakerbox row this row is compared with (same kind of trip). */
  readonly vs?: string;
}

/** A failure-path contender measured fresh and after {@link PREFILL_CALLS} calls in its window. */
export interface FailurePair {
  readonly label: string;
  readonly library: Library;
  readonly vs?: string;
  /** A new breaker before every round, then the round's failures. */
  readonly fresh: Contender;
  /** One breaker, prefilled before the rounds. */
  readonly after: Contender;
  /** Calls in the prefilled breaker's window now; undefined when it keeps no window. */
  readonly held?: () => number;
  /** Releases timers and the like once the section is done. */
  readonly dispose?: () => void;
}

/** One library configuration for the idle section: builds a breaker and calls it once. */
export interface IdleSubject {
  readonly label: string;
  readonly library: Library;
  /** Builds one breaker and makes one successful call through it; returns what keeps it alive. */
  readonly make: () => Promise<unknown>;
  /** Releases what {@link make} returned (timers). */
  readonly dispose?: (made: unknown) => void;
}

/** Labels of rows other rows and the targets refer to. */
export const ROW = {
  direct: 'direct call (`await fn()`, the floor)',
  bbExecute: 'breakerbox `execute` · consecutive',
  bbAcquire: 'breakerbox `acquire` + `record` · consecutive',
  bbExecuteRate: 'breakerbox `execute` · rate, 10 s time window',
  bbFailConsecutive: 'breakerbox `execute` · consecutive (never trips)',
  bbFailCount: 'breakerbox `execute` · count window 100k',
  bbFailTime: 'breakerbox `execute` · time window 60 s',
  bbOpenForced: 'breakerbox `execute(fn, { fallback })` · forced open',
  bbOpenTripped: 'breakerbox `execute(fn, { fallback })` · tripped open',
  bbOpenAcquire: 'breakerbox `acquire()` checked first · forced open',
  opossumOpen: 'opossum `fire` · `open()` + fallback',
  cockatielIsolated: 'cockatiel `wrap(fallback, breaker)` · isolated',
  cockatielTripped: 'cockatiel `wrap(fallback, breaker)` · tripped open',
  cockatielConsecutive: 'cockatiel `execute` · consecutive',
  cockatielSampling: 'cockatiel `execute` · sampling 10 s',
  idleBbConsecutive: 'breakerbox · consecutive',
  idleBbRate: 'breakerbox · rate, 10 s time window',
} as const;
