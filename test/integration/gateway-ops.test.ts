// Issue 9 (operations surface): `/metrics` protection as a config key, and `/readyz` saying per
// model whether any candidate (its deployments or its fallbacks') can be admitted now.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from '../fixtures/gateway-harness.js';

test('metrics.auth: none (the default), client, admin', async (t) => {
  const open = await startStack(t);
  assert.equal((await fetch(`${open.url}/metrics`)).status, 200, 'default: anyone');

  const client = await startStack(t, {
    config: { server: { ...base(), metrics: { auth: 'client' } } },
  });
  assert.equal((await fetch(`${client.url}/metrics`)).status, 401);
  assert.equal((await fetch(`${client.url}/metrics`, { headers: client.auth })).status, 200);
  assert.equal((await fetch(`${client.url}/metrics`, { headers: client.admin })).status, 200);

  const admin = await startStack(t, {
    config: { server: { ...base(), metrics: { auth: 'admin' } } },
  });
  assert.equal((await fetch(`${admin.url}/metrics`, { headers: admin.auth })).status, 401);
  assert.equal((await fetch(`${admin.url}/metrics`, { headers: admin.admin })).status, 200);
});

function base(): Record<string, unknown> {
  return { clientKeys: ['sk-test-client-0123456789'], adminKey: 'sk-test-admin-9876543210' };
}

interface Ready {
  status: string;
  models: Record<string, { admitting: boolean; retryAfterMs?: number }>;
}

test('readyz: per model, admitting while any candidate (fallbacks included) would be admitted', async (t) => {
  const s = await startStack(t);
  const before = (await (await fetch(`${s.url}/readyz`)).json()) as Ready;
  assert.equal(before.status, 'ready');
  assert.deepEqual(before.models['gpt-4.1'], { admitting: true });
  const force = async (id: string): Promise<void> => {
    const r = await fetch(`${s.url}/admin/circuits/${id}/open`, {
      method: 'POST',
      headers: s.admin,
    });
    assert.equal(r.status, 200);
    await r.body?.cancel();
  };
  await force('sim/gpt-4.1');
  const oneOpen = (await (await fetch(`${s.url}/readyz`)).json()) as Ready;
  assert.equal(oneOpen.models['gpt-4.1']?.admitting, true, 'its fallback still admits');
  await force('sim/gpt-4.1-mini');
  const res = await fetch(`${s.url}/readyz`);
  assert.equal(res.status, 200, 'open circuits do not take the replica out');
  const bothOpen = (await res.json()) as Ready;
  assert.equal(bothOpen.models['gpt-4.1']?.admitting, false);
  assert.equal(bothOpen.models['gpt-4.1-mini']?.admitting, false);
  assert.equal(bothOpen.models['text-embedding-3-small']?.admitting, true);
});
