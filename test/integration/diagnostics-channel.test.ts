// diagnostics_channel events (issue 13): what an APM agent subscribing by name sees of a failover.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import { createBreakerbox } from '../../src/engine/index.js';
import { DIAGNOSTICS_CHANNELS } from '../../src/telemetry/index.js';
import { startMockUpstream } from '../support/mock-upstream.js';

test('a failover publishes request start/end, the failed attempt and the breaker trip', async (t) => {
  const up = await startMockUpstream(t, { a: 'fail', b: 'ok' });
  const bb = createBreakerbox({
    providers: {
      a: { baseURL: `${up.url}/a/v1`, apiKey: 'sk-a-secret-value' },
      b: { baseURL: `${up.url}/b/v1`, apiKey: 'sk-b-secret-value' },
    },
    models: {
      primary: { deployments: [{ provider: 'a', model: 'gpt-a' }], fallbacks: ['backup'] },
      backup: { deployments: [{ provider: 'b', model: 'gpt-b' }] },
    },
    breaker: { trip: { consecutive: 1 } },
    retry: { attempts: 0 },
  });
  t.after(() => bb.close());
  const seen: [string, unknown][] = [];
  for (const name of Object.values(DIAGNOSTICS_CHANNELS)) {
    const listener = (message: unknown): void => {
      seen.push([name, message]);
    };
    diagnosticsChannel.subscribe(name, listener);
    t.after(() => diagnosticsChannel.unsubscribe(name, listener));
  }
  const result = await bb.chat(
    { model: 'primary', messages: [{ role: 'user', content: 'secret prompt text' }] },
    { requestId: 'req_diag_1' },
  );
  assert.equal(result.breakerbox.deployment, 'b/gpt-b');
  assert.deepEqual(
    seen.map(([name]) => name),
    [
      'breakerbox:request:start',
      'breakerbox:circuit:transition',
      'breakerbox:attempt',
      'breakerbox:request:end',
    ],
  );
  const [start, transition, attempt, end] = seen.map(([, m]) => m) as [
    Record<string, unknown>,
    Record<string, unknown>,
    { requestId: string; attempt: Record<string, unknown> },
    {
      requestId: string;
      ok: boolean;
      errorCode: unknown;
      event: { meta: Record<string, unknown> };
    },
  ];
  assert.deepEqual(start, { requestId: 'req_diag_1', route: 'chat', model: 'primary' });
  assert.equal(transition.deployment, 'a/gpt-a');
  assert.equal(transition.from, 'closed');
  assert.equal(transition.to, 'open');
  assert.equal(attempt.requestId, 'req_diag_1');
  assert.equal(attempt.attempt.deployment, 'a/gpt-a');
  assert.equal(attempt.attempt.result, 'failed');
  assert.equal(attempt.attempt.reason, 'server_error');
  assert.equal(end.requestId, 'req_diag_1');
  assert.equal(end.ok, true);
  assert.equal(end.errorCode, undefined);
  assert.equal(end.event.meta.deployment, 'b/gpt-b');
  assert.equal(end.event.meta.fallbackUsed, true);
  assert.ok(!JSON.stringify(seen).includes('secret'), 'no prompt and no key in any message');
  // The next request skips the open primary: a skip is an attempt event too.
  seen.length = 0;
  await bb.chat({ model: 'primary', messages: [{ role: 'user', content: 'again' }] });
  const skip = seen.find(([name]) => name === 'breakerbox:attempt')?.[1] as
    { attempt: Record<string, unknown> } | undefined;
  assert.equal(skip?.attempt.result, 'skipped');
  assert.equal(skip.attempt.reason, 'breaker_open');
});
