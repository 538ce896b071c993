import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RotatingFile } from './rotating-file.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'bb-rotate-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

const lines = (path: string): string[] =>
  existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];

test('rotates by size, keeps maxFiles, never splits a line, keeps order', async (t) => {
  const path = join(tempDir(t), 'sub', 'requests.jsonl');
  const file = new RotatingFile({ path, maxBytes: 500, maxFiles: 3 });
  const written: string[] = [];
  for (let i = 0; i < 100; i++) {
    const line = `{"n":${String(i).padStart(3, '0')},"pad":"${'x'.repeat(30)}"}`; // 49 bytes + \n
    written.push(line);
    file.writeLine(line);
  }
  await file.close();
  assert.equal(existsSync(`${path}.4`), false, 'only maxFiles rotated files are kept');
  const files = [`${path}.3`, `${path}.2`, `${path}.1`, path];
  for (const f of files) assert.ok(statSync(f).size <= 500, `${f} within maxBytes`);
  // 10 lines of 50 bytes fill a file exactly; the newest 40 lines remain, in order.
  const kept = files.flatMap(lines);
  assert.deepEqual(kept, written.slice(-kept.length));
  assert.equal(kept.length, 40);
  assert.equal(lines(path).length, 10);
});

test('appends to an existing file and counts its size; a long line gets a file of its own', async (t) => {
  const path = join(tempDir(t), 'log.jsonl');
  writeFileSync(path, `${'a'.repeat(90)}\n`);
  const file = new RotatingFile({ path, maxBytes: 100, maxFiles: 2 });
  assert.equal(file.size, 91);
  file.writeLine('b'.repeat(20)); // 91 + 21 > 100: rotates first
  file.writeLine('c'.repeat(300)); // longer than maxBytes: rotates, then stands alone
  file.writeLine('d');
  await file.close();
  assert.deepEqual(lines(`${path}.2`), ['b'.repeat(20)]);
  assert.deepEqual(lines(`${path}.1`), ['c'.repeat(300)]);
  assert.deepEqual(lines(path), ['d']);
});

test('lines written after close are dropped; close is idempotent', async (t) => {
  const path = join(tempDir(t), 'log.jsonl');
  const file = new RotatingFile({ path, maxBytes: 1000, maxFiles: 1 });
  file.writeLine('one');
  await file.close();
  file.writeLine('two');
  await file.close();
  assert.deepEqual(lines(path), ['one']);
});
