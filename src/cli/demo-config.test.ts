import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../config/index.js';
import { parseScenario } from '../sim/index.js';
import {
  DEMO_MODELS,
  PRIMARY,
  demoConfig,
  demoScript,
  incidentsAt,
  phaseAt,
} from './demo-config.js';

test('the embedded config parses: four models on the sim provider, the primary falls back twice', () => {
  const config = parseConfig(demoConfig('http://127.0.0.1:9/v1', 30_000), { env: {} });
  assert.deepEqual(Object.keys(config.models), [...DEMO_MODELS]);
  assert.deepEqual(config.models[PRIMARY]?.fallbacks, ['claude-sonnet-4.5', 'deepseek-v3.2']);
  for (const m of DEMO_MODELS) assert.equal(config.models[m]?.deployments[0]?.id, `sim/${m}`);
  assert.equal(config.breaker.openMs, 1000, 'a short openMs, so a short demo shows recovery');
  assert.equal(config.breaker.maxOpenMs, 4000);
  const short = parseConfig(demoConfig('http://127.0.0.1:9/v1', 10_000), { env: {} });
  // Phase 3 starts at 60% of the run: a 1.5 s cap leaves time for probes to close the primary.
  assert.equal(short.breaker.maxOpenMs, 1500);
  assert.equal(config.server.host, '127.0.0.1');
});

test('the script scales with the duration and is a valid simulator scenario', () => {
  for (const durationMs of [5000, 10_000, 30_000, 600_000]) {
    const script = demoScript(durationMs);
    assert.doesNotThrow(() => parseScenario({ steps: script.steps }));
    for (const s of script.steps) assert.ok(s.atMs >= 0 && s.atMs <= durationMs);
    const starts = script.phases.map((p) => p.atMs);
    assert.deepEqual(
      [...starts].sort((a, b) => a - b),
      starts,
      'phases in order',
    );
    // Every incident ends: a step clears its model at its end, or the next incident takes over.
    for (const i of script.incidents) {
      const cleared = script.steps.some((s) => s.model === i.model && s.atMs === i.toMs);
      assert.ok(cleared, `${i.label} ends at ${i.toMs} ms`);
      assert.ok(i.fromMs < i.toMs && i.toMs < durationMs);
    }
  }
  assert.equal(demoScript(10_000).retryAfterS, 1);
  assert.equal(demoScript(30_000).retryAfterS, 2);
});

test('phase 2 takes the primary down and phase 3 clears it', () => {
  const script = demoScript(10_000);
  const primarySteps = script.steps.filter((s) => s.model === PRIMARY);
  assert.deepEqual(
    primarySteps.map((s) => [s.atMs, s.faults === null ? null : Object.keys(s.faults).sort()]),
    [
      [1000, ['chunkDelayMs', 'errorRate', 'errorStatus', 'latencyMs']],
      [3500, ['chunkDelayMs', 'down', 'latencyMs']],
      [6000, null],
    ],
  );
  assert.equal(phaseAt(script.phases, 4000)?.label, 'phase 2: gpt-4.1 is down');
  assert.equal(phaseAt(script.phases, 9999)?.label, 'phase 3: gpt-4.1 recovered');
  assert.deepEqual(
    incidentsAt(script.incidents, 4000).map((i) => i.kind),
    ['down', 'rate-limit', 'stream-error-event'],
  );
  assert.deepEqual(incidentsAt(script.incidents, 9000), []);
});
