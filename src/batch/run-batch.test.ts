import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../core/index.js';
import type { Clock } from '../core/index.js';
import { BatchError } from './batch-error.js';
import type { ProgressSnapshot } from './batch-stats.js';
import type { BatchProgress } from './progress.js';
import { runBatch } from './run-batch.js';
import { runLines } from './run-lines.js';
import type { BatchResultLine } from './run-lines.js';
import type { LineExecutor, LineOutcome, LineRequest } from './target.js';

const dir = mkdtempSync(join(tmpdir(), 'bb-run-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});
let n = 0;
const paths = () => {
  const k = n++;
  return {
    input: join(dir, `in${k}.jsonl`),
    output: join(dir, `out${k}.jsonl`),
    errors: join(dir, `err${k}.jsonl`),
    report: join(dir, `report${k}.json`),
  };
};

function request(id: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    custom_id: id,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model: 'm', messages: [{ role: 'user', content: id }], ...extra },
  });
}

function writeInput(path: string, lines: string[]): void {
  writeFileSync(path, lines.join('\n') + '\n');
}

const meta = (durationMs = 1) => ({
  requestedModel: 'm',
  servedModel: 'm',
  deployment: 'p/m',
  fallbackUsed: false,
  calls: 1,
  promptTokens: 3,
  completionTokens: 2,
  costUsd: 0.001,
  costIfRequestedUsd: 0.001,
  durationMs,
});

function answer(req: LineRequest, statusCode = 200): LineOutcome {
  const body =
    statusCode === 200
      ? { id: 'c', choices: [{ message: { content: JSON.stringify(req.body.messages) } }] }
      : { error: { message: 'boom', type: 'server_error', param: null, code: 'upstream_error' } };
  return {
    type: 'http',
    statusCode,
    requestId: req.requestId,
    bodyText: JSON.stringify(body),
    body,
    errorCode: statusCode === 200 ? null : 'upstream_error',
    meta: { ...meta(), fallbackUsed: statusCode === 200 && req.body.fallback === true },
    admitAfterMs: undefined,
  };
}

/** A fake target: answers at once; `fail` marks bodies answered 502. */
function fake(onCall: (req: LineRequest) => Promise<LineOutcome> | LineOutcome): {
  executor: LineExecutor;
  calls: string[];
} {
  const calls: string[] = [];
  return {
    calls,
    executor: {
      execute: async (req) => {
        calls.push(String((req.body.messages as { content: string }[])[0]?.content));
        return onCall(req);
      },
      close: () => Promise.resolve(),
    },
  };
}

interface Row {
  custom_id: string | null;
  response: { status_code: number } | null;
  error: { code: string; message: string } | null;
}

function rows(...files: string[]): Row[] {
  return files
    .filter((f) => existsSync(f))
    .flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Row),
    );
}

test('2xx to the output, the rest to the error file; report and progress add up', async () => {
  const p = paths();
  writeInput(p.input, [
    request('a'),
    request('b', { fail: true }),
    '',
    request('c', { fallback: true }),
    '{oops',
  ]);
  const target = fake((req) => answer(req, req.body.fail === true ? 502 : 200));
  const seen: ProgressSnapshot[] = [];
  const progress: BatchProgress = {
    intervalMs: 60_000,
    start: (s) => seen.push(s),
    update: (s) => seen.push(s),
    stop: (s) => seen.push(s),
  };
  const result = await runBatch({
    ...p,
    target: { kind: 'executor', executor: target.executor },
    concurrency: 2,
    progress,
  });
  assert.equal(result.status, 'completed');
  assert.equal(result.hasFailures, true);
  const out = rows(p.output);
  assert.deepEqual(out.map((r) => r.custom_id).sort(), ['a', 'c']);
  assert.ok(out.every((r) => r.response?.status_code === 200 && r.error === null));
  const err = rows(p.errors);
  assert.deepEqual(err.map((r) => [r.custom_id, r.response?.status_code ?? r.error?.code]).sort(), [
    [null, 'invalid_request'],
    ['b', 502],
  ]);
  const r = result.report;
  assert.deepEqual(
    [r.lines.total, r.lines.succeeded, r.lines.failed, r.lines.invalid, r.lines.blank],
    [5, 2, 1, 1, 1],
  );
  assert.equal(r.lines.unfinished, 0);
  assert.equal(r.models.m?.fallbackUsed, 1);
  assert.equal(r.errorCodes.upstream_error, 1);
  assert.equal(r.invalidExamples[0]?.line, 5);
  assert.ok(Math.abs(r.spend.costUsd - 0.003) < 1e-12);
  assert.deepEqual(JSON.parse(readFileSync(p.report, 'utf8')), JSON.parse(JSON.stringify(r)));
  assert.equal(seen.at(-1)?.done, 5);
  assert.equal(seen[0]?.total, 5);
});

