/**
 * A budget the cost ledger cannot enforce is a configuration error. The ledger charges a call it
 * finds no price for $0, so a budget on a model with an unpriced deployment would let that
 * deployment's traffic through without a word (issue 8). Every deployment of a model with a
 * budget therefore needs a price: built in, or under `pricing:` (0 is an explicit, valid price).
 *
 * Only the model's own deployments count: the ledger charges a call to the model that *served*
 * it, and `chooseRoute` checks the requested model's own spend. Spend on `budget.downgradeTo` or
 * on a fallback is charged to that model, never to this budget, so those need no price here
 * (they need one only if they carry a budget of their own, which this same check covers).
 */
import { DEFAULT_PRICES, priceKeys } from '../cost/index.js';
import { closest } from './issues.js';
import type { RawIssue } from './issues.js';
import { isPlainObject } from './plain.js';

type Tree = Record<string, unknown>;

/** The names the configuration gives prices to: the built-in table and the `pricing:` keys. */
export interface PricedNames {
  /** Every name with a price. */
  readonly all: ReadonlySet<string>;
  /** The names under `pricing:`, for "did you mean". */
  readonly configured: readonly string[];
}

/** The priced names of an (unvalidated) configuration root. */
export function pricedNames(root: Tree): PricedNames {
  // A key with an invalid price still counts as priced: the schema reports the price itself.
  const configured = isPlainObject(root['pricing']) ? Object.keys(root['pricing']) : [];
  return { all: new Set([...Object.keys(DEFAULT_PRICES), ...configured]), configured };
}

/**
 * Reports a model whose `budget` cannot be enforced because a deployment has no price, at the
 * budget's path, naming the deployments and the `pricing:` keys that would fix it.
 */
export function checkBudgetPrices(
  name: string,
  model: Tree,
  prices: PricedNames,
  issues: RawIssue[],
): void {
  const budget = model['budget'];
  // A budget of 0 refuses everything whatever the prices: it is enforced.
  if (!isPlainObject(budget) || budget['usdPerDay'] === 0) return;
  const deployments: unknown[] = Array.isArray(model['deployments']) ? model['deployments'] : [];
  const unpriced: { id: string; upstream: string }[] = [];
  for (const d of deployments) {
    const provider = isPlainObject(d) ? d['provider'] : undefined;
    const upstream = isPlainObject(d) && d['model'] !== undefined ? d['model'] : name;
    if (typeof provider !== 'string' || typeof upstream !== 'string') continue;
    const id = `${provider}/${upstream}`;
    if (priceKeys(id, name).some((k) => prices.all.has(k))) continue;
    if (!unpriced.some((u) => u.id === id)) unpriced.push({ id, upstream });
  }
  if (unpriced.length === 0) return;
  const ids = unpriced.map((u) => `"${u.id}"`).join(', ');
  const keys = [...new Set(unpriced.map((u) => u.upstream))];
  const hints = keys.flatMap((k) => {
    const near = closest(k, prices.configured);
    return near === undefined ? [] : [`pricing has "${near}": did you mean "${k}"?`];
  });
  issues.push({
    path: ['models', name, 'budget'],
    message:
      `cannot be enforced: no price for deployment${unpriced.length > 1 ? 's' : ''} ${ids}, ` +
      `whose calls would count as $0; add ${keys.map((k) => `"${k}"`).join(', ')} under ` +
      'pricing: with input and output in USD per 1M tokens (0 for a free model)' +
      (hints.length > 0 ? ` (${hints.join('; ')})` : ''),
  });
}
