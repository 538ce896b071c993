// Issue 12: the shipped docs must work from an installed package. Every relative link in a doc the
// package ships (README.md and docs/*.md; package.json's `files` says what ships) must point to a
// file that ships too — not to examples/, src/ or anything else a user's node_modules lacks — and
// every `#anchor` must name a heading of its target page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { files: string[] };

/** A `files` glob as a regular expression over repository-relative paths. */
function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('**/', '\u0000')
    .replaceAll('*', '[^/]*')
    .replaceAll('\u0000', '(?:.*/)?');
  return new RegExp(`^${escaped}(?:/.*)?$`);
}

const include = pkg.files.filter((f) => !f.startsWith('!')).map(globToRegExp);
const exclude = pkg.files.filter((f) => f.startsWith('!')).map((f) => globToRegExp(f.slice(1)));

/** Whether npm puts a repository path into the tarball (it always adds these three). */
function ships(path: string): boolean {
  if (['package.json', 'README.md', 'LICENSE'].includes(path)) return true;
  return include.some((r) => r.test(path)) && !exclude.some((r) => r.test(path));
}

/** The shipped Markdown pages. */
function shippedDocs(): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs].filter(ships);
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to dashes. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(path: string): Set<string> {
  const text = readFileSync(join(root, path), 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)));
}

interface Link {
  readonly from: string;
  readonly line: number;
  readonly target: string;
}

/** Relative links `[text](target)` outside code blocks and code spans. */
function linksOf(path: string): Link[] {
  const lines = readFileSync(join(root, path), 'utf8').split('\n');
  const out: Link[] = [];
  let inFence = false;
  for (const [i, raw] of lines.entries()) {
    if (raw.trimStart().startsWith('```')) inFence = !inFence;
    if (inFence) continue;
    const line = raw.replace(/`[^`]*`/g, '``'); // code spans, left to right
    for (const m of line.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
      out.push({ from: path, line: i + 1, target });
    }
  }
  return out;
}

function problemOf(link: Link): string | undefined {
  const [file = '', anchor] = link.target.split('#');
  const resolved = file === '' ? link.from : normalize(join(dirname(link.from), file));
  const path = resolved.replace(/\/$/, '');
  if (path.startsWith('..')) return 'points outside the package';
  if (!existsSync(join(root, path))) return `${path} does not exist`;
  if (statSync(join(root, path)).isDirectory()) {
    return `${path} is a folder; link to a file that ships`;
  }
  if (!ships(path)) return `${path} is not in the package (package.json "files")`;
  if (anchor !== undefined && path.endsWith('.md') && !anchorsOf(path).has(anchor)) {
    return `${path} has no heading for #${anchor}`;
  }
  return undefined;
}

test('the shipped pages are README.md and docs/*.md', () => {
  const docs = shippedDocs();
  assert.ok(docs.includes('README.md'));
  assert.ok(docs.includes('docs/configuration.md'));
  assert.equal(ships('examples/quickstart.ts'), false);
  assert.equal(ships('src/index.ts'), false);
  assert.equal(ships('dist/src/index.js'), true);
  assert.equal(ships('dist/src/core/breaker.test.js'), false);
});

test('every relative link in the shipped docs points to a shipped file and heading', () => {
  const links = shippedDocs().flatMap(linksOf);
  assert.ok(links.length > 20, `found ${links.length} links`);
  const broken = links.flatMap((l) => {
    const problem = problemOf(l);
    return problem === undefined ? [] : [`${l.from}:${l.line}: (${l.target}) ${problem}`];
  });
  assert.deepEqual(broken, []);
});
