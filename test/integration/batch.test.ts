/**
 * The batch runner end to end: real engine → undici → simulator on 127.0.0.1, real files, and
 * child processes killed with SIGKILL. Every loop is bounded in count and time.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBatch } from '../../src/batch/index.js';
import type { BatchReport } from '../../src/batch/index.js';
import { startSimulator } from '../../src/sim/index.js';
import {
  FALLBACK,
  PRIMARY,
  chatLine,
  exactlyOnce,
  readRows,
  startStack,
  writeChatInput,
} from '../fixtures/batch-support.js';

const here = dirname(fileURLToPath(import.meta.url));
const CHILD = join(here, '..', 'fixtures', 'batch-child.js');
const dir = mkdtempSync(join(tmpdir(), 'bb-batch-it-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});
let n = 0;
function files(): { input: string; output: string; errors: string; report: string } {
  const k = n++;
  return {
    input: join(dir, `in${k}.jsonl`),
    output: join(dir, `out${k}.jsonl`),
    errors: join(dir, `err${k}.jsonl`),
    report: join(dir, `report${k}.json`),
  };
}

function lineCount(path: string): number {
  // Streamed in chunks: a 1,000,000-line output is larger than the longest string V8 allows.
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return 0;
  }
  try {
    const chunk = Buffer.alloc(1 << 20);
    let count = 0;
    for (let read = readSync(fd, chunk); read > 0; read = readSync(fd, chunk)) {
      for (let i = chunk.indexOf(10); i !== -1 && i < read; i = chunk.indexOf(10, i + 1)) count++;
    }
    return count;
  } finally {
    closeSync(fd);
  }
}

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the fixture; when `kill.when()` says so (polled every 10 ms), signals it once. */
function runChild(
  options: Record<string, unknown>,
  kill?: { when: () => boolean; signal?: NodeJS.Signals },
  timeoutMs = 60_000,
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', CHILD, JSON.stringify(options)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let sent = false;
    const poll = setInterval(() => {
      if (!sent && kill?.when() === true) {
        sent = true;
        child.kill(kill.signal ?? 'SIGKILL');
      }
    }, 10);
    const limit = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child took over ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearInterval(poll);
      clearTimeout(limit);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

interface ChildOutput {
  report: BatchReport;
  peakRssBytes: number;
  heapAtQuarterBytes: number;
  heapAtEndBytes: number;
}

function childReport(r: ChildResult): ChildOutput {
  assert.equal(r.code, 0, `child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as ChildOutput;
}

test(
  '5,000 lines, primary at 34% errors, healthy fallback: every line once, ≥ 99.9% answered',
  { timeout: 120_000 },
  async (t) => {
    const f = files();
    const count = 5000;
    writeChatInput(f.input, count);
    // A short open time: the primary is probed again and again during the run (half-open,
    // re-trip), not tripped once and left alone.
    const stack = await startStack({
      primary: { errorRate: 0.34, latencyMs: { minMs: 1, maxMs: 5 } },
      fallback: { latencyMs: { minMs: 1, maxMs: 5 } },
      engine: { breaker: { openMs: 100, maxOpenMs: 400 } },
    });
    try {
      const started = performance.now();
      const result = await runBatch({
        ...f,
        target: { kind: 'engine', engine: stack.bb },
        concurrency: 50,
      });
      const seconds = (performance.now() - started) / 1000;
      const rows = readRows(f.output, f.errors);
      assert.deepEqual(exactlyOnce(rows, count), { missing: 0, duplicated: 0, foreign: 0 });
      assert.equal(rows.length, count);
      const ok = rows.filter((r) => r.response?.status_code === 200).length;
      const r = result.report;
      t.diagnostic(
        `5000 lines in ${seconds.toFixed(1)} s: ${ok} answered (${((ok / count) * 100).toFixed(2)}%), ` +
          `${r.models[PRIMARY]?.fallbackUsed} via ${FALLBACK}, ${r.models[PRIMARY]?.circuitTrips} trips, ` +
          `spend $${r.spend.costUsd.toFixed(4)} vs all-primary $${r.spend.costIfAllPrimaryUsd.toFixed(4)}, ` +
          `sim calls ${stack.sim.calls(PRIMARY)} primary / ${stack.sim.calls(FALLBACK)} fallback`,
      );
      assert.ok(ok / count >= 0.999, `only ${ok} of ${count} answered`);
      assert.equal(r.status, 'completed');
      assert.equal(r.lines.succeeded, ok);
      assert.ok((r.models[PRIMARY]?.fallbackUsed ?? 0) > 500);
      assert.ok((r.models[PRIMARY]?.circuitTrips ?? 0) >= 1);
      assert.ok(stack.sim.calls(PRIMARY) >= 50, 'the primary kept being tried');
      assert.ok(r.spend.costIfAllPrimaryUsd > r.spend.costUsd);
      assert.ok(r.models[PRIMARY]?.latencyMs.p99 !== null);
      assert.deepEqual(JSON.parse(readFileSync(f.report, 'utf8')), JSON.parse(JSON.stringify(r)));
    } finally {
      await stack.close();
    }
  },
);

test(
  'SIGKILLed twice mid-run and resumed: zero lost, zero duplicated',
  { timeout: 120_000 },
  async (t) => {
    const f = files();
    const count = 3000;
    writeChatInput(f.input, count);
    const options = {
      input: f.input,
      output: f.output,
      errors: f.errors,
      concurrency: 20,
      latencyMs: { minMs: 2, maxMs: 12 },
      primaryErrorRate: 0.1,
      syncEveryLines: 50,
    };
    const written = (): number => lineCount(f.output) + lineCount(f.errors);
    const first = await runChild(options, { when: () => written() >= 400 });
    assert.equal(first.signal, 'SIGKILL', `first run was not killed: ${first.stderr}`);
    const afterFirst = written();
    const second = await runChild(options, { when: () => written() >= 1600 });
    assert.equal(second.signal, 'SIGKILL', `second run was not killed: ${second.stderr}`);
    const afterSecond = readRows(f.output, f.errors).length;
    const { report } = childReport(await runChild(options));
    const rows = readRows(f.output, f.errors);
    t.diagnostic(
      `killed after ${afterFirst} and ${afterSecond} results; last run skipped ` +
        `${report.lines.skippedDone}, ran ${report.lines.succeeded + report.lines.failed}, ` +
        `truncated ${report.truncatedBytes} bytes`,
    );
    assert.deepEqual(exactlyOnce(rows, count), { missing: 0, duplicated: 0, foreign: 0 });
    assert.equal(rows.length, count);
    assert.equal(report.status, 'completed');
    assert.ok(report.lines.skippedDone >= 1600 && report.lines.skippedDone < count);
    assert.equal(report.lines.skippedDone + report.lines.succeeded + report.lines.failed, count);
  },
);

test(
  'SIGTERM: stops reading, finishes in-flight lines, writes the report; the rerun completes',
  { timeout: 60_000 },
  async () => {
    const f = files();
    const count = 2000;
    writeChatInput(f.input, count);
    const options = {
      input: f.input,
      output: f.output,
      errors: f.errors,
      report: f.report,
      concurrency: 20,
      latencyMs: { minMs: 5, maxMs: 15 },
    };
    const stopped = await runChild(options, {
      when: () => lineCount(f.output) >= 300,
      signal: 'SIGTERM',
    });
    const first = childReport(stopped).report;
    assert.equal(first.status, 'interrupted');
    assert.ok(first.lines.unfinished > 0);
    const written = readRows(f.output, f.errors).length;
    // Every line it started was finished and written: nothing torn, nothing in limbo.
    assert.equal(written, first.lines.succeeded + first.lines.failed);
    assert.equal(first.truncatedBytes, 0);
    assert.deepEqual(
      (JSON.parse(readFileSync(f.report, 'utf8')) as BatchReport).lines,
      first.lines,
    );
    const last = childReport(await runChild(options)).report;
    assert.equal(last.status, 'completed');
    assert.equal(last.truncatedBytes, 0);
    assert.equal(last.lines.skippedDone, written);
    assert.deepEqual(exactlyOnce(readRows(f.output, f.errors), count), {
      missing: 0,
      duplicated: 0,
      foreign: 0,
    });
  },
);

test(
  'a torn last line (made by hand) is truncated and its line sent again',
  { timeout: 60_000 },
  async () => {
    const f = files();
    const count = 300;
    writeChatInput(f.input, count);
    const stack = await startStack({});
    try {
      const target = { kind: 'engine' as const, engine: stack.bb };
      await runBatch({ input: f.input, output: f.output, target });
      const text = readFileSync(f.output, 'utf8');
      let cut = 0;
      for (let i = 0; i < 200; i++) cut = text.indexOf('\n', cut) + 1;
      truncateSync(f.output, cut + 30);
      assert.equal(statSync(f.output).size, cut + 30);
      const before = stack.sim.calls();
      const result = await runBatch({ input: f.input, output: f.output, target });
      assert.equal(result.report.truncatedBytes, 30);
      assert.equal(result.report.lines.skippedDone, 200);
      assert.equal(result.report.lines.succeeded, 100);
      assert.equal(stack.sim.calls() - before, 100);
      assert.deepEqual(exactlyOnce(readRows(f.output), count), {
        missing: 0,
        duplicated: 0,
        foreign: 0,
      });
    } finally {
      await stack.close();
    }
  },
);

test(
  'malformed lines are reported by number and the rest is processed',
  { timeout: 60_000 },
  async () => {
    const f = files();
    const lines = [
      chatLine('req-1'),
      chatLine('req-2'),
      '{"custom_id": "broken", "method": "POST",', // 3: bad JSON
      chatLine('req-3'),
      JSON.stringify({ method: 'POST', url: '/v1/chat/completions', body: { model: PRIMARY } }), // 5
      chatLine('req-4'),
      chatLine('req-2'), // 7: duplicate
      chatLine('req-5'),
      JSON.stringify({ custom_id: 'wrong-url', method: 'POST', url: '/v1/embeddings', body: {} }), // 9
      chatLine('req-6'),
      JSON.stringify({
        custom_id: 'wrong-method',
        method: 'GET',
        url: '/v1/chat/completions',
        body: {},
      }), // 11
      chatLine('req-7'),
      JSON.stringify({
        custom_id: 'no-model',
        method: 'POST',
        url: '/v1/chat/completions',
        body: { messages: [] },
      }), // 13
    ];
    writeFileSync(f.input, lines.join('\n') + '\n');
    const stack = await startStack({});
    try {
      const result = await runBatch({ ...f, target: { kind: 'engine', engine: stack.bb } });
      const out = readRows(f.output);
      assert.deepEqual(out.map((r) => r.custom_id).sort(), [
        'req-1',
        'req-2',
        'req-3',
        'req-4',
        'req-5',
        'req-6',
        'req-7',
      ]);
      const errors = readRows(f.errors);
      const invalid = errors
        .filter((r) => r.error?.code === 'invalid_request')
        .map((r) => [r.error?.line, r.custom_id, r.error?.message.split(':')[0]])
        .sort((a, b) => Number(a[0]) - Number(b[0]));
      assert.deepEqual(invalid, [
        [3, null, 'line 3'],
        [5, null, 'line 5'],
        [7, null, 'line 7'],
        [9, 'wrong-url', 'line 9'],
        [11, 'wrong-method', 'line 11'],
      ]);
      assert.match(
        errors.find((r) => r.error?.line === 7)?.error?.message ?? '',
        /duplicate custom_id "req-2" \(first used on line 2\)/,
      );
      // A body the engine refuses is an HTTP 400 result, as at OpenAI.
      const noModel = errors.find((r) => r.custom_id === 'no-model');
      assert.equal(noModel?.response?.status_code, 400);
      assert.equal(result.report.lines.invalid, 5);
      assert.equal(result.report.lines.succeeded, 7);
      assert.equal(result.report.lines.failed, 1);
      assert.equal(result.hasFailures, true);
    } finally {
      await stack.close();
    }
  },
);

// 200,000 lines take ~30 s here; BREAKERBOX_SLOW_TESTS=1 runs 1,000,000 (~2.5 min).
const SLOW = process.env.BREAKERBOX_SLOW_TESTS === '1';
const BIG = SLOW ? 1_000_000 : 200_000;

test(
  `${BIG.toLocaleString('en')} lines in flat memory (peak RSS of the batch process)`,
  { timeout: SLOW ? 900_000 : 300_000 },
  async (t) => {
    const f = files();
    writeChatInput(f.input, BIG);
    const started = performance.now();
    const { report, peakRssBytes, heapAtQuarterBytes, heapAtEndBytes } = childReport(
      await runChild(
        { input: f.input, output: f.output, errors: f.errors, concurrency: 64, measureHeap: true },
        undefined,
        SLOW ? 880_000 : 280_000,
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    const mb = peakRssBytes / 1024 / 1024;
    t.diagnostic(
      `${BIG} lines in ${seconds.toFixed(1)} s (${(BIG / seconds).toFixed(0)} lines/s), ` +
        `peak RSS ${mb.toFixed(1)} MB, live heap ${(heapAtQuarterBytes / 1e6).toFixed(1)} MB at 25% ` +
        `and ${(heapAtEndBytes / 1e6).toFixed(1)} MB at the end, input ${(statSync(f.input).size / 1e6).toFixed(1)} MB, ` +
        `output ${(statSync(f.output).size / 1e6).toFixed(1)} MB`,
    );
    assert.equal(report.status, 'completed');
    assert.equal(report.lines.succeeded, BIG);
    assert.ok(mb < 300, `peak RSS ${mb.toFixed(1)} MB`);
    // Flat, not merely bounded: the live heap does not grow with the lines done.
    assert.ok(heapAtQuarterBytes > 0 && heapAtEndBytes > 0, 'heap not measured');
    assert.ok(heapAtEndBytes - heapAtQuarterBytes < 32e6, 'the live heap grew with the input');
    assert.equal(lineCount(f.output), BIG);
  },
);

test(
  'a gateway URL target: status, usage-based cost, and an unreachable gateway',
  { timeout: 60_000 },
  async () => {
    const f = files();
    writeChatInput(f.input, 40);
    const sim = await startSimulator({ models: { [PRIMARY]: { faults: { errorRate: 0.25 } } } });
    try {
      const result = await runBatch({
        ...f,
        target: { kind: 'url', baseURL: sim.url },
        concurrency: 8,
      });
      const rows = readRows(f.output, f.errors);
      assert.deepEqual(exactlyOnce(rows, 40), { missing: 0, duplicated: 0, foreign: 0 });
      const failed = readRows(f.errors);
      assert.ok(failed.length > 0 && failed.every((r) => r.response?.status_code === 500));
      assert.equal(result.report.lines.succeeded, 40 - failed.length);
      assert.ok(result.report.spend.costUsd > 0);
    } finally {
      await sim.close();
    }
    // A port nobody listens on: after the wait for capacity, each line fails without an HTTP result.
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = s.address() as { port: number };
        s.close(() => {
          resolve(p);
        });
      });
    });
    const g = files();
    writeChatInput(g.input, 3);
    const down = await runBatch({
      ...g,
      target: { kind: 'url', baseURL: `http://127.0.0.1:${port}/v1` },
      maxWaitMs: 0,
    });
    const rows = readRows(g.errors);
    assert.equal(rows.length, 3);
    assert.ok(rows.every((r) => r.response === null && r.error?.code === 'gateway_unreachable'));
    assert.equal(down.hasFailures, true);
  },
);