test('without --errors every result goes to the output file', async () => {
  const p = paths();
  writeInput(p.input, [request('a'), request('b', { fail: true }), '[]']);
  const target = fake((req) => answer(req, req.body.fail === true ? 502 : 200));
  const result = await runBatch({
    input: p.input,
    output: p.output,
    target: { kind: 'executor', executor: target.executor },
  });
  assert.equal(rows(p.output).length, 3);
  assert.equal(result.report.errors, null);
  assert.equal(existsSync(p.errors), false);
});

test('interrupted, then resumed: every line once, finished lines never sent again', async () => {
  const p = paths();
  const ids = Array.from({ length: 40 }, (_, i) => `id-${i}`);
  writeInput(
    p.input,
    ids.map((id) => request(id)),
  );
  const stop = new AbortController();
  let answered = 0;
  const first = fake(async (req) => {
    if (++answered === 10) stop.abort();
    if (answered > 12) await new Promise(() => undefined); // hangs until abandoned
    return answer(req);
  });
  const hanging = {
    execute: (req: LineRequest) =>
      Promise.race([
        first.executor.execute(req),
        new Promise<LineOutcome>((resolve) => {
          req.signal.addEventListener('abort', () => {
            resolve(answer(req, 499));
          });
        }),
      ]),
    close: () => Promise.resolve(),
  };
  const r1 = await runBatch({
    ...p,
    target: { kind: 'executor', executor: hanging },
    concurrency: 4,
    signal: stop.signal,
    graceMs: 0,
  });
  assert.equal(r1.status, 'interrupted');
  const doneFirst = rows(p.output, p.errors).map((r) => r.custom_id);
  assert.ok(doneFirst.length >= 10 && doneFirst.length < 40, `first run wrote ${doneFirst.length}`);
  assert.equal(r1.report.lines.unfinished, 40 - doneFirst.length);
  assert.ok(rows(p.output, p.errors).every((r) => r.response?.status_code === 200));

  const second = fake((req) => answer(req));
  const r2 = await runBatch({ ...p, target: { kind: 'executor', executor: second.executor } });
  assert.equal(r2.status, 'completed');
  assert.equal(r2.hasFailures, false);
  assert.equal(r2.report.lines.skippedDone, doneFirst.length);
  assert.equal(r2.report.lines.skippedDoneSucceeded, doneFirst.length);
  assert.equal(second.calls.length, 40 - doneFirst.length);
  assert.ok(second.calls.every((id) => !doneFirst.includes(id)));
  const all = rows(p.output, p.errors).map((r) => r.custom_id);
  assert.deepEqual([...all].sort(), [...ids].sort());
});

test('a run against another input is refused; overwrite starts over', async () => {
  const p = paths();
  writeInput(p.input, [request('a')]);
  const target = fake((req) => answer(req));
  const t = { kind: 'executor' as const, executor: target.executor };
  await runBatch({ ...p, target: t });
  writeInput(p.input, [request('a'), request('b')]);
  await assert.rejects(
    runBatch({ ...p, target: t }),
    (e: unknown) => e instanceof BatchError && e.reason === 'batch_conflict',
  );
  const r = await runBatch({ ...p, target: t, overwrite: true });
  assert.equal(r.report.lines.succeeded, 2);
  assert.deepEqual(
    rows(p.output, p.errors)
      .map((x) => x.custom_id)
      .sort(),
    ['a', 'b'],
  );
});

