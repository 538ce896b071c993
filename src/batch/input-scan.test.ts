import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanInput } from './input-scan.js';

const dir = mkdtempSync(join(tmpdir(), 'bb-scan-'));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

test('counts lines with and without a final newline, and hashes the bytes', async () => {
  const a = await scanInput(file('a', 'x\ny\n'));
  assert.equal(a.lineCount, 2);
  assert.equal(a.sizeBytes, 4);
  assert.equal(a.sha256, createHash('sha256').update('x\ny\n').digest('hex'));
  assert.equal((await scanInput(file('b', 'x\ny'))).lineCount, 2);
  assert.equal((await scanInput(file('c', ''))).lineCount, 0);
  assert.equal((await scanInput(file('d', '\n\n\n'))).lineCount, 3);
});
