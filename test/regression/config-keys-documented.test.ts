// Issue 12: "Document every error code, metric and config key (tests already guard errors; extend
// them to metrics and config keys)." This test walks the configuration schema (zod, the one the
// loader uses) and checks that every key path is written in docs/configuration.md, in the section
// that documents that part of the file: a key added to the schema cannot ship undocumented.
//
// A key `a.b.c` of a section (paths are relative to the section: `timeouts.connectMs` under
// Providers) is documented when the section shows `a.b.c` in backticks, or when a table row whose
// first cell names a parent (`trip.rate.window`, `clientKeys`) lists it in backticks
// (`{ type: time, sizeMs, buckets }`). An object key whose children are documented as
// `parent.child` needs no row of its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { breakerInputSchema, configSchema, retryInputSchema } from '../../src/config/schema.js';

const PAGE = 'docs/configuration.md';
const page = readFileSync(new URL(`../../../${PAGE}`, import.meta.url), 'utf8');

/** `## Heading` → the section's text (its `###` subsections included). */
const sections = new Map(
  page
    .split(/\n(?=## )/)
    .filter((s) => s.startsWith('## '))
    .map((s) => [s.slice(3, s.indexOf('\n')).trim(), s]),
);

type Schema = z.core.$ZodType;

/** The schema inside optional/nullable/default wrappers. */
function unwrap(schema: Schema): Schema {
  let s = schema;
  for (;;) {
    const def = s._zod.def as { type: string; innerType?: Schema };
    if (def.innerType === undefined || !['optional', 'nullable', 'default'].includes(def.type)) {
      return s;
    }
    s = def.innerType;
  }
}

/** A key path to check: its section and its path within that section. */
interface Key {
  readonly section: string;
  readonly path: string;
  /** The path from the top of the file, for the report (`models.<name>.deployments[].rpm`). */
  readonly full: string;
  readonly isLeaf: boolean;
}

/** Where a part of the schema is documented; a new top-level key gets the section named like it. */
function sectionOf(schema: Schema, topKey: string | undefined): string | undefined {
  if (schema === breakerInputSchema) return 'Breaker';
  if (schema === retryInputSchema) return 'Retry';
  if (topKey === undefined) return 'Top level';
  return undefined;
}

const TOP_SECTIONS: Record<string, string> = {
  providers: 'Providers',
  models: 'Models',
  pricing: 'Pricing',
  cache: 'Cache',
  server: 'Server',
};

function sectionForTop(key: string): string {
  const known = TOP_SECTIONS[key];
  if (known !== undefined) return known;
  // A key added since: its own section, named after it (`## Tracing` or "## `requestLog`").
  const wanted = key.toLowerCase();
  for (const heading of sections.keys()) {
    if (heading.replaceAll('`', '').toLowerCase() === wanted) return heading;
  }
  return `${key[0]?.toUpperCase() ?? ''}${key.slice(1)}`;
}

/** Every key path of the schema, each attributed to the section that should document it. */
function walk(
  schema: Schema,
  section: string,
  rel: string[],
  full: string,
  topKey: string | undefined,
  out: Key[],
): void {
  const s = unwrap(schema);
  const def = s._zod.def as {
    type: string;
    shape?: Record<string, Schema>;
    valueType?: Schema;
    element?: Schema;
    options?: Schema[];
  };
  switch (def.type) {
    case 'object':
      for (const [key, child] of Object.entries(def.shape ?? {})) {
        const inner = unwrap(child);
        const childTop = topKey ?? key;
        const childFull = full === '' ? key : `${full}.${key}`;
        // The key itself is a row of this section; a shared block (breaker, retry) or a
        // top-level part (server, cache) is then documented in a section of its own.
        out.push({
          section,
          path: [...rel, key].join('.'),
          full: childFull,
          isLeaf: isLeaf(inner),
        });
        const own = sectionOf(inner, topKey) === 'Top level' ? undefined : sectionOf(inner, topKey);
        if (own !== undefined) walk(inner, own, [], childFull, childTop, out);
        else if (topKey === undefined) walk(inner, sectionForTop(key), [], childFull, key, out);
        else walk(inner, section, [...rel, key], childFull, childTop, out);
      }
      return;
    case 'record':
      // `providers.<name>`: the entry's keys are the section's rows.
      if (def.valueType !== undefined)
        walk(def.valueType, section, rel, `${full}.<name>`, topKey, out);
      return;
    case 'array':
      if (def.element !== undefined) {
        const element = unwrap(def.element);
        const own = full.endsWith('.deployments') ? 'Deployments' : undefined;
        walk(element, own ?? section, own === undefined ? rel : [], `${full}[]`, topKey, out);
      }
      return;
    case 'union':
      for (const option of def.options ?? []) walk(option, section, rel, full, topKey, out);
      return;
    default:
      return;
  }
}

function isLeaf(schema: Schema): boolean {
  const def = schema._zod.def as { type: string; options?: Schema[]; element?: Schema };
  if (def.type === 'object' || def.type === 'record') return false;
  if (def.type === 'array') return def.element === undefined || isLeaf(unwrap(def.element));
  if (def.type === 'union') return (def.options ?? []).every((o) => isLeaf(unwrap(o)));
  return true;
}

/** Backtick spans of a text. */
const spans = (text: string): string[] => [...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);

function isDocumented(key: Key): boolean {
  const text = sections.get(key.section);
  if (text === undefined) return false;
  const code = spans(text);
  if (code.includes(key.path)) return true;
  if (!key.isLeaf && code.some((c) => c.startsWith(`${key.path}.`))) return true;
  // A row naming a parent that lists the key: `{ key, name?, rpm? }`, `{ type: time, sizeMs }`.
  const parts = key.path.split('.');
  const last = parts.at(-1) ?? '';
  for (let i = parts.length - 1; i >= 1; i--) {
    const parent = parts.slice(0, i).join('.');
    for (const row of text.split('\n').filter((l) => l.startsWith('| `'))) {
      const first = row.split('|')[1] ?? '';
      if (!spans(first).includes(parent)) continue;
      const listed = spans(row).some((c) => new RegExp(`(^|[^\\w])${last}([^\\w]|$)`).test(c));
      if (listed) return true;
    }
  }
  return false;
}

const keys: Key[] = [];
walk(configSchema, 'Top level', [], '', undefined, keys);

test('the schema walk finds the configuration keys', () => {
  const full = new Set(keys.map((k) => k.full));
  for (const k of [
    'providers.<name>.timeouts.connectMs',
    'models.<name>.deployments[].attemptTimeoutMs',
    'breaker.trip.rate.window.sizeMs',
    'server.clientKeys[].budgetUsdPerDay',
    'server.cors.origins',
  ]) {
    assert.ok(full.has(k), k);
  }
  assert.ok(keys.length > 80, `${keys.length} keys`);
});

test(`every configuration key is documented in ${PAGE}`, () => {
  // One line per missing row, naming every place the key can be written.
  const missing = new Map<string, string[]>();
  for (const k of keys.filter((key) => !isDocumented(key))) {
    const line = sections.has(k.section)
      ? `write \`${k.path}\` in the "## ${k.section}" section`
      : `no "## ${k.section}" section (add one with \`${k.path}\` in its table)`;
    missing.set(line, [...(missing.get(line) ?? []), k.full]);
  }
  const report = [...missing].map(([line, at]) => `${at.join(', ')}: ${line}`);
  assert.deepEqual(report, [], `${PAGE} lacks ${report.length} key(s)`);
});
