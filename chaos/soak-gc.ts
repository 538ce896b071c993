/**
 * Preloaded into the gateway the soak measures (`node --expose-gc --import soak-gc.js
 * bin/breakerbox.js serve …`): on SIGUSR2 it runs a full garbage collection and prints
 * `soak-gc <n>` on stderr, so the driver reads the live heap from `/metrics` rather than
 * whatever garbage happens to be waiting for the collector. Nothing else in the gateway changes.
 */
let collections = 0;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc !== undefined) {
  process.on('SIGUSR2', () => {
    gc();
    collections += 1;
    process.stderr.write(`soak-gc ${collections}\n`);
  });
}
