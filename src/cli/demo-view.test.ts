import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createBreakerbox } from '../engine/index.js';
import { demoConfig, demoScript } from './demo-config.js';
import { DemoTally } from './demo-traffic.js';
import { LiveFrame, PlainLines, renderFrame, rowsOf } from './demo-view.js';
import type { DemoView } from './demo-view.js';

/** A real engine that serves nothing: no socket is opened until a request. */
const engine = createBreakerbox(demoConfig('http://127.0.0.1:9/v1', 10_000), { env: {} });
after(() => engine.close());

function view(elapsedMs: number, transitions: DemoView['transitions'] = []): DemoView {
  return {
    engine,
    tally: new DemoTally(),
    script: demoScript(10_000),
    durationMs: 10_000,
    elapsedMs,
    transitions,
    dashboardUrl: 'http://127.0.0.1:1/dashboard',
  };
}

test('rowsOf counts wrapped lines and ignores colour codes', () => {
  assert.equal(rowsOf('abc\ndef', 80), 2);
  assert.equal(rowsOf('x'.repeat(81), 80), 2);
  assert.equal(rowsOf(`\u001b[31m${'x'.repeat(80)}\u001b[39m`, 80), 1);
  assert.equal(rowsOf('', 80), 1);
});

test('LiveFrame moves up over exactly the rows it drew last time', () => {
  const writes: string[] = [];
  const frame = new LiveFrame(
    (s) => writes.push(s),
    () => 10,
  );
  frame.draw('one\n' + 'y'.repeat(15));
  frame.draw('two');
  assert.equal(writes[0], `\u001b[0Jone\n${'y'.repeat(15)}\n`);
  assert.equal(writes[1], '\u001b[3F\u001b[0Jtwo\n', '1 row + 2 wrapped rows');
});

test('the live frame names the phase, the active faults and every deployment', () => {
  const text = renderFrame(view(4000), false);
  assert.match(text, /4\.0 s \/ 10 s/);
  assert.match(text, /phase 2: gpt-4\.1 is down/);
  assert.match(text, /faults: gpt-4\.1: down .* · claude-sonnet-4\.5: 429 storm/);
  for (const id of [
    'sim/gpt-4.1',
    'sim/claude-sonnet-4.5',
    'sim/gemini-2.5-flash',
    'sim/deepseek-v3.2',
  ]) {
    assert.match(text, new RegExp(`${id.replace(/\./g, '\\.')} +│ closed`));
  }
});

test('plain lines tell the story in time order, each event once', () => {
  const lines: string[] = [];
  const plain = new PlainLines((l) => lines.push(l), 60_000);
  plain.update(view(0));
  const t = {
    deployment: 'sim/gpt-4.1',
    from: 'closed',
    to: 'open',
    reason: 'consecutive_failures',
  };
  plain.update(view(3600, [{ ...t, atMs: 3560 }]));
  plain.update(view(3700, [{ ...t, atMs: 3560 }]));
  assert.deepEqual(lines, [
    '[  0.0 s] warm-up: every model healthy',
    '[  1.0 s] phase 1: gpt-4.1 fails 34% of calls',
    '[  2.0 s] + claude-sonnet-4.5: 429 storm (Retry-After 1 s)',
    '[  2.5 s] + gemini-2.5-flash: 30% of streams send an error event before content',
    '[  3.5 s] phase 2: gpt-4.1 is down',
    '[  3.6 s] sim/gpt-4.1            closed → open  (consecutive_failures)',
  ]);
});
