// /metrics of a real gateway run (sim + engine + gateway on 127.0.0.1): bounded label sets under
// caller-chosen model names, per-deployment attempts from a real failover, budget gauges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../src/gateway/index.js';
import { chatBody, post, startStack } from '../fixtures/gateway-harness.js';

/** The `breakerbox_*` series of an exposition text (one per sample line). */
function series(text: string): string[] {
  return text.split('\n').filter((l) => l.startsWith('breakerbox_'));
}

function value(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(name + ' '));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

async function scrape(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`);
  assert.equal(res.status, 200);
  return res.text();
}

test('1,000 unknown model names leave the number of series flat', async (t) => {
  const s = await startStack(t, { gateway: { logger: silentLogger() } });
  const url = `${s.url}/v1/chat/completions`;
  // Warm up: one known and one unknown model create every series these requests can touch.
  for (const model of ['gpt-4.1', 'warm-up-unknown']) {
    await (await post(url, chatBody({ model }), s.auth)).body?.cancel();
  }
  const before = series(await scrape(s.url)).length;
  const total = 1000;
  const batch = 50;
  for (let start = 0; start < total; start += batch) {
    await Promise.all(
      Array.from({ length: batch }, async (_, i) => {
        const res = await post(url, chatBody({ model: `unknown-model-${start + i}` }), s.auth);
        assert.equal(res.status, 404);
        await res.body?.cancel();
      }),
    );
  }
  const text = await scrape(s.url);
  assert.equal(series(text).length, before, 'no series per caller-chosen name');
  assert.ok(!text.includes('unknown-model-'), 'no caller-chosen name in any label');
  assert.equal(
    value(text, 'breakerbox_errors_total{source="caller",code="model_not_found",model="none"}'),
    total + 1,
  );
});

test('a failover shows per deployment: the failure, the success and each attempt time', async (t) => {
  const s = await startStack(t, { simModels: { 'gpt-4.1': { faults: { down: true } } } });
  const res = await post(`${s.url}/v1/chat/completions`, chatBody(), s.auth);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-breakerbox-deployment'), 'sim/gpt-4.1-mini');
  await res.body?.cancel();
  const text = await scrape(s.url);
  const attempts = (d: string, m: string, o: string) =>
    value(
      text,
      `breakerbox_upstream_attempts_total{deployment="${d}",model="${m}",outcome="${o}"}`,
    );
  assert.equal(attempts('sim/gpt-4.1', 'gpt-4.1', 'failure'), 1);
  assert.equal(attempts('sim/gpt-4.1', 'gpt-4.1', 'success'), 0, 'created at 0');
  assert.equal(attempts('sim/gpt-4.1-mini', 'gpt-4.1-mini', 'success'), 1);
  const count = (d: string, m: string, o: string) =>
    value(
      text,
      `breakerbox_upstream_attempt_duration_seconds_count{deployment="${d}",model="${m}",outcome="${o}"}`,
    );
  assert.equal(count('sim/gpt-4.1', 'gpt-4.1', 'failure'), 1);
  // The winner came after a failed call: timed only if the engine reports its own attempt time.
  assert.ok([0, 1].includes(count('sim/gpt-4.1-mini', 'gpt-4.1-mini', 'success') ?? -1));
  assert.equal(
    value(
      text,
      'breakerbox_requests_total{model="gpt-4.1",deployment="sim/gpt-4.1-mini",outcome="fallback"}',
    ),
    1,
  );
  assert.equal(
    value(
      text,
      'breakerbox_upstream_skips_total{deployment="sim/gpt-4.1-mini",reason="breaker_open"}',
    ),
    0,
  );
});

test('model budgets and today’s spend are gauges; per-key budgets are not labels', async (t) => {
  const s = await startStack(t, {
    config: {
      models: {
        'gpt-4.1': { deployments: [{ provider: 'sim' }], budget: { usdPerDay: 5 } },
        'gpt-4.1-mini': { deployments: [{ provider: 'sim' }] },
      },
    },
  });
  await (await post(`${s.url}/v1/chat/completions`, chatBody(), s.auth)).body?.cancel();
  const text = await scrape(s.url);
  assert.equal(value(text, 'breakerbox_budget_usd_per_day{model="gpt-4.1"}'), 5);
  const spent = value(text, 'breakerbox_budget_spent_today_usd{model="gpt-4.1"}') ?? -1;
  assert.ok(spent > 0 && spent < 5, `spent ${spent}`);
  assert.ok(!text.includes('breakerbox_budget_usd_per_day{model="gpt-4.1-mini"}'));
});
