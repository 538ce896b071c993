// Issue 12: "Document ... `breakerbox/sim` (every fault, for users' own tests)." Every fault the
// simulator's validator knows has its own section in docs/sim.md with an example that the
// validator accepts; the page's test example is a file under examples/sim/, run here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FAULT_KEYS } from '../../src/sim/validate.js';
import { parseFaults } from '../../src/sim/index.js';
import { main as failover } from '../../examples/sim/failover.js';

const root = new URL('../../../', import.meta.url);
const page = readFileSync(new URL('docs/sim.md', root), 'utf8');
const faultsSection = page.slice(page.indexOf('\n## Faults\n'), page.indexOf('\n## Scenarios\n'));

/** `### \`name\`` → the section's text. */
const faultDocs = new Map(
  faultsSection
    .split(/\n(?=### )/)
    .slice(1)
    .map((s) => [/^### `(\w+)`/.exec(s)?.[1] ?? s.slice(0, s.indexOf('\n')), s]),
);

test('every fault the simulator knows has a section in docs/sim.md', () => {
  assert.ok(FAULT_KEYS.length >= 13, `${FAULT_KEYS.length} faults`);
  const missing = FAULT_KEYS.filter((k) => !faultDocs.has(k));
  assert.deepEqual(missing, [], 'add a "### `<fault>`" section with an example to docs/sim.md');
});

test('docs/sim.md documents no fault the simulator lacks', () => {
  const known = new Set<string>(FAULT_KEYS);
  assert.deepEqual(
    [...faultDocs.keys()].filter((k) => !known.has(k)),
    [],
  );
});

test("each fault's example is valid faults JSON that uses it", () => {
  for (const [key, text] of faultDocs) {
    const block = /```json\n([\s\S]*?)```/.exec(text)?.[1];
    assert.ok(block !== undefined, `${key}: no json example`);
    const faults = parseFaults(JSON.parse(block), key) as Record<string, unknown>;
    assert.ok(key in faults, `${key}: the example does not set ${key}`);
  }
});

test('the example test: failover to the backup, the open breaker skips the primary, recovery', async () => {
  const r = await failover(() => undefined);
  assert.deepEqual(r.served, ['backup/gpt-4.1', 'backup/gpt-4.1', 'backup/gpt-4.1']);
  assert.equal(r.primaryCalls, 2);
  assert.equal(r.primary503s, 2);
  assert.equal(r.afterRecovery, 'primary/gpt-4.1');
});

test('the snippet headed `// examples/sim/failover.ts` is taken from that file', () => {
  const block = /```ts\n\/\/ examples\/sim\/failover\.ts\n([\s\S]*?)```/.exec(page)?.[1];
  assert.ok(block !== undefined, 'docs/sim.md shows examples/sim/failover.ts');
  const source = new Set(
    readFileSync(new URL('examples/sim/failover.ts', root), 'utf8')
      .split('\n')
      .map((l) => l.trim()),
  );
  const foreign = block
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && l !== '// ...' && !l.startsWith('import '))
    .filter((l) => !source.has(l));
  assert.deepEqual(foreign, []);
});
