import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchError } from './batch-error.js';
import { openState, statePathFor } from './state-file.js';

const dir = mkdtempSync(join(tmpdir(), 'bb-state-'));
let n = 0;
const fp = { sizeBytes: 10, lineCount: 2, sha256: 'a'.repeat(64) };
const isConflict = (e: unknown): boolean =>
  e instanceof BatchError && e.reason === 'batch_conflict';

test('a new output gets a state; the same arguments resume it', () => {
  const output = join(dir, `o${n++}.jsonl`);
  const first = openState({
    input: 'in.jsonl',
    fingerprint: fp,
    output,
    errors: null,
    overwrite: false,
  });
  assert.equal(first.fresh, true);
  assert.match(first.state.batchId, /^[0-9a-f]{16}$/);
  assert.ok(existsSync(statePathFor(output)));
  const again = openState({
    input: 'moved.jsonl',
    fingerprint: fp,
    output,
    errors: null,
    overwrite: false,
  });
  assert.equal(again.fresh, false);
  assert.equal(again.state.batchId, first.state.batchId);
});

test('another input or error file is refused unless overwriting', () => {
  const output = join(dir, `o${n++}.jsonl`);
  openState({ input: 'in.jsonl', fingerprint: fp, output, errors: null, overwrite: false });
  const other = { ...fp, sha256: 'b'.repeat(64) };
  assert.throws(
    () =>
      openState({
        input: 'other.jsonl',
        fingerprint: other,
        output,
        errors: null,
        overwrite: false,
      }),
    (e: unknown) => isConflict(e) && /another input/.test((e as Error).message),
  );
  assert.throws(
    () =>
      openState({
        input: 'in.jsonl',
        fingerprint: fp,
        output,
        errors: 'e.jsonl',
        overwrite: false,
      }),
    isConflict,
  );
  const over = openState({
    input: 'other.jsonl',
    fingerprint: other,
    output,
    errors: null,
    overwrite: true,
  });
  assert.equal(over.fresh, true);
  assert.equal(
    (JSON.parse(readFileSync(statePathFor(output), 'utf8')) as { input: { sha256: string } }).input
      .sha256,
    other.sha256,
  );
});

test('an output with content but no state is not ours: refused', () => {
  const output = join(dir, `o${n++}.jsonl`);
  writeFileSync(output, 'someone else\n');
  assert.throws(
    () => openState({ input: 'in.jsonl', fingerprint: fp, output, errors: null, overwrite: false }),
    isConflict,
  );
  const empty = join(dir, `o${n++}.jsonl`);
  writeFileSync(empty, '');
  assert.equal(
    openState({ input: 'in.jsonl', fingerprint: fp, output: empty, errors: null, overwrite: false })
      .fresh,
    true,
  );
});

test('an unreadable state file is a conflict', () => {
  const output = join(dir, `o${n++}.jsonl`);
  writeFileSync(statePathFor(output), '{nope');
  assert.throws(
    () => openState({ input: 'in.jsonl', fingerprint: fp, output, errors: null, overwrite: false }),
    isConflict,
  );
});
