export { parseConfig } from './parse.js';
export { parseConfigText, loadConfigFile } from './load.js';
export { redactConfig, redactUrl } from './redact.js';
export { isResolvedConfig } from './resolve.js';
export { configSchema, STRATEGIES, LOG_LEVELS } from './schema.js';
export type { ConfigInput, BreakerInput, RetryInput, ModelInput } from './schema.js';
export {
  DEFAULT_BREAKER,
  DEFAULT_RETRY,
  DEFAULT_TIMEOUTS,
  DEFAULT_DEADLINE_MS,
  DEFAULT_WEIGHT,
  DEFAULT_CACHE,
  DEFAULT_SERVER,
  DEFAULT_REQUEST_LOG,
} from './defaults.js';
export type {
  ParseConfigOptions,
  ResolvedConfig,
  ResolvedProvider,
  ResolvedModel,
  ResolvedDeployment,
  ResolvedClientKey,
  BreakerSettings,
  RetrySettings,
  Timeouts,
  RateTrip,
  CountWindow,
  TimeWindow,
  Strategy,
  ModelBudget,
  CacheSettings,
  StateSettings,
  ServerSettings,
  CorsSettings,
  MetricsAuth,
  MetricsSettings,
  LogLevel,
  RequestLogSettings,
  TelemetrySettings,
  OtlpSettings,
} from './types.js';
