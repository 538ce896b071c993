/** The simulated OpenAI-compatible provider: faults on demand, no API key, deterministic. */
export { startSimulator } from './simulator.js';
export { parseFaults, parseScenario, SimValidationError } from './validate.js';
export type {
  Faults,
  LatencySpec,
  ModelStats,
  RateLimitFault,
  Scenario,
  ScenarioStep,
  ScheduledScenario,
  SimModelOptions,
  Simulator,
  SimulatorOptions,
  SlowFault,
} from './types.js';
