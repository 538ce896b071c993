/**
 * Per-client-key limits: requests per minute (a core token bucket per key, burst = rpm) and a
 * daily spend budget read from the engine's cost ledger. Checked before the body is read, so a
 * limited client costs the gateway almost nothing.
 */
import { BudgetExceededError, RateLimitedError, TokenBucket, withoutStack } from '../core/index.js';
import type { Clock } from '../core/index.js';
import type { ClientIdentity } from './auth.js';

/** What the budget check needs from the cost ledger. */
export interface KeySpend {
  /** USD spent today (UTC) by the client key named `name`. */
  spentTodayByKey(name: string): number;
}

/** Options of {@link ClientLimits}. */
export interface ClientLimitsOptions {
  readonly identities: readonly ClientIdentity[];
  readonly ledger: KeySpend;
  readonly clock?: Clock;
}

/** The per-key rate limiters and budgets. */
export class ClientLimits {
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #ledger: KeySpend;

  constructor(options: ClientLimitsOptions) {
    this.#ledger = options.ledger;
    for (const id of options.identities) {
      if (id.rpm === undefined) continue;
      this.#buckets.set(
        id.name,
        new TokenBucket({
          capacity: id.rpm,
          refillPerMinute: id.rpm,
          ...(options.clock !== undefined && { clock: options.clock }),
        }),
      );
    }
  }

  /**
   * Admits one request from `client`, taking one token from its bucket.
   * @throws RateLimitedError (429, with `retryAfterMs`) when the key's rpm is spent
   * @throws BudgetExceededError (429, `x-should-retry: false`) when its daily budget is spent
   */
  admit(client: ClientIdentity): void {
    const budget = client.budgetUsdPerDay;
    if (budget !== undefined && this.#ledger.spentTodayByKey(client.name) >= budget) {
      throw new BudgetExceededError(
        `client key ${client.name}`,
        `The daily budget of $${budget} for this API key is spent; it resets at 00:00 UTC.`,
      );
    }
    const bucket = this.#buckets.get(client.name);
    if (bucket !== undefined && !bucket.tryTake(1)) {
      const retryAfterMs = Math.ceil(bucket.msUntil(1));
      throw withoutStack(
        () =>
          new RateLimitedError(
            `Rate limit of ${client.rpm} requests per minute reached for this API key; retry in ${retryAfterMs} ms.`,
            retryAfterMs,
          ),
      );
    }
  }
}
