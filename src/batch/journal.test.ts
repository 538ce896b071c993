import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchError } from './batch-error.js';
import { LineSet } from './id-table.js';
import { JournalWriter, scanJournal } from './journal.js';
import type { JournalScan } from './journal.js';
import { removeJournalLines } from './journal-rewrite.js';
import { formatErrorLine, formatHttpLine } from './result-line.js';

const B = 'aaaaaaaaaaaaaaaa';
const dir = mkdtempSync(join(tmpdir(), 'bb-journal-'));
let n = 0;
const fresh = (): string => join(dir, `j${n++}.jsonl`);

const ok = (lineNo: number, status = 200): string =>
  formatHttpLine(
    B,
    { lineNo, customId: `c${lineNo}` },
    { statusCode: status, requestId: 'r', body: {} },
  );

const counts = (s: JournalScan) => ({
  lines: s.lines,
  succeeded: s.succeeded,
  truncatedBytes: s.truncatedBytes,
  toRemove: s.toRemove.size,
});

test('a missing file is an empty journal', async () => {
  const scan = await scanJournal(join(dir, 'none.jsonl'), {
    batchId: B,
    maxLineNo: 10,
    done: new LineSet(),
  });
  assert.deepEqual(counts(scan), { lines: 0, succeeded: 0, truncatedBytes: 0, toRemove: 0 });
});

test('complete lines are done; a torn last line is truncated before anything is appended', async () => {
  const path = fresh();
  const good =
    ok(1) +
    ok(3, 500) +
    formatErrorLine(B, { lineNo: 2, customId: null }, { code: 'x', message: 'y' });
  const torn = ok(4).slice(0, 25);
  writeFileSync(path, good + torn);
  const done = new LineSet();
  const scan = await scanJournal(path, { batchId: B, maxLineNo: 10, done });
  assert.deepEqual(counts(scan), {
    lines: 3,
    succeeded: 1,
    truncatedBytes: torn.length,
    toRemove: 0,
  });
  assert.deepEqual(
    [1, 2, 3, 4].map((l) => done.has(l)),
    [true, true, true, false],
  );
  assert.equal(readFileSync(path, 'utf8'), good);
});

test('a foreign tail (other batch, out of range, duplicate, garbage) is truncated', async () => {
  const path = fresh();
  const other = formatHttpLine(
    'bbbbbbbbbbbbbbbb',
    { lineNo: 2, customId: 'x' },
    { statusCode: 200, requestId: 'r', body: {} },
  );
  writeFileSync(path, ok(1) + ok(1) + other + ok(99) + '\u0000\u0000\n');
  const scan = await scanJournal(path, { batchId: B, maxLineNo: 10, done: new LineSet() });
  assert.equal(scan.lines, 1);
  assert.equal(readFileSync(path, 'utf8'), ok(1));
});

test('a bad line followed by good ones is refused, never repaired by guessing', async () => {
  const path = fresh();
  writeFileSync(path, ok(1) + 'garbage\n' + ok(2));
  await assert.rejects(
    scanJournal(path, { batchId: B, maxLineNo: 10, done: new LineSet() }),
    (e: unknown) =>
      e instanceof BatchError && e.reason === 'journal_corrupt' && /line 2/.test(e.message),
  );
  assert.equal(statSync(path).size, (ok(1) + 'garbage\n' + ok(2)).length);
});

test('the writer appends whole lines and they read back as done', async () => {
  const path = fresh();
  const w = new JournalWriter(path, { syncEveryLines: 2, syncIntervalMs: 60_000 });
  for (let i = 1; i <= 5; i++) w.append(ok(i));
  await w.close();
  await w.close();
  assert.throws(() => {
    w.append(ok(6));
  });
  appendFileSync(path, ok(6).slice(0, 10));
  const done = new LineSet();
  const scan = await scanJournal(path, { batchId: B, maxLineNo: 10, done });
  assert.equal(scan.lines, 5);
  assert.equal(done.size, 5);
});

test('a result line far larger than the head buffer reads back as done', async () => {
  const path = fresh();
  const big = formatHttpLine(
    B,
    { lineNo: 1, customId: 'big' },
    { statusCode: 200, requestId: 'r', body: { data: 'x'.repeat(200_000) } },
  );
  writeFileSync(path, big + ok(2));
  const done = new LineSet();
  const scan = await scanJournal(path, { batchId: B, maxLineNo: 10, done });
  assert.equal(scan.lines, 2);
  assert.equal(scan.truncatedBytes, 0);
});

const failed = (lineNo: number, retryable: boolean, size = 0): string =>
  formatHttpLine(
    B,
    { lineNo, customId: `c${lineNo}` },
    { statusCode: 503, requestId: 'r', body: { pad: 'x'.repeat(size) }, retryable },
  );

test('results picked for resending are not done, and are removed before anything is sent', async () => {
  const path = fresh();
  // A removed line larger than one read chunk (256 KiB), between kept ones.
  const [k1, k3, k5] = [ok(1), failed(3, false), ok(5)];
  writeFileSync(path, k1 + failed(2, true, 600_000) + k3 + failed(4, true) + k5);
  const done = new LineSet();
  const resend = { pick: (h: { retryable: boolean }) => h.retryable, lines: new LineSet() };
  const scan = await scanJournal(path, { batchId: B, maxLineNo: 10, done, resend });
  assert.deepEqual(counts(scan), { lines: 5, succeeded: 2, truncatedBytes: 0, toRemove: 2 });
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((l) => [done.has(l), resend.lines.has(l)]),
    [
      [true, false],
      [false, true],
      [true, false],
      [false, true],
      [true, false],
    ],
  );
  await removeJournalLines(path, scan.toRemove);
  assert.equal(readFileSync(path, 'utf8'), k1 + k3 + k5);
  // Read again: nothing left to send again, nothing torn.
  const again = await scanJournal(path, {
    batchId: B,
    maxLineNo: 10,
    done: new LineSet(),
    resend: { pick: resend.pick, lines: new LineSet() },
  });
  assert.deepEqual(counts(again), { lines: 3, succeeded: 2, truncatedBytes: 0, toRemove: 0 });
});

test('a second result for a line picked for resending is foreign', async () => {
  const path = fresh();
  writeFileSync(path, failed(2, true) + ok(1) + ok(2));
  const resend = { pick: (h: { retryable: boolean }) => h.retryable, lines: new LineSet() };
  const scan = await scanJournal(path, { batchId: B, maxLineNo: 10, done: new LineSet(), resend });
  assert.equal(scan.lines, 2);
  assert.equal(readFileSync(path, 'utf8'), failed(2, true) + ok(1));
});
