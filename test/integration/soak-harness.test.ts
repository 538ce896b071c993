/**
 * The soak harnesses (`npm run soak`, `npm run soak:batch`) in a tiny form, so they keep working:
 * an 8 s gateway soak with one fault switch, and a 2,000-line batch killed twice and resumed.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { runBatchSoak } from '../../chaos/soak-batch.js';
import { batchVerdict } from '../../chaos/soak-batch-verdict.js';
import { FAULT_CYCLE, runGatewaySoak } from '../../chaos/soak-gateway.js';
import { gatewayVerdict } from '../../chaos/soak-verdict.js';

const phase = (name: string) => {
  const p = FAULT_CYCLE.find((f) => f.name.startsWith(name));
  assert.ok(p, name);
  return p;
};

test('gateway soak: failover keeps every request answered, cut streams end with an error', async () => {
  const down = phase('primary down');
  const cut = phase('stream cut');
  const r = await runGatewaySoak({
    durationMs: 8000,
    phaseMs: 4000,
    warmupMs: 1000,
    sampleMs: 1000,
    concurrency: 8,
    phases: [down, cut],
  });
  const { checks } = gatewayVerdict(r);
  // Memory growth over 8 s measures the JIT warming up, not a leak: the 10-minute run judges it.
  // Here the other checks must hold and the memory figures must have been read.
  for (const name of ['success', 'hung', 'streams truncated', 'gateway crashed']) {
    const c = checks.find((x) => x.name.startsWith(name));
    assert.ok(c?.pass, `${name}: ${JSON.stringify(c)}`);
  }
  assert.ok(r.samples.length >= 6, `samples: ${r.samples.length}`);
  for (const s of [r.start, r.steady, r.end, r.idle]) {
    assert.ok(s.rss > 10e6 && s.heapUsed > 1e6 && s.handles > 0, JSON.stringify(s));
  }
  const downCounts = r.byPhase.get(down.name);
  const cutCounts = r.byPhase.get(cut.name);
  assert.ok(downCounts && downCounts.sent > 0 && downCounts.ok === downCounts.sent);
  // Streams cut after content by the primary cannot fail over: counted apart, never silent.
  assert.ok(cutCounts && cutCounts.cut > 0, JSON.stringify(cutCounts?.cut));
  assert.equal(r.total.truncated, 0);
  // The verdict is not vacuous: one hung request fails it.
  assert.equal(gatewayVerdict({ ...r, total: { ...r.total, hung: 1 } }).pass, false);
  // Handles left open once the load has stopped fail it; more handles under load do not.
  const handleCheck = (v: typeof r) =>
    gatewayVerdict(v).checks.find((c) => c.name.startsWith('active handles'))?.pass;
  const leaked = { ...r.idle, handles: r.start.handles + 20 };
  assert.equal(handleCheck({ ...r, idle: leaked }), false);
  const busy = { ...r.end, handles: r.steady.handles + 20 };
  assert.equal(
    handleCheck({ ...r, end: busy, idle: { ...r.idle, handles: r.start.handles } }),
    true,
  );
});

test('batch soak: killed twice and resumed, no line lost or duplicated', async () => {
  const r = await runBatchSoak({ lines: 2000, kills: 2, concurrency: 32, seed: 7 });
  const { pass, checks } = batchVerdict(r);
  assert.ok(pass, JSON.stringify(checks.filter((c) => !c.pass)));
  assert.equal(r.segments.length, 3);
  assert.deepEqual(
    r.segments.map((s) => s.exit.signal),
    ['SIGKILL', 'SIGKILL', null],
  );
  // Each kill left fewer results on disk than the next run ended with.
  const results = r.segments.map((s) => s.resultsAfter);
  assert.ok(results[0]! < results[1]! && results[1]! < results[2]!, String(results));
  assert.equal(results[2], 2000);
  // The verdict is not vacuous: a duplicated or a lost line fails it.
  assert.equal(batchVerdict({ ...r, duplicated: 1 }).pass, false);
  assert.equal(batchVerdict({ ...r, lost: 1 }).pass, false);
  // Memory is judged on a long input only; there a run that grew fails the verdict.
  const long = { ...r, options: { ...r.options, lines: 100_000 } };
  const memory = (peak: (i: number) => number): boolean | undefined =>
    batchVerdict({
      ...long,
      segments: r.segments.map((seg, i) => ({ ...seg, peakRss: peak(i) })),
    }).checks.find((c) => c.name.startsWith('peak RSS'))?.pass;
  assert.equal(
    memory((i) => (i === 0 ? 100e6 : 200e6)),
    false,
  );
  assert.equal(
    memory(() => 150e6),
    true,
  );
});
