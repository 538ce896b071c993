import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLines, splitLines } from './line-reader.js';
import type { InputLine } from './line-reader.js';

async function* chunksOf(...parts: string[]): AsyncGenerator<Buffer> {
  for (const p of parts) yield await Promise.resolve(Buffer.from(p, 'utf8'));
}

async function collect(it: AsyncIterable<InputLine>): Promise<InputLine[]> {
  const out: InputLine[] = [];
  for await (const line of it) out.push(line);
  return out;
}

test('splits across chunk borders, numbers lines from 1, strips CR and a BOM', async () => {
  const lines = await collect(splitLines(chunksOf('\ufeffa', 'b\r\nc', 'd\n\nlast')));
  assert.deepEqual(
    lines.map((l) => [l.lineNo, l.text]),
    [
      [1, 'ab'],
      [2, 'cd'],
      [3, ''],
      [4, 'last'],
    ],
  );
});

test('a final newline adds no empty line; a multi-byte character split across chunks survives', async () => {
  const euro = Buffer.from('x€y\n', 'utf8');
  async function* split(): AsyncGenerator<Buffer> {
    yield await Promise.resolve(euro.subarray(0, 2));
    yield euro.subarray(2);
  }
  const lines = await collect(splitLines(split()));
  assert.deepEqual(
    lines.map((l) => [l.text, l.sizeBytes]),
    [['x€y', 5]],
  );
});

test('an over-long line is reported without its text and reading goes on', async () => {
  const lines = await collect(
    splitLines(chunksOf('ok\n', 'x'.repeat(10), 'y'.repeat(10), '\nnext\n'), { maxLineBytes: 15 }),
  );
  assert.deepEqual(
    lines.map((l) => [l.lineNo, l.text, l.sizeBytes]),
    [
      [1, 'ok', 2],
      [2, undefined, 20],
      [3, 'next', 4],
    ],
  );
});

test('stops when the signal aborts', async () => {
  const ac = new AbortController();
  const seen: number[] = [];
  for await (const line of splitLines(chunksOf('1\n2\n3\n4\n'), { signal: ac.signal })) {
    seen.push(line.lineNo);
    if (line.lineNo === 2) ac.abort();
  }
  assert.deepEqual(seen, [1, 2]);
});

test('readLines reads a file in small chunks', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bb-lines-'));
  const path = join(dir, 'in.jsonl');
  const rows = Array.from({ length: 500 }, (_, i) => `{"n":${i}}`);
  writeFileSync(path, rows.join('\n') + '\n');
  const lines = await collect(readLines(path, { chunkBytes: 7 }));
  assert.equal(lines.length, 500);
  assert.equal(lines[499]!.text, '{"n":499}');
  assert.equal(lines[499]!.lineNo, 500);
});

test('headBytes decodes only the head of each line, of any length, and reports the last byte', async () => {
  const long = 'h'.repeat(8) + 'x'.repeat(100) + '}';
  const lines = await collect(
    splitLines(chunksOf(long.slice(0, 50), long.slice(50) + '\nab\r\n', '\n'), { headBytes: 8 }),
  );
  assert.deepEqual(
    lines.map((l) => [l.text, l.sizeBytes, l.lastByte]),
    [
      ['hhhhhhhh', long.length, 0x7d],
      ['ab', 3, 0x0d],
      ['', 0, -1],
    ],
  );
});
