export { DEFAULT_PRICES, priceFor, priceKeys, costUsd, tokenCount } from './prices.js';
export type { ModelPrice, PriceTable, TokenUsage } from './prices.js';
export { CostLedger } from './ledger.js';
export type {
  CostLedgerOptions,
  SharedSpend,
  CostEntry,
  CostRecord,
  UsageTotals,
  CostSnapshot,
  BudgetStatus,
} from './ledger.js';