test('a line refused for lack of capacity waits and is sent again; past maxWaitMs it fails', async () => {
  let nowMs = 0;
  const clock: Clock = {
    now: () => nowMs,
    epochMs: () => 1_700_000_000_000 + nowMs,
    sleep: (ms) => {
      nowMs += ms;
      return Promise.resolve();
    },
    setTimer: (ms, fn) => systemClock.setTimer(ms, fn),
  };
  const p = paths();
  writeInput(p.input, [request('a'), request('never')]);
  let calls = 0;
  const target = fake((req) => {
    calls++;
    const refused = req.body.messages && (req.body.messages as { content: string }[])[0]?.content;
    if (refused === 'never' || calls <= 2) return { ...answer(req, 503), admitAfterMs: 20_000 };
    return answer(req);
  });
  const r = await runBatch({
    ...p,
    target: { kind: 'executor', executor: target.executor },
    concurrency: 1,
    maxWaitMs: 60_000,
    clock,
  });
  const byId = new Map(rows(p.output, p.errors).map((x) => [x.custom_id, x]));
  assert.equal(byId.get('a')?.response?.status_code, 200);
  assert.equal(byId.get('never')?.response?.status_code, 503);
  // a: 2 waits; never: 20 s + 20 s + 20 s reaches 60 s, then its failure is written.
  assert.equal(r.report.lines.requeued, 5);
});

test('an executor that throws stops the batch: BatchError, report says failed', async () => {
  const p = paths();
  writeInput(p.input, [request('a'), request('b')]);
  const target = fake(() => {
    throw new Error('bug');
  });
  await assert.rejects(
    runBatch({ ...p, target: { kind: 'executor', executor: target.executor }, concurrency: 1 }),
    (e: unknown) => e instanceof BatchError && e.reason === 'batch_io',
  );
  assert.equal((JSON.parse(readFileSync(p.report, 'utf8')) as { status: string }).status, 'failed');
});

test('runLines yields every result once, invalid ones included', async () => {
  const target = fake((req) => answer(req));
  const input = [
    JSON.parse(request('x')) as unknown,
    JSON.parse(request('y')) as unknown,
    { custom_id: 'x', method: 'POST', url: '/v1/chat/completions', body: {} },
  ];
  const out: BatchResultLine[] = [];
  for await (const line of runLines({ kind: 'executor', executor: target.executor }, input, {
    concurrency: 1,
  })) {
    out.push(line);
  }
  assert.equal(out.length, 3);
  assert.deepEqual(out.map((l) => l.custom_id).sort(), ['x', 'y', null].sort());
  assert.equal(out.find((l) => l.custom_id === null)?.error?.line, 3);
});

test('a second run on the same output while one is running is refused', async () => {
  const p = paths();
  writeInput(p.input, [request('a')]);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  const slow = fake(async (req) => {
    started();
    await gate;
    return answer(req);
  });
  const first = runBatch({ ...p, target: { kind: 'executor', executor: slow.executor } });
  await running;
  await assert.rejects(
    runBatch({ ...p, target: { kind: 'executor', executor: slow.executor } }),
    (e: unknown) => e instanceof BatchError && e.reason === 'batch_conflict',
  );
  release();
  assert.equal((await first).status, 'completed');
  assert.equal(rows(p.output).length, 1);
});

test('bad options are refused before anything is written', async () => {
  const p = paths();
  writeInput(p.input, [request('a')]);
  const target = fake((req) => answer(req));
  await assert.rejects(
    runBatch({ ...p, target: { kind: 'executor', executor: target.executor }, concurrency: 0 }),
    (e: unknown) => e instanceof BatchError && e.reason === 'batch_options',
  );
  await assert.rejects(
    runBatch({ ...p, output: p.input, target: { kind: 'executor', executor: target.executor } }),
    (e: unknown) => e instanceof BatchError && e.reason === 'batch_options',
  );
  assert.equal(existsSync(p.output), false);
  assert.equal(target.calls.length, 0);
});
