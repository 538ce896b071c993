import type { Clock } from '../core/index.js';
import {
  DEFAULT_PRICES,
  cachedTokenCount,
  costUsd,
  priceFor,
  priceKeys,
  tokenCount,
} from './prices.js';
import type { ModelPrice, PriceTable } from './prices.js';

const MS_PER_DAY = 86_400_000;

/** Options of {@link CostLedger}. */
export interface CostLedgerOptions {
  /** USD per 1M tokens by model name, deployment id or upstream model name. @default DEFAULT_PRICES */
  readonly prices?: PriceTable;
  /** Source of wall time; days are UTC days of `clock.epochMs()`. */
  readonly clock: Clock;
  /**
   * Today's spend shared by a fleet (through Redis): budgets then hold across replicas. Lifetime
   * totals stay per replica.
   */
  readonly shared?: SharedSpend;
}

/**
 * Today's spend per model and per client key, summed over a fleet. `field` is `model:<name>` or
 * `key:<name>`; `day` the UTC day (`YYYY-MM-DD`).
 */
export interface SharedSpend {
  add(day: string, field: string, usd: number): void;
  /** The fleet's spend as last seen (this replica's own adds included); undefined: not known. */
  today(day: string, field: string): number | undefined;
}

/** One served call to account for. */
export interface CostEntry {
  /** The logical model the caller asked for (the primary). */
  readonly requestedModel: string;
  /** The logical model that answered (differs from `requestedModel` after a fallback). */
  readonly servedModel: string;
  /** The deployment id that answered (`provider/upstreamModel`). */
  readonly deployment: string;
  /** Every prompt token, cached ones included (OpenAI's `usage.prompt_tokens`). */
  readonly promptTokens: number;
  readonly completionTokens: number;
  /**
   * How many of `promptTokens` the provider read from its prompt cache (OpenAI's
   * `usage.prompt_tokens_details.cached_tokens`), priced at the price's `cachedInput`. @default 0
   */
  readonly cachedPromptTokens?: number;
  /** The client key's name (never the key itself), for per-key budgets. */
  readonly clientKey?: string;
}

/** What {@link CostLedger.record} computed for one call. */
export interface CostRecord {
  /** What the call cost, USD (0 when unpriced). */
  readonly costUsd: number;
  /**
   * What the same tokens would have cost on the requested model, USD. Equals `costUsd` when the
   * requested model served the call or has no price (the difference is then unknown, not 0).
   */
  readonly costIfRequestedUsd: number;
  /** False when no price was found for the served call; `costUsd` is then 0. */
  readonly priced: boolean;
  /** False when the requested model has no price. */
  readonly requestedPriced: boolean;
}

/** Running totals for one model, deployment, client key, or everything. */
export interface UsageTotals {
  readonly calls: number;
  readonly promptTokens: number;
  /** The part of `promptTokens` served from a provider's prompt cache. */
  readonly cachedPromptTokens: number;
  readonly completionTokens: number;
  /** USD actually spent. */
  readonly costUsd: number;
  /** USD the same calls would have cost on their requested (primary) models. */
  readonly costIfRequestedUsd: number;
  /** Calls with no price (counted in tokens, costing 0). */
  readonly unpricedCalls: number;
}

/** A point-in-time copy of the ledger. Plain data, safe to serialize. */
export interface CostSnapshot {
  /** The current UTC day, `YYYY-MM-DD`. */
  readonly day: string;
  /** Everything since the ledger was created. `costUsd - costIfRequestedUsd` is what fallbacks cost. */
  readonly total: UsageTotals & { readonly fallbackDeltaUsd: number };
  /** By served logical model. */
  readonly byModel: Readonly<Record<string, UsageTotals>>;
  readonly byDeployment: Readonly<Record<string, UsageTotals>>;
  readonly byClientKey: Readonly<Record<string, UsageTotals>>;
  /** USD spent today (UTC), by served model and by client key name. */
  readonly today: {
    readonly byModel: Readonly<Record<string, number>>;
    readonly byClientKey: Readonly<Record<string, number>>;
  };
}

/** Result of a budget check. */
export type BudgetStatus = 'ok' | 'exceeded';

interface MutableTotals {
  calls: number;
  promptTokens: number;
  cachedPromptTokens: number;
  completionTokens: number;
  costUsd: number;
  costIfRequestedUsd: number;
  unpricedCalls: number;
}

const emptyTotals = (): MutableTotals => ({
  calls: 0,
  promptTokens: 0,
  cachedPromptTokens: 0,
  completionTokens: 0,
  costUsd: 0,
  costIfRequestedUsd: 0,
  unpricedCalls: 0,
});

/**
 * Accounts for spend: per served model, per deployment, per client key and overall, plus daily
 * (UTC) spend for budgets. Every method is synchronous and never throws on unknown models.
 *
 * Daily spend is attributed to the model that *served* the call: a budget on `gpt-4.1` caps what
 * is paid for gpt-4.1, and traffic downgraded or failed over to a cheaper model stops counting
 * against it.
 */
export class CostLedger {
  readonly #prices: PriceTable;
  readonly #clock: Clock;
  readonly #total = emptyTotals();
  readonly #byModel = new Map<string, MutableTotals>();
  readonly #byDeployment = new Map<string, MutableTotals>();
  readonly #byKey = new Map<string, MutableTotals>();
  #day: number;
  #todayByModel = new Map<string, number>();
  #todayByKey = new Map<string, number>();
  readonly #shared: SharedSpend | undefined;

