// Issue 13: every metric the gateway registers is documented in docs/operations.md (a series
// operators query cannot appear silently), every circuit state and request outcome is listed,
// and the page names no breakerbox_* metric that does not exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  ATTEMPT_OUTCOMES,
  CIRCUIT_STATES,
  GatewayMetrics,
  REQUEST_OUTCOMES,
  SKIP_REASONS,
} from '../../src/gateway/index.js';
import type { GatewayMetricsOptions } from '../../src/gateway/index.js';

const page = readFileSync(new URL('../../../docs/operations.md', import.meta.url), 'utf8');
/** Every name written as code (`name` or `name{labels}`) on the page. */
const documented = new Set(
  [...page.matchAll(/`([a-z][a-z0-9_]*)(?:\{[^`]*\})?`/g)].map((m) => m[1] ?? ''),
);

function registered(): string[] {
  const events = { on: () => ({ dispose() {} }) } as unknown as GatewayMetricsOptions['events'];
  const metrics = new GatewayMetrics({
    events,
    circuits: () => [],
    models: ['m'],
    deployments: [{ id: 'p/m', model: 'm' }],
    budgets: () => [],
    stateStore: () => ({ mode: 'shared', replicas: 1 }),
  });
  const names = metrics.registry.getMetricsAsArray().map((m) => m.name);
  metrics.dispose();
  return names;
}

test('every registered metric is documented in docs/operations.md', () => {
  const names = registered();
  assert.ok(
    names.some((n) => n.startsWith('process_')),
    'process metrics registered',
  );
  assert.deepEqual(
    names.filter((n) => !documented.has(n)),
    [],
  );
});

test('docs/operations.md names no breakerbox_* metric that is not registered', () => {
  const names = new Set(registered());
  const extra = [...documented].filter((n) => /^breakerbox_[a-z]/.test(n) && !names.has(n));
  assert.deepEqual(extra, []);
});

test('every circuit state is documented with its meaning', () => {
  for (const state of CIRCUIT_STATES) {
    assert.match(page, new RegExp(`^\\| \`${state}\`\\s+\\| \\w`, 'm'), state);
  }
});

test('every outcome and skip reason label value is documented', () => {
  for (const v of [...REQUEST_OUTCOMES, ...ATTEMPT_OUTCOMES, ...SKIP_REASONS]) {
    assert.ok(page.includes(`\`${v}\``), v);
  }
});
