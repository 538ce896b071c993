import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchError } from './batch-error.js';
import { lockOutput, lockPathFor } from './output-lock.js';

const dir = mkdtempSync(join(tmpdir(), 'bb-lock-'));

test('one holder at a time; release frees it', () => {
  const output = join(dir, 'a.jsonl');
  const release = lockOutput(output);
  assert.throws(
    () => lockOutput(output),
    (e: unknown) =>
      e instanceof BatchError && e.reason === 'batch_conflict' && /pid/.test(e.message),
  );
  release();
  release();
  assert.equal(existsSync(lockPathFor(output)), false);
  lockOutput(output)();
});

test('a lock left by a dead process (or unreadable) is taken over', () => {
  const output = join(dir, 'b.jsonl');
  // pid 2^22+1 is above Linux's default pid_max: no such process.
  writeFileSync(lockPathFor(output), '4194305\n');
  const release = lockOutput(output);
  release();
  writeFileSync(lockPathFor(output), 'garbage');
  lockOutput(output)();
});
