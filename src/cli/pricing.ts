/**
 * `breakerbox pricing [--config file]`: the price table in force (built-in prices, overridden by
 * the config's `pricing`), sorted by output price, with bars to compare models at a glance.
 */
import { loadConfigFile } from '../config/index.js';
import { DEFAULT_PRICES } from '../cost/index.js';
import type { PriceTable } from '../cost/index.js';
import { bar, makeTable, paint, reportConfigError } from './format.js';
import type { Output } from './format.js';

/** Options of {@link runPricing}. */
export interface PricingOptions {
  /** A YAML config whose `pricing` overrides the built-in prices. */
  readonly config?: string;
  /** Print JSON instead of the table. @default false */
  readonly json?: boolean;
}

/** One row of the table. */
export interface PriceRow {
  readonly model: string;
  /** USD per 1M prompt tokens. */
  readonly inputUsdPerMTok: number;
  /** USD per 1M completion tokens. */
  readonly outputUsdPerMTok: number;
  /** USD per 1M prompt tokens read from the provider's cache; absent when it is the input price. */
  readonly cachedInputUsdPerMTok?: number;
  /** Where the price comes from. */
  readonly source: 'built-in' | 'config';
}

const BAR_WIDTH_CHARS = 24;

/** Rows of `prices`, most expensive output first (then by name, for a stable order). */
export function priceRows(prices: PriceTable, configured: ReadonlySet<string>): PriceRow[] {
  return Object.entries(prices)
    .map(([model, p]) => ({
      model,
      inputUsdPerMTok: p.input,
      outputUsdPerMTok: p.output,
      ...(p.cachedInput !== undefined && { cachedInputUsdPerMTok: p.cachedInput }),
      source: configured.has(model) ? ('config' as const) : ('built-in' as const),
    }))
    .sort((a, b) => b.outputUsdPerMTok - a.outputUsdPerMTok || a.model.localeCompare(b.model));
}

/** Renders the rows with cli-table3: a bar for output price, relative to the dearest. */
export function renderPriceTable(rows: readonly PriceRow[], color: boolean): string {
  const maxOutput = Math.max(0, ...rows.map((r) => r.outputUsdPerMTok));
  const cheapest = Math.min(
    ...rows.filter((r) => r.outputUsdPerMTok > 0).map((r) => r.outputUsdPerMTok),
  );
  const table = makeTable(
    ['model', 'input $/1M', 'output $/1M', 'output price', 'x cheapest', 'source'],
    ['left', 'right', 'right', 'left', 'right', 'left'],
    color,
  );
  for (const r of rows) {
    const ratio =
      r.outputUsdPerMTok > 0 && Number.isFinite(cheapest) ? r.outputUsdPerMTok / cheapest : null;
    table.push([
      r.model,
      r.inputUsdPerMTok.toFixed(2),
      r.outputUsdPerMTok.toFixed(2),
      paint(color, 'magenta', bar(r.outputUsdPerMTok, maxOutput, BAR_WIDTH_CHARS)),
      ratio === null ? '-' : `${ratio.toFixed(1)}x`,
      r.source === 'config' ? paint(color, 'yellow', 'config') : 'built-in',
    ]);
  }
  return table.toString();
}

/**
 * Prints the price table. @returns the exit code: 0, or 2 for an invalid config
 */
export async function runPricing(options: PricingOptions, output: Output): Promise<number> {
  let prices: PriceTable = DEFAULT_PRICES;
  const configured = new Set<string>();
  if (options.config !== undefined) {
    try {
      const config = await loadConfigFile(options.config);
      prices = config.pricing;
      for (const [model, p] of Object.entries(config.pricing)) {
        const builtIn = DEFAULT_PRICES[model];
        const same =
          builtIn?.input === p.input &&
          builtIn.output === p.output &&
          builtIn.cachedInput === p.cachedInput;
        if (!same) configured.add(model);
      }
    } catch (error) {
      return reportConfigError(error, output);
    }
  }
  const rows = priceRows(prices, configured);
  if (options.json === true) {
    output.out(JSON.stringify(rows, null, 2));
    return 0;
  }
  output.out(renderPriceTable(rows, output.color));
  output.out('USD per 1,000,000 tokens. Set `pricing:` in the config for what you actually pay.');
  return 0;
}
