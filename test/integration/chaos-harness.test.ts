// Issue 11: `npm run chaos` keeps working. The harness runs two cheap scenarios end to end
// (simulators, `breakerbox serve` children, the SDK) with a small request count, and its
// classifier is shown to catch what it exists to catch: a stream cut without an error event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator } from '../../src/sim/index.js';
import { runChaos } from '../../chaos/run.js';
import { client, request } from '../../chaos/measure.js';
import { verdict } from '../../chaos/row.js';

test('a stream cut without an error event is counted as a silent cut, not a success', async (t) => {
  const sim = await startSimulator({ models: { '*': { faults: { streamCutAfterChunks: 2 } } } });
  t.after(() => sim.close());
  // Straight to the simulator: nothing in between turns the cut into an error event.
  const sdk = client(sim.url.replace(/\/v1$/, ''));
  assert.equal((await request(sdk, true)).outcome, 'silent-cut');
  assert.equal((await request(sdk, false)).outcome, 'ok');
});

test('the chaos harness: full outage and stream cut through breakerbox serve, rows written', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'breakerbox-chaos-test-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const out = join(dir, 'RELIABILITY.md');
  const rows = await runChaos({
    only: ['full outage', 'stream cut'],
    requests: 120,
    concurrency: 10,
    out,
    log: () => undefined,
  });
  assert.deepEqual(
    rows.map((r) => r.name),
    ['full outage', 'stream cut mid-answer'],
  );
  for (const row of rows) {
    assert.deepEqual(verdict(row), [], `${row.name}: ${verdict(row).join('; ')}`);
    assert.equal(row.sent, 120);
    assert.equal(row.hung, 0);
    assert.equal(row.intoOpen, 0);
    assert.ok(row.openMs !== undefined, `${row.name}: the primary's breaker opened`);
  }
  const [outage, cut] = rows as [(typeof rows)[0], (typeof rows)[0]];
  assert.equal(outage.succeeded, 120, 'every request failed over to the backup');
  assert.ok(cut.cutWithError > 0, 'streams cut after content end with an error event');
  assert.equal(cut.silentCuts, 0);
  const text = readFileSync(out, 'utf8');
  assert.match(
    text,
    /<!-- chaos:start -->[\s\S]*\| full outage \| 120 \|[\s\S]*<!-- chaos:end -->/,
  );
});
