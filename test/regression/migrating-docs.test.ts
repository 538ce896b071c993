// Issue 12: "Document `breakerbox/core` as a standalone breaker library (a migration page from
// opossum and cockatiel, with the benchmark figures)." The breakerbox side of docs/migrating.md is
// taken from files under examples/migrating/, run here; the figures are BENCHMARKS.md's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { main as fromCockatiel } from '../../examples/migrating/from-cockatiel.js';
import { main as fromOpossum } from '../../examples/migrating/from-opossum.js';

const root = new URL('../../../', import.meta.url);
const page = readFileSync(new URL('docs/migrating.md', root), 'utf8');
const quiet = (): void => undefined;

test('from opossum: a timeout and failures open it, the fallback answers, one trial closes it', async () => {
  const r = await fromOpossum(quiet);
  assert.equal(r.timedOut, 'cached stock');
  assert.equal(r.stateAfterFailures, 'open');
  assert.equal(r.whileOpen, 'cached stock');
  assert.equal(r.callsWhileOpen, 0);
  assert.equal(r.rejections, 1);
  assert.equal(r.afterReset, 'fresh stock');
  assert.deepEqual(r.events, ['closed -> open', 'open -> half-open', 'half-open -> closed']);
  assert.equal(r.state, 'closed');
});

test('from cockatiel: retries, five failures open it, BreakerOpenError says when', async () => {
  const r = await fromCockatiel(quiet);
  assert.deepEqual(r.failures.slice(0, 2), ['Error: HTTP 502', 'Error: HTTP 502']);
  assert.match(
    r.failures[2] ?? '',
    /^BreakerOpenError: circuit "profiles" is open; retry in 9900 ms/,
  );
  const flat = page.replace(/\s+/g, ' ');
  assert.ok(flat.includes(r.failures[2] ?? '-'), 'the page quotes the refusal as it is');
  assert.equal(r.callsMade, 5);
  assert.equal(r.retryAfterMs, 9_000);
  assert.equal(r.profile, 'profile #7');
  assert.deepEqual(r.events, ['open', 'half-open', 'closed']);
  assert.equal(r.state, 'closed');
});

test('every breakerbox snippet is taken from the example it names', () => {
  const blocks = [
    ...page.matchAll(/```ts\n\/\/ (examples\/migrating\/[\w-]+\.ts)\n([\s\S]*?)```/g),
  ];
  assert.equal(blocks.length, 2);
  for (const [, file, body] of blocks) {
    const source = new Set(
      readFileSync(new URL(file!, root), 'utf8')
        .split('\n')
        .map((l) => l.trim()),
    );
    let inImport = false;
    const foreign = body!.split('\n').filter((raw) => {
      const line = raw.trim();
      if (line.startsWith('import ')) inImport = true;
      if (inImport) {
        if (line.includes(" from '")) inImport = false;
        return false;
      }
      return line !== '' && line !== '// ...' && !source.has(line);
    });
    assert.deepEqual(foreign, [], `${file!}: lines not in the example`);
  }
});

test("the page's benchmark figures are BENCHMARKS.md's", () => {
  const bench = readFileSync(new URL('BENCHMARKS.md', root), 'utf8');
  assert.ok(page.includes('`npm run bench:core`'));
  const perf = page.slice(page.indexOf('## Performance'));
  const figures = [...perf.matchAll(/(\d[\d,.]*) (ns|µs|ms|B)\b/g)].map((m) => `${m[1]!} ${m[2]!}`);
  assert.ok(figures.length >= 15, `${figures.length} figures`);
  const benchText = bench.replaceAll(',', '');
  const missing = figures.filter((f) => !benchText.includes(f.replaceAll(',', '')));
  assert.deepEqual(missing, [], 'figures not found in BENCHMARKS.md');
});
