import type { TestContext } from 'node:test';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/sim/index.js';

/**
 * Starts a simulator on 127.0.0.1, port 0, and closes it when the test ends (pass or fail).
 * @throws SimValidationError when the options are not valid
 */
export async function startSim(t: TestContext, options: SimulatorOptions = {}): Promise<Simulator> {
  const sim = await startSimulator({ ...options, host: '127.0.0.1', port: 0 });
  t.after(() => sim.close());
  return sim;
}
