/**
 * The early stop on a refused key: when `limit` lines in a row fail with every candidate
 * answering 401/403, the batch stops instead of writing thousands of identical failures, and
 * says which provider's key to check. Never sees a key: only deployment ids and statuses.
 *
 * "Every candidate answered 401/403" is judged per distinct deployment in the line's attempts:
 * its own answer in this line when it was called, else its last answer in this run (a deployment
 * skipped because its breaker is open was, in this run, last answered with 401/403: the refusal
 * is what opened it). Without this, lines after the breakers open would wait for capacity, one
 * half-open probe at a time.
 */
import type { AttemptView, LineVerdict } from './line-verdict.js';

/** Statuses that mean "this key (or account) is refused". */
const REFUSED: ReadonlySet<number> = new Set([401, 403]);

/** Why the runner stopped a batch early. */
export interface BatchStop {
  readonly reason: 'auth_failures';
  /** Lines in a row that failed so (the limit). */
  readonly lines: number;
  /**
   * `providers`: every candidate deployment answered 401/403. `gateway`: the target itself did
   * (with a gateway URL: the key the batch sends to it).
   */
  readonly refusedBy: 'providers' | 'gateway';
  /** The providers whose deployments answered so (from `provider/model` ids), sorted. */
  readonly providers: readonly string[];
  /** Those deployments, sorted. */
  readonly deployments: readonly string[];
  /** The statuses seen, sorted. */
  readonly statuses: readonly number[];
  /** One sentence for people; names the problem, never a key. */
  readonly message: string;
}

/** A streak of refused lines. */
interface Streak {
  lines: number;
  gateway: boolean;
  readonly deployments: Set<string>;
  readonly statuses: Set<number>;
}

const emptyStreak = (): Streak => ({
  lines: 0,
  gateway: false,
  deployments: new Set(),
  statuses: new Set(),
});

/** Watches results for a refused key. */
export class AuthWatch {
  readonly #limit: number;
  /** Deployments whose last answer in this run was 401/403, with that status. */
  readonly #refusing = new Map<string, number>();
  #streak = emptyStreak();

  /** @param limit lines in a row before the stop; 0 never stops */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Whether the stop is on: refused lines are then written at once, not waited on. */
  get enabled(): boolean {
    return this.#limit > 0;
  }

  /**
   * Learns from one result (any result, also one the batch will wait on and send again) and
   * says whether every candidate refused the key.
   */
  refused(verdict: LineVerdict, servedBy: string | null): boolean {
    if (verdict.kind !== 'retryable') {
      if (servedBy !== null) this.#refusing.delete(servedBy);
      return false;
    }
    if (verdict.attempts.length === 0) {
      return verdict.status !== undefined && REFUSED.has(verdict.status);
    }
    const last = new Map<string, number | null>();
    for (const a of verdict.attempts) this.#learn(a, last);
    for (const a of verdict.attempts) {
      if (!last.has(a.deployment)) last.set(a.deployment, this.#refusing.get(a.deployment) ?? null);
    }
    return [...last.values()].every((s) => s !== null && REFUSED.has(s));
  }

  #learn(a: AttemptView, last: Map<string, number | null>): void {
    if (a.result !== 'failed') return;
    const status = a.status ?? null;
    last.set(a.deployment, status);
    if (status !== null && REFUSED.has(status)) this.#refusing.set(a.deployment, status);
    else this.#refusing.delete(a.deployment);
  }

  /**
   * Counts a written line: `refused` from {@link refused}. Returns the stop when this line
   * makes `limit` in a row.
   */
  count(verdict: LineVerdict, refused: boolean): BatchStop | undefined {
    if (!refused || verdict.kind !== 'retryable') {
      this.#streak = emptyStreak();
      return undefined;
    }
    const s = this.#streak;
    s.lines++;
    if (verdict.attempts.length === 0) {
      s.gateway = true;
      if (verdict.status !== undefined) s.statuses.add(verdict.status);
    }
    for (const a of verdict.attempts) {
      s.deployments.add(a.deployment);
      if (a.result === 'failed' && a.status !== undefined) s.statuses.add(a.status);
    }
    // Deployments skipped in this line were refused earlier: their status counts too.
    for (const d of s.deployments) {
      const status = this.#refusing.get(d);
      if (status !== undefined) s.statuses.add(status);
    }
    return this.enabled && s.lines >= this.#limit ? stopOf(s) : undefined;
  }
}

function stopOf(s: Streak): BatchStop {
  const deployments = [...s.deployments].sort();
  const providers = [...new Set(deployments.map((d) => d.split('/')[0] ?? d))].sort();
  const statuses = [...s.statuses].sort((a, b) => a - b);
  const answered = statuses.length > 0 ? statuses.join('/') : '401/403';
  const refusedBy = s.gateway && deployments.length === 0 ? 'gateway' : 'providers';
  const message =
    refusedBy === 'gateway'
      ? `the batch's target answered ${answered} to ${s.lines} lines in a row: check the API key ` +
        `the batch sends to it`
      : `every provider answered ${answered} for ${s.lines} lines in a row ` +
        `(${deployments.join(', ')}): check the API key of ` +
        `provider${providers.length === 1 ? '' : 's'} ${providers.join(', ')}`;
  return {
    reason: 'auth_failures',
    lines: s.lines,
    refusedBy,
    providers,
    deployments,
    statuses,
    message,
  };
}
