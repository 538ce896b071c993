/**
 * `npm run soak`: the gateway under 10 minutes of steady load with the primary provider's faults
 * switching every 30 s; writes the `soak` section of RELIABILITY.md and exits 1 on a failed
 * verdict.
 *
 *   npm run soak                   # 10 min, writes RELIABILITY.md
 *   npm run soak -- --quick        # 60 s, faults every 10 s (CI); prints only
 *   npm run soak -- --quick --write
 */
import { writeSection } from './report.js';
import { runGatewaySoak } from './soak-gateway.js';
import { gatewayMarkdown, gatewayVerdict } from './soak-verdict.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const write = argv.includes('--write') || !quick;
const command = quick ? 'npm run soak -- --quick' : 'npm run soak';

const log = (line: string): void => {
  console.error(line);
};
// Concurrency 16 and seed 1 by default.
const result = await runGatewaySoak(
  quick
    ? { durationMs: 60_000, phaseMs: 10_000, warmupMs: 5_000, sampleMs: 2_000, log }
    : { durationMs: 600_000, phaseMs: 30_000, warmupMs: 15_000, sampleMs: 5_000, log },
);
const markdown = gatewayMarkdown(result, command);
console.log(markdown);
if (write) {
  writeSection('soak', markdown);
  console.log('\nwrote the soak section of RELIABILITY.md');
}
const { pass } = gatewayVerdict(result);
process.exitCode = pass ? 0 : 1;
