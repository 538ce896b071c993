// Every ErrorCode must be documented in docs/errors.md (a code users key on cannot appear
// silently), and the docs must not list a code that the catalogue does not have.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERROR_CODES } from '../../src/core/index.js';

const page = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
// The catalogue is the first table; later sections (failure kinds) have tables of their own.
const docs = page.split(/\n## /)[0] ?? '';
const documented = new Set([...docs.matchAll(/^\| `([a-z_]+)`\s+\|/gm)].map((m) => m[1]));

test('every error code is documented in docs/errors.md', () => {
  const missing = ERROR_CODES.filter((c) => !documented.has(c));
  assert.deepEqual(missing, []);
});

test('docs/errors.md lists no code the catalogue lacks', () => {
  const known = new Set<string>(ERROR_CODES);
  const extra = [...documented].filter((c) => c !== undefined && !known.has(c));
  assert.deepEqual(extra, []);
});
