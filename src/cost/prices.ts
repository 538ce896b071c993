/**
 * Token prices and the arithmetic of one call's cost. Prices are USD per one million tokens, the
 * unit every provider publishes, so a table can be copied from a price page unchanged.
 */

/** The price of one model, in USD per 1,000,000 tokens. */
export interface ModelPrice {
  /** USD per 1M prompt (input) tokens. */
  readonly input: number;
  /** USD per 1M completion (output) tokens. */
  readonly output: number;
  /**
   * USD per 1M prompt tokens the provider served from its prompt cache (OpenAI's
   * `usage.prompt_tokens_details.cached_tokens`). @default `input`
   */
  readonly cachedInput?: number;
}

/** Model name → price. Keys are logical model names, upstream names or deployment ids. */
export type PriceTable = Readonly<Record<string, ModelPrice>>;

/** Token counts of one call. Missing, negative or non-finite counts count as 0. */
export interface TokenUsage {
  /** Every prompt token, cached ones included (as OpenAI's `usage.prompt_tokens`). */
  readonly promptTokens: number;
  readonly completionTokens: number;
  /**
   * How many of `promptTokens` were read from the provider's prompt cache; priced at
   * `cachedInput`. Capped at `promptTokens`. @default 0
   */
  readonly cachedPromptTokens?: number;
}

/**
 * Default prices (USD per 1M tokens), used unless the configuration's `pricing` overrides them.
 * They are list prices at the time of writing; set `pricing` for what you actually pay.
 */
export const DEFAULT_PRICES: PriceTable = Object.freeze({
  'gpt-4.1': Object.freeze({ input: 2.0, output: 8.0 }),
  'gpt-4o-mini': Object.freeze({ input: 0.15, output: 0.6 }),
  'claude-sonnet-4.5': Object.freeze({ input: 3.0, output: 15.0 }),
  'gemini-2.5-flash': Object.freeze({ input: 0.3, output: 2.5 }),
  'deepseek-v3.2': Object.freeze({ input: 0.28, output: 0.42 }),
  'text-embedding-3-small': Object.freeze({ input: 0.02, output: 0 }),
});

const TOKENS_PER_PRICE_UNIT = 1_000_000;

/**
 * Looks a model up in a price table. Never throws.
 *
 * @param model a logical model name, an upstream model name or a deployment id.
 * @returns the price, or `undefined` when the table has none (the call is then "unpriced").
 */
export function priceFor(model: string, table: PriceTable): ModelPrice | undefined {
  // An own-property check: a model called "constructor" or "__proto__" must not find
  // Object.prototype members.
  return Object.hasOwn(table, model) ? table[model] : undefined;
}

/**
 * The keys a served call's price is looked up by, most specific first: the deployment id
 * (`deepseek/deepseek-chat`), then the served logical model, then the upstream model name.
 *
 * @param deploymentId `provider/upstreamModel` (a provider name never contains `/`).
 * @param servedModel the logical model the deployment belongs to.
 */
export function priceKeys(deploymentId: string, servedModel: string): string[] {
  const slash = deploymentId.indexOf('/');
  const keys = [deploymentId, servedModel];
  if (slash >= 0) keys.push(deploymentId.slice(slash + 1));
  return keys;
}

/**
 * The cost of one call in USD. Never throws.
 *
 * @param price from {@link priceFor}; `undefined` (an unpriced model) costs 0.
 * @returns USD, 0 for an unknown price or no tokens.
 */
export function costUsd(usage: TokenUsage, price: ModelPrice | undefined): number {
  if (!price) return 0;
  const prompt = tokenCount(usage.promptTokens);
  const cached = cachedTokenCount(usage);
  return (
    ((prompt - cached) * price.input +
      cached * (price.cachedInput ?? price.input) +
      tokenCount(usage.completionTokens) * price.output) /
    TOKENS_PER_PRICE_UNIT
  );
}

/** The cached part of a call's prompt tokens, made safe to add: at most `promptTokens`. */
export function cachedTokenCount(usage: TokenUsage): number {
  // Cached tokens are a part of the prompt, never more than all of it.
  return Math.min(tokenCount(usage.promptTokens), tokenCount(usage.cachedPromptTokens ?? 0));
}

/** A token count made safe to add: negative, NaN and infinite values become 0. */
export function tokenCount(n: number): number {
  return Number.isFinite(n) && n > 0 ? n : 0;
}
