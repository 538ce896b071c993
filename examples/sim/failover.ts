/**
 * breakerbox/sim in a test of your own: two simulated providers on loopback, the primary down.
 * Requests fail over to the backup, the primary's breaker opens after two failures (so the third
 * request does not even call it), and once the fault is cleared and the circuit reset, traffic goes
 * back to the primary.
 *
 *   npm run build && node dist/examples/sim/failover.js
 */
import { fileURLToPath } from 'node:url';
import { createBreakerbox } from '../../src/index.js';
import { startSimulator } from '../../src/sim/index.js';

export async function main(log: (line: string) => void = console.log) {
  // Two providers on free ports of 127.0.0.1; every call to the primary answers 503.
  const primary = await startSimulator({ models: { '*': { faults: { down: true } } } });
  const backup = await startSimulator();
  const bb = createBreakerbox({
    providers: { primary: { baseURL: primary.url }, backup: { baseURL: backup.url } },
    models: { 'gpt-4.1': { deployments: [{ provider: 'primary' }, { provider: 'backup' }] } },
    breaker: { trip: { consecutive: 2 } },
    retry: { attempts: 0 },
  });
  const ask = () => bb.chat({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }] });
  try {
    const served: string[] = [];
    for (let i = 0; i < 3; i++) served.push((await ask()).breakerbox.deployment ?? 'none');
    const primaryCalls = primary.calls('gpt-4.1'); // 2: the third request skipped it
    const primary503s = primary.stats()['gpt-4.1']?.byStatus['503'] ?? 0;
    log(`served by ${served.join(', ')}; the primary got ${primaryCalls} calls`);

    // The primary recovers; an operator closes its circuit (else a probe would, after openMs).
    primary.setFaults('*', null);
    bb.breakers.get('primary/gpt-4.1').reset();
    const afterRecovery = (await ask()).breakerbox.deployment;
    log(`after recovery: ${afterRecovery ?? 'none'}`);
    return { served, primaryCalls, primary503s, afterRecovery };
  } finally {
    await bb.close();
    await primary.close();
    await backup.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
