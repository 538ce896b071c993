/** The batch runner: OpenAI batch JSONL through breakerbox, bounded, resumable, exactly once. */
export { runBatch } from './run-batch.js';
export type { RunBatchOptions, BatchResult } from './run-batch.js';
export { runLines } from './run-lines.js';
export type { RunLinesOptions, BatchResultLine } from './run-lines.js';
export type { BatchTarget } from './targets.js';
export type { BatchEngine } from './engine-target.js';
export type { UrlTargetOptions } from './url-target.js';
export type { LineExecutor, LineRequest, LineOutcome, LineMeta } from './target.js';
export { BatchError } from './batch-error.js';
export type { BatchErrorReason } from './batch-error.js';
export { buildReport, formatSummary } from './report.js';
export type { BatchReport, BatchRunStatus } from './report.js';
export type { BatchStop } from './auth-watch.js';
export type { ModelReport, ProgressSnapshot } from './batch-stats.js';
export {
  barProgress,
  lineProgress,
  progressFor,
  silentProgress,
  formatProgressLine,
} from './progress.js';
export type { BatchProgress } from './progress.js';
export { statePathFor } from './state-file.js';
