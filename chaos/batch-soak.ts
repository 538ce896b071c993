/**
 * `npm run soak:batch`: the batch runner over 100,000 lines, SIGKILLed 5 times and resumed;
 * writes the `batch-soak` section of RELIABILITY.md and exits 1 on a failed verdict.
 *
 *   npm run soak:batch                       # 100,000 lines, 5 kills, writes RELIABILITY.md
 *   npm run soak:batch -- --lines 20000 --kills 3
 *   npm run soak:batch -- --quick            # 5,000 lines, 3 kills (CI); prints only
 *   npm run soak:batch -- --quick --write
 */
import { writeSection } from './report.js';
import { runBatchSoak } from './soak-batch.js';
import { batchMarkdown, batchVerdict } from './soak-batch-verdict.js';
import { numberFlag } from './soak-proc.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const write = argv.includes('--write') || !quick;
const lines = numberFlag(argv, '--lines', quick ? 5_000 : 100_000);
const kills = numberFlag(argv, '--kills', quick ? 3 : 5);
const shown = argv.filter((a) => a !== '--write');
const command = ['npm run soak:batch', ...(shown.length > 0 ? ['--', ...shown] : [])].join(' ');

const result = await runBatchSoak({
  lines,
  kills,
  log: (line) => {
    console.error(line);
  },
});
const markdown = batchMarkdown(result, command);
console.log(markdown);
if (write) {
  writeSection('batch-soak', markdown);
  console.log('\nwrote the batch-soak section of RELIABILITY.md');
}
process.exitCode = batchVerdict(result).pass ? 0 : 1;
