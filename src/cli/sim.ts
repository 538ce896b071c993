/**
 * `breakerbox sim`: the fault-injecting simulator alone, for pointing a config (or any
 * OpenAI-compatible client) at a provider that misbehaves on demand. It runs until SIGINT/SIGTERM.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { SimValidationError, parseScenario, startSimulator } from '../sim/index.js';
import type { Scenario, Simulator } from '../sim/index.js';
import { paint } from './format.js';
import type { Output } from './format.js';
import { isLoopback, listenProblem } from './net.js';

/** Options of {@link runSim}. */
export interface SimCommandOptions {
  /** @default 8788 */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** A JSON or YAML file `{ steps: [{ atMs, model, faults }] }`, started once listening. */
  readonly scenario?: string;
  /** Seed of the fault PRNG. @default 1 */
  readonly seed?: number;
}

/** The simulator's default port: next to the gateway's 8787. */
export const DEFAULT_SIM_PORT = 8788;

/**
 * Reads a scenario file (YAML is a superset of JSON, so one parser reads both).
 * @throws SimValidationError whose path is the file when it cannot be read or parsed, or the
 *   field (`steps[0].atMs`) when it is not a valid scenario
 */
export async function readScenario(path: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new SimValidationError(path, `cannot read the file (${(error as Error).message})`);
  }
  let json: unknown;
  try {
    json = parseYaml(text);
  } catch (error) {
    throw new SimValidationError(path, `is neither JSON nor YAML (${(error as Error).message})`);
  }
  return parseScenario(json);
}

/**
 * Starts the simulator and resolves with it once it listens (and prints where).
 * @returns the simulator, or an exit code: 2 for an invalid scenario, 1 when it cannot listen
 */
export async function startSimCommand(
  options: SimCommandOptions,
  output: Output,
): Promise<Simulator | number> {
  let scenario: Scenario | undefined;
  if (options.scenario !== undefined) {
    try {
      scenario = await readScenario(options.scenario);
    } catch (error) {
      if (!(error instanceof SimValidationError)) throw error;
      const file = options.scenario;
      output.err(`invalid scenario: ${error.path === file ? '' : `${file}: `}${error.message}`);
      return 2;
    }
  }
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host)) {
    output.err(`warning: the simulator has no authentication and listens on ${host}`);
  }
  let sim: Simulator;
  try {
    sim = await startSimulator({
      host,
      port: options.port ?? DEFAULT_SIM_PORT,
      seed: options.seed ?? 1,
      ...(scenario !== undefined && { scenario }),
    });
  } catch (error) {
    const problem = listenProblem(error);
    if (problem === undefined) throw error;
    output.err(problem);
    return 1;
  }
  const c = output.color;
  output.out(`${paint(c, 'bold', 'breakerbox sim')} listening on ${paint(c, 'cyan', sim.url)}`);
  output.out(
    `  control: GET ${sim.url.replace(/\/v1$/, '')}/sim/stats, POST /sim/faults {model, faults}`,
  );
  if (scenario !== undefined) output.out(`  scenario: ${scenario.steps.length} steps started`);
  return sim;
}

/** `breakerbox sim`: runs until a signal, then closes. @returns the exit code */
export async function runSim(options: SimCommandOptions, output: Output): Promise<number> {
  const sim = await startSimCommand(options, output);
  if (typeof sim === 'number') return sim;
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await sim.close();
  return 0;
}
