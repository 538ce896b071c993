/**
 * Hand-written validation of faults and scenarios (the simulator imports nothing, zod included).
 * Each error names the exact path, e.g. `steps[2].atMs: must be a non-negative number`, and
 * every parser returns a fresh copy so later edits to the input change nothing.
 */
import type {
  Faults,
  LatencySpec,
  RateLimitFault,
  Scenario,
  ScenarioStep,
  SlowFault,
} from './types.js';

/** A fault or scenario that is not valid. `path` names the offending field. */
export class SimValidationError extends Error {
  /** Path of the field, e.g. `steps[2].atMs`. */
  readonly path: string;

  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.name = 'SimValidationError';
    this.path = path;
  }
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function rate(value: unknown, path: string): number {
  if (!isNumber(value) || value < 0 || value > 1) {
    throw new SimValidationError(path, 'must be a number from 0 to 1');
  }
  return value;
}

function nonNegative(value: unknown, path: string): number {
  if (!isNumber(value) || value < 0) {
    throw new SimValidationError(path, 'must be a non-negative number');
  }
  return value;
}

function count(value: unknown, path: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw new SimValidationError(path, 'must be a non-negative integer');
  }
  return value as number;
}

function flag(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') throw new SimValidationError(path, 'must be true or false');
  return value;
}

function errorStatus(value: unknown, path: string): number {
  if (!Number.isInteger(value) || (value as number) < 400 || (value as number) > 599) {
    throw new SimValidationError(path, 'must be an HTTP error status from 400 to 599');
  }
  return value as number;
}

function latency(value: unknown, path: string): LatencySpec {
  if (!isObject(value)) return nonNegative(value, path);
  rejectUnknown(value, ['minMs', 'maxMs'], path);
  const minMs = nonNegative(value.minMs, `${path}.minMs`);
  const maxMs = nonNegative(value.maxMs, `${path}.maxMs`);
  if (maxMs < minMs) throw new SimValidationError(`${path}.maxMs`, 'must be >= minMs');
  return { minMs, maxMs };
}

function slow(value: unknown, path: string): SlowFault {
  if (!isObject(value)) throw new SimValidationError(path, 'must be an object');
  rejectUnknown(value, ['rate', 'ms'], path);
  return { rate: rate(value.rate, `${path}.rate`), ms: nonNegative(value.ms, `${path}.ms`) };
}

function rateLimit(value: unknown, path: string): RateLimitFault {
  if (!isObject(value)) throw new SimValidationError(path, 'must be an object');
  rejectUnknown(value, ['rate', 'retryAfterS', 'retryAfterMs'], path);
  const out: RateLimitFault = {};
  if (value.rate !== undefined) out.rate = rate(value.rate, `${path}.rate`);
  if (value.retryAfterS !== undefined) {
    out.retryAfterS = nonNegative(value.retryAfterS, `${path}.retryAfterS`);
  }
  if (value.retryAfterMs !== undefined) {
    out.retryAfterMs = nonNegative(value.retryAfterMs, `${path}.retryAfterMs`);
  }
  return out;
}

function rejectUnknown(value: Json, known: readonly string[], path: string): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new SimValidationError(
        `${path}.${key}`,
        `unknown field (expected ${known.join(', ')})`,
      );
    }
  }
}

/** How each fault field is checked; the keys are also the list of known fields. */
const FAULT_FIELDS: { [K in keyof Required<Faults>]: (v: unknown, path: string) => Faults[K] } = {
  errorRate: rate,
  errorStatus,
  latencyMs: latency,
  slow,
  chunkDelayMs: nonNegative,
  rateLimit,
  down: flag,
  hangRate: rate,
  streamCutAfterChunks: count,
  streamStallAfterChunks: count,
  errorEventBeforeContentRate: rate,
  malformedRate: rate,
  contextLengthError: flag,
  flatErrorBody: flag,
};
/** Every fault field the simulator knows (docs/sim.md documents each; a test checks it). */
export const FAULT_KEYS = Object.keys(FAULT_FIELDS) as readonly (keyof Faults)[];

/**
 * Validates a {@link Faults} object (from JSON or code) and returns a copy.
 * @param path prefix for error messages. @default 'faults'
 * @throws SimValidationError naming the first invalid or unknown field
 */
export function parseFaults(json: unknown, path = 'faults'): Faults {
  if (!isObject(json)) throw new SimValidationError(path, 'must be an object');
  rejectUnknown(json, FAULT_KEYS, path);
  const out: Record<string, unknown> = {};
  for (const key of FAULT_KEYS) {
    const value = json[key];
    if (value !== undefined) out[key] = FAULT_FIELDS[key](value, `${path}.${key}`);
  }
  return out;
}

function parseStep(json: unknown, path: string): ScenarioStep {
  if (!isObject(json)) throw new SimValidationError(path, 'must be an object');
  rejectUnknown(json, ['atMs', 'model', 'faults'], path);
  const atMs = nonNegative(json.atMs, `${path}.atMs`);
  if (typeof json.model !== 'string' || json.model === '') {
    throw new SimValidationError(`${path}.model`, 'must be a non-empty string');
  }
  if (json.faults === undefined) {
    throw new SimValidationError(`${path}.faults`, 'must be an object or null (null clears)');
  }
  const faults = json.faults === null ? null : parseFaults(json.faults, `${path}.faults`);
  return { atMs, model: json.model, faults };
}

/**
 * Validates a scenario, e.g. parsed from a JSON file or a `POST /sim/scenario` body, and returns
 * a copy.
 * @throws SimValidationError naming the first invalid field, e.g. `steps[2].atMs: must be a
 * non-negative number`
 */
export function parseScenario(json: unknown): Scenario {
  if (!isObject(json)) throw new SimValidationError('scenario', 'must be an object with steps');
  rejectUnknown(json, ['steps'], 'scenario');
  if (!Array.isArray(json.steps)) throw new SimValidationError('steps', 'must be an array');
  return { steps: json.steps.map((step, i) => parseStep(step, `steps[${i}]`)) };
}

/**
 * Checks a positive integer option such as `embeddingDimensions`.
 * @throws SimValidationError when it is not a positive safe integer
 */
export function positiveInteger(value: unknown, path: string): number {
  if (!Number.isSafeInteger(value) || (value as number) <= 0) {
    throw new SimValidationError(path, 'must be a positive integer');
  }
  return value as number;
}
