/**
 * Issue 8, "Batch lines that never reached a provider are never re-sent": what a resume sends
 * again, `retryFailed`, and the early stop when every provider refuses the key. Real engine →
 * undici → simulator on 127.0.0.1, real files; small inputs, every wait bounded.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBatch } from '../../src/batch/index.js';
import { createBreakerbox } from '../../src/engine/index.js';
import type { Breakerbox } from '../../src/engine/index.js';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';
import {
  FALLBACK,
  PRIMARY,
  chatLine,
  exactlyOnce,
  readRows,
  writeChatInput,
} from '../fixtures/batch-support.js';

const dir = mkdtempSync(join(tmpdir(), 'bb-batch-resend-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});
let n = 0;
function files(): { input: string; output: string; errors: string } {
  const k = n++;
  return {
    input: join(dir, `in${k}.jsonl`),
    output: join(dir, `out${k}.jsonl`),
    errors: join(dir, `err${k}.jsonl`),
  };
}

/** A port nothing listens on (yet): bound, then freed. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => {
        resolve(port);
      });
    });
  });
}

/**
 * An engine with the primary and its fallback on one provider at `baseURL`. No retries: the
 * engine's retry phase may wait for an open breaker (30 s) before it answers; these tests are
 * about what the batch does with the answer.
 */
function engineAt(baseURL: string, apiKey?: string): Breakerbox {
  return createBreakerbox({
    providers: { sim: { baseURL, ...(apiKey !== undefined && { apiKey }) } },
    models: {
      [PRIMARY]: { deployments: [{ provider: 'sim' }], fallbacks: [FALLBACK] },
      [FALLBACK]: { deployments: [{ provider: 'sim' }] },
    },
    retry: { attempts: 0 },
  });
}

const CLEAN = { missing: 0, duplicated: 0, foreign: 0 };

test(
  'upstream refused (engine): lines fail retryable; once it is back, a resume sends them once',
  { timeout: 60_000 },
  async () => {
    const f = files();
    const count = 12;
    writeChatInput(f.input, count);
    const port = await freePort();
    const down = engineAt(`http://127.0.0.1:${port}/v1`);
    try {
      // maxWaitMs 0: lines skipped by an open breaker fail at once instead of waiting.
      const first = await runBatch({
        ...f,
        target: { kind: 'engine', engine: down },
        maxWaitMs: 0,
      });
      assert.equal(first.report.lines.failed, count);
    } finally {
      await down.close();
    }
    const failed = readRows(f.errors);
    assert.equal(failed.length, count);
    assert.ok(failed.every((r) => r.retryable === true && r.response?.status_code === 503));

    const sim = await startSimulator({ port });
    const up = engineAt(sim.url);
    try {
      const second = await runBatch({ ...f, target: { kind: 'engine', engine: up } });
      assert.equal(second.status, 'completed');
      assert.equal(second.hasFailures, false);
      assert.equal(second.report.lines.succeeded, count);
      assert.equal(second.report.lines.retried, count);
      assert.equal(sim.calls(), count);
      assert.equal(readRows(f.errors).length, 0, 'the superseded failures are gone');
      assert.equal(readRows(f.output).length, count);
      assert.deepEqual(exactlyOnce(readRows(f.output, f.errors), count), CLEAN);
      // A third run finds nothing to do.
      const third = await runBatch({ ...f, target: { kind: 'engine', engine: up } });
      assert.equal(third.report.lines.skippedDone, count);
      assert.equal(sim.calls(), count);
    } finally {
      await up.close();
      await sim.close();
    }
  },
);

test(
  'gateway unreachable (--url): lines fail retryable; once it is up, a resume sends them once',
  { timeout: 60_000 },
  async () => {
    const f = files();
    const count = 5;
    writeChatInput(f.input, count);
    const port = await freePort();
    const target = { kind: 'url' as const, baseURL: `http://127.0.0.1:${port}/v1` };
    await runBatch({ ...f, target, maxWaitMs: 0 });
    const failed = readRows(f.errors);
    assert.equal(failed.length, count);
    assert.ok(failed.every((r) => r.retryable === true && r.error?.code === 'gateway_unreachable'));

    const sim = await startSimulator({ port });
    try {
      const second = await runBatch({ ...f, target });
      assert.equal(second.report.lines.succeeded, count);
      assert.equal(sim.calls(), count);
      assert.equal(readRows(f.errors).length, 0);
      assert.deepEqual(exactlyOnce(readRows(f.output, f.errors), count), CLEAN);
    } finally {
      await sim.close();
    }
  },
);

