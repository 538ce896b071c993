/**
 * One breaker per name (per host, per API key, per model), created on first use and bounded in
 * number, with one listener for all of them.
 *
 *   npm run build && node dist/examples/core/registry.js
 */
import { fileURLToPath } from 'node:url';
import { BreakerRegistry } from '../../src/core/index.js';

export async function main(log: (line: string) => void = console.log) {
  const breakers = new BreakerRegistry({
    defaults: { trip: { consecutive: 3 }, openMs: 15_000 },
    maxBreakers: 1_000,
  });
  const opened: string[] = [];
  breakers.onTransition((t) => {
    if (t.to === 'open') opened.push(t.breaker);
  });

  // A host that needs a stricter breaker gets its own config when first created.
  breakers.get('api.flaky.example', { trip: { consecutive: 1 } });

  const call = (host: string, works: boolean): Promise<string> =>
    breakers
      .get(host)
      .execute(() => (works ? Promise.resolve('200') : Promise.reject(new Error('502'))))
      .catch((error: unknown) => String(error));

  await call('api.good.example', true);
  await call('api.flaky.example', false);
  await call('api.good.example', false);

  const states = Object.fromEntries([...breakers.entries()].map(([name, b]) => [name, b.state]));
  log(JSON.stringify(states));
  return { opened, states, size: breakers.size };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
