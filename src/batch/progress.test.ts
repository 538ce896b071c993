import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { BatchStats, MAX_MODELS, OTHER_MODEL } from './batch-stats.js';
import type { ProgressSnapshot } from './batch-stats.js';
import { barProgress, formatProgressLine, lineProgress, progressFor } from './progress.js';
import { formatSummary, buildReport } from './report.js';

const snap: ProgressSnapshot = {
  done: 1200,
  total: 5000,
  ran: 1200,
  succeeded: 1190,
  failed: 10,
  invalid: 0,
  fallbacks: 31,
  skippedDone: 0,
  inFlight: 20,
  costUsd: 0.0123,
  elapsedMs: 4800,
  ratePerSec: 250,
};

test('a plain progress line has done/total, rate, ETA, outcomes and spend', () => {
  assert.equal(
    formatProgressLine(snap),
    'batch 1200/5000 (24%) 250.0/s eta 15s ok 1190 fallback 31 failed 10 invalid 0 in-flight 20 spend $0.0123',
  );
  assert.match(formatProgressLine({ ...snap, ratePerSec: 0 }), /eta \?/);
  assert.match(formatProgressLine({ ...snap, ratePerSec: 1 }), /eta 1h03m/);
  assert.match(
    formatProgressLine({ ...snap, skippedDone: 7, costUsd: 12.5 }),
    /resumed 7 .* spend \$12\.50$/,
  );
});

test('lineProgress writes one line per call; progressFor picks lines off a TTY', () => {
  const lines: string[] = [];
  const sink = lineProgress((l) => lines.push(l), 2000);
  sink.start(snap);
  sink.update(snap);
  sink.stop(snap);
  assert.equal(lines.length, 3);
  assert.equal(sink.intervalMs, 2000);
  const out = new PassThrough() as unknown as NodeJS.WriteStream;
  let written = '';
  (out as unknown as PassThrough).on('data', (d: Buffer) => (written += d.toString()));
  const auto = progressFor(out);
  auto.update(snap);
  assert.equal(auto.intervalMs, 2000);
  assert.equal(written, `${formatProgressLine(snap)}\n`);
});

test('barProgress renders without throwing on a non-TTY stream', () => {
  const stream = new PassThrough();
  const bar = barProgress(stream);
  bar.start(snap);
  bar.update({ ...snap, done: 2500 });
  bar.stop({ ...snap, done: 5000 });
  assert.equal(bar.intervalMs, 200);
});

test('stats: per-model counts, p50/p99, bounded model names; report and summary', () => {
  const s = new BatchStats();
  const meta = {
    requestedModel: 'gpt-4.1',
    servedModel: 'gpt-4o-mini',
    deployment: 'sim/gpt-4o-mini',
    fallbackUsed: true,
    calls: 2,
    promptTokens: 10,
    completionTokens: 5,
    costUsd: 0.5,
    costIfRequestedUsd: 2,
    durationMs: 100,
  };
  for (let i = 1; i <= 99; i++) s.recordLine({ ...meta, durationMs: i }, true, null);
  s.recordLine({ ...meta, fallbackUsed: false, durationMs: 5000 }, false, 'all_candidates_failed');
  s.recordTrip('sim/gpt-4.1', 'gpt-4.1');
  for (let i = 0; i < MAX_MODELS + 5; i++)
    s.recordLine({ ...meta, requestedModel: `m${i}` }, true, null);
  const m = s.models()['gpt-4.1'];
  assert.ok(m !== undefined);
  assert.equal(m.lines, 100);
  assert.equal(m.succeeded, 99);
  assert.equal(m.failed, 1);
  assert.equal(m.fallbackUsed, 99);
  assert.equal(m.circuitTrips, 1);
  assert.ok(Math.abs((m.latencyMs.p50 ?? 0) - 50) <= 1);
  assert.ok(Math.abs((m.latencyMs.p99 ?? 0) - 98) <= 2);
  assert.equal(Object.keys(s.models()).length, MAX_MODELS + 1);
  assert.ok((s.models()[OTHER_MODEL]?.lines ?? 0) > 0);
  assert.equal(s.deployments()['sim/gpt-4.1']?.circuitTrips, 1);
  assert.deepEqual(s.errorCodes(), { all_candidates_failed: 1 });
  const report = buildReport(s, {
    status: 'completed',
    batchId: '0123456789abcdef',
    input: 'in',
    output: 'out',
    errors: null,
    endpoint: '/v1/chat/completions',
    startedAtEpochMs: 0,
    finishedAtEpochMs: 1000,
    totalLines: s.ran,
    skippedDoneSucceeded: 0,
    retried: 0,
    truncatedBytes: 0,
    stopped: null,
  });
  assert.equal(report.hasFailures, true);
  assert.equal(report.lines.unfinished, 0);
  assert.match(
    formatSummary(report),
    /gpt-4\.1: 99 ok, 1 failed, 99 via fallback, 1 circuit trips/,
  );
});
