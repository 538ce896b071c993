export { startGateway } from './server.js';
export type { Gateway, GatewayOptions } from './server.js';
export { installSignalHandlers } from './signals.js';
export type { SignalHandlerOptions } from './signals.js';
export type { GatewaySettings } from './settings.js';
export type { ClientKeyConfig, ClientIdentity } from './auth.js';
export { isLoopbackHost } from './auth.js';
export { GatewayMetrics, CIRCUIT_STATES } from './metrics.js';
export type { CatalogueDeployment, GatewayMetricsOptions, ModelBudget } from './metrics.js';
export { ATTEMPT_OUTCOMES, REQUEST_OUTCOMES, SKIP_REASONS } from './metrics-labels.js';
export { createLogger, silentLogger, REDACT_PATHS } from './log.js';
export type { AttemptLogEntry, GatewayLogger, CreateLoggerOptions, RequestLogLine } from './log.js';
export { errorSource } from './taxonomy.js';
export type { ErrorSource } from './taxonomy.js';
export type {
  DashboardBucket,
  DashboardFrame,
  DashboardHistoryJson,
  DashboardSnapshot,
} from './dashboard.js';
export { DEADLINE_HEADER } from './deadline.js';