  constructor(options: CostLedgerOptions) {
    this.#prices = options.prices ?? DEFAULT_PRICES;
    this.#clock = options.clock;
    this.#shared = options.shared;
    this.#day = this.#currentDay();
  }

  /** Accounts for one served call and returns its cost and the cost had no fallback happened. */
  record(entry: CostEntry): CostRecord {
    const price = this.#servedPrice(entry);
    const cost = costUsd(entry, price);
    const requestedPrice =
      entry.requestedModel === entry.servedModel
        ? price
        : priceFor(entry.requestedModel, this.#prices);
    const costIfRequested = requestedPrice ? costUsd(entry, requestedPrice) : cost;
    const result: CostRecord = {
      costUsd: cost,
      costIfRequestedUsd: costIfRequested,
      priced: price !== undefined,
      requestedPriced: requestedPrice !== undefined,
    };
    const targets = [
      this.#total,
      bucket(this.#byModel, entry.servedModel),
      bucket(this.#byDeployment, entry.deployment),
    ];
    if (entry.clientKey !== undefined) targets.push(bucket(this.#byKey, entry.clientKey));
    for (const t of targets) add(t, entry, result);

    this.#rollover();
    addUsd(this.#todayByModel, entry.servedModel, cost);
    if (entry.clientKey !== undefined) addUsd(this.#todayByKey, entry.clientKey, cost);
    const shared = this.#shared;
    if (shared !== undefined && cost > 0) {
      const day = this.#dayName();
      shared.add(day, `model:${entry.servedModel}`, cost);
      if (entry.clientKey !== undefined) shared.add(day, `key:${entry.clientKey}`, cost);
    }
    return result;
  }

  /** USD spent today (UTC) on calls served by `model` (by the whole fleet when shared). */
  spentToday(model: string): number {
    this.#rollover();
    return this.#withFleet(`model:${model}`, this.#todayByModel.get(model) ?? 0);
  }

  /** USD spent today (UTC) by the client key named `clientKey` (fleet-wide when shared). */
  spentTodayByKey(clientKey: string): number {
    this.#rollover();
    return this.#withFleet(`key:${clientKey}`, this.#todayByKey.get(clientKey) ?? 0);
  }

  #withFleet(field: string, local: number): number {
    const fleet = this.#shared?.today(this.#dayName(), field);
    return fleet === undefined ? local : Math.max(local, fleet);
  }

  #dayName(): string {
    return new Date(this.#day * MS_PER_DAY).toISOString().slice(0, 10);
  }

  /** `'exceeded'` once today's spend on `model` reaches `usdPerDay` (USD per UTC day). */
  checkBudget(model: string, usdPerDay: number): BudgetStatus {
    return this.spentToday(model) >= usdPerDay ? 'exceeded' : 'ok';
  }

  /** `'exceeded'` once today's spend by the named client key reaches `usdPerDay`. */
  checkKeyBudget(clientKey: string, usdPerDay: number): BudgetStatus {
    return this.spentTodayByKey(clientKey) >= usdPerDay ? 'exceeded' : 'ok';
  }

  /** A copy of every total. */
  snapshot(): CostSnapshot {
    this.#rollover();
    return {
      day: new Date(this.#day * MS_PER_DAY).toISOString().slice(0, 10),
      total: {
        ...this.#total,
        fallbackDeltaUsd: this.#total.costUsd - this.#total.costIfRequestedUsd,
      },
      byModel: copyTotals(this.#byModel),
      byDeployment: copyTotals(this.#byDeployment),
      byClientKey: copyTotals(this.#byKey),
      today: {
        byModel: Object.fromEntries(this.#todayByModel),
        byClientKey: Object.fromEntries(this.#todayByKey),
      },
    };
  }

  /** The most specific price wins (see {@link priceKeys}). */
  #servedPrice(entry: CostEntry): ModelPrice | undefined {
    for (const key of priceKeys(entry.deployment, entry.servedModel)) {
      const price = priceFor(key, this.#prices);
      if (price) return price;
    }
    return undefined;
  }

  #currentDay(): number {
    return Math.floor(this.#clock.epochMs() / MS_PER_DAY);
  }

  #rollover(): void {
    const day = this.#currentDay();
    // Only forward: a wall clock stepped back over midnight (NTP) must not reset today's spend
    // and so re-open a budget that is already spent.
    if (day > this.#day) {
      this.#day = day;
      this.#todayByModel = new Map();
      this.#todayByKey = new Map();
    }
  }
}

function bucket(map: Map<string, MutableTotals>, key: string): MutableTotals {
  let t = map.get(key);
  if (!t) {
    t = emptyTotals();
    map.set(key, t);
  }
  return t;
}

function add(t: MutableTotals, usage: CostEntry, r: CostRecord): void {
  t.calls += 1;
  t.promptTokens += tokenCount(usage.promptTokens);
  t.cachedPromptTokens += cachedTokenCount(usage);
  t.completionTokens += tokenCount(usage.completionTokens);
  t.costUsd += r.costUsd;
  t.costIfRequestedUsd += r.costIfRequestedUsd;
  if (!r.priced) t.unpricedCalls += 1;
}

function addUsd(map: Map<string, number>, key: string, usd: number): void {
  map.set(key, (map.get(key) ?? 0) + usd);
}

function copyTotals(map: Map<string, MutableTotals>): Record<string, UsageTotals> {
  return Object.fromEntries([...map].map(([k, t]) => [k, { ...t }]));
}