test(
  'a 400 from the provider is final on a plain resume and re-sent with retryFailed',
  { timeout: 60_000 },
  async () => {
    const f = files();
    // req-1..3 are fine; "too-long" gets 400 context_length_exceeded; "flaky" gets 500s.
    writeFileSync(
      f.input,
      [
        chatLine('req-1'),
        chatLine('too-long', 'small'),
        chatLine('req-2'),
        chatLine('flaky', 'flaky'),
        chatLine('req-3'),
      ].join('\n') + '\n',
    );
    const sim = await startSimulator({
      models: {
        small: { faults: { contextLengthError: true } },
        flaky: { faults: { errorRate: 1 } },
      },
    });
    const bb = createBreakerbox({
      providers: { sim: { baseURL: sim.url } },
      models: {
        [PRIMARY]: { deployments: [{ provider: 'sim' }] },
        small: { deployments: [{ provider: 'sim' }] },
        flaky: { deployments: [{ provider: 'sim' }] },
      },
    });
    const target = { kind: 'engine' as const, engine: bb };
    try {
      await runBatch({ ...f, target });
      const byId = new Map(readRows(f.errors).map((r) => [r.custom_id, r]));
      assert.equal(byId.get('too-long')?.response?.status_code, 400);
      assert.equal(byId.get('too-long')?.retryable, false);
      assert.equal(byId.get('flaky')?.retryable, true);

      sim.clearFaults();
      const small = sim.calls('small');
      const plain = await runBatch({ ...f, target });
      assert.equal(sim.calls('small'), small, 'a plain resume does not re-send a 400');
      assert.equal(plain.report.lines.retried, 1);
      assert.equal(plain.report.lines.succeeded, 1);
      assert.equal(plain.hasFailures, true, 'the 400 still counts');
      assert.deepEqual(
        readRows(f.errors).map((r) => r.custom_id),
        ['too-long'],
      );

      const retried = await runBatch({ ...f, target, retryFailed: true });
      assert.equal(sim.calls('small'), small + 1, 'retryFailed re-sends it');
      assert.equal(retried.report.lines.retried, 1);
      assert.equal(retried.report.lines.skippedDone, 4, 'successes are kept');
      assert.equal(retried.hasFailures, false);
      assert.equal(readRows(f.errors).length, 0);
      const rows = readRows(f.output, f.errors);
      assert.equal(rows.length, 5);
      assert.deepEqual(
        rows.map((r) => r.custom_id).sort(),
        ['flaky', 'req-1', 'req-2', 'req-3', 'too-long'].sort(),
      );
    } finally {
      await bb.close();
      await sim.close();
    }
  },
);

async function authStop(sim: Simulator, f: ReturnType<typeof files>) {
  const bad = engineAt(sim.url, 'sk-wrong');
  try {
    return await runBatch({ ...f, target: { kind: 'engine', engine: bad }, concurrency: 4 });
  } finally {
    await bad.close();
  }
}

test(
  'every provider answering 401: the run stops after 20 lines, names the problem, resumes later',
  { timeout: 60_000 },
  async () => {
    const f = files();
    const count = 300;
    writeChatInput(f.input, count);
    const sim = await startSimulator({ apiKey: 'sk-right' });
    try {
      const stopped = await authStop(sim, f);
      assert.equal(stopped.status, 'stopped');
      assert.equal(stopped.hasFailures, true);
      assert.equal(stopped.stopped?.reason, 'auth_failures');
      assert.deepEqual(stopped.stopped.providers, ['sim']);
      assert.match(stopped.stopped.message, /401/);
      assert.match(stopped.stopped.message, /20 lines in a row/);
      assert.match(stopped.stopped.message, /API key of provider sim/);
      assert.doesNotMatch(stopped.stopped.message, /sk-wrong/);
      const rows = readRows(f.output, f.errors);
      assert.equal(rows.length, 20, 'not 300 identical failures');
      assert.ok(rows.every((r) => r.retryable === true));
      assert.ok(stopped.report.lines.unfinished >= count - 20);
      assert.ok(sim.calls() < 100, `${sim.calls()} calls`);

      const good = engineAt(sim.url, 'sk-right');
      try {
        const resumed = await runBatch({ ...f, target: { kind: 'engine', engine: good } });
        assert.equal(resumed.status, 'completed');
        assert.equal(resumed.report.lines.succeeded, count);
        assert.equal(resumed.hasFailures, false);
      } finally {
        await good.close();
      }
      assert.equal(readRows(f.errors).length, 0);
      assert.deepEqual(exactlyOnce(readRows(f.output, f.errors), count), CLEAN);
    } finally {
      await sim.close();
    }
  },
);

test(
  "a gateway refusing the batch's own key (--url, 401): stops and says it is that key",
  { timeout: 60_000 },
  async () => {
    const f = files();
    writeChatInput(f.input, 50);
    const sim = await startSimulator({ apiKey: 'sk-right' });
    try {
      const r = await runBatch({
        ...f,
        target: { kind: 'url', baseURL: sim.url, apiKey: 'sk-wrong' },
        concurrency: 2,
        stopAfterAuthFailures: 5,
      });
      assert.equal(r.status, 'stopped');
      assert.equal(r.stopped?.refusedBy, 'gateway');
      assert.match(r.stopped.message, /answered 401 to 5 lines in a row/);
      assert.equal(readRows(f.errors).length, 5);
      assert.equal(r.report.stopped?.reason, 'auth_failures');
    } finally {
      await sim.close();
    }
  },
);

test('stopAfterAuthFailures: 0 disables the stop', { timeout: 60_000 }, async () => {
  const f = files();
  const count = 30;
  writeChatInput(f.input, count);
  const sim = await startSimulator({ apiKey: 'sk-right' });
  const bad = engineAt(sim.url, 'sk-wrong');
  try {
    const r = await runBatch({
      ...f,
      target: { kind: 'engine', engine: bad },
      stopAfterAuthFailures: 0,
      maxWaitMs: 0,
    });
    assert.equal(r.status, 'completed');
    assert.equal(r.stopped, undefined);
    assert.equal(readRows(f.errors).length, count);
  } finally {
    await bad.close();
    await sim.close();
  }
});
