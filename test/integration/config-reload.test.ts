// Config reload (issue 13): validated first, swapped under load with zero failed requests,
// unchanged deployments keep their breaker state, removed ones are gone, new ones serve.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from '../../src/config/index.js';
import { Breakerbox } from '../../src/engine/index.js';
import { silentLogger, startGateway } from '../../src/gateway/index.js';
import { startMockUpstream } from '../support/mock-upstream.js';

const ADMIN = 'sk-admin-reload-0123456789';

function configText(url: string, version: 1 | 2): string {
  const models: Record<string, unknown> = {
    primary: { deployments: [{ provider: 'a', model: 'gpt-a' }], fallbacks: ['backup'] },
    backup: { deployments: [{ provider: 'b', model: 'gpt-b' }] },
  };
  if (version === 1) models.old = { deployments: [{ provider: 'b', model: 'gpt-old' }] };
  else models.extra = { deployments: [{ provider: 'b', model: 'gpt-extra' }] };
  return JSON.stringify({
    providers: {
      a: { baseURL: `${url}/a/v1`, apiKey: 'sk-a-secret-value' },
      // Version 2 changes provider b: its deployments get a fresh breaker and a new pool.
      b: {
        baseURL: `${url}/b/v1`,
        apiKey: 'sk-b-secret-value',
        ...(version === 2 && { headers: { 'x-config': 'v2' } }),
      },
    },
    models,
    breaker: { trip: { consecutive: 1 }, openMs: 300_000 },
    retry: { attempts: 0 },
    deadlineMs: 10_000,
    server: { adminKey: ADMIN },
  });
}

test('reload under load: invalid file refused, valid one swapped, no request fails', async (t) => {
  const up = await startMockUpstream(t, { a: 'fail', b: 'ok' });
  const dir = mkdtempSync(join(tmpdir(), 'bb-reload-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const file = join(dir, 'breakerbox.yaml');
  writeFileSync(file, configText(up.url, 1));
  const bb = new Breakerbox(await loadConfigFile(file));
  t.after(() => bb.close());
  const gateway = await startGateway({
    engine: bb,
    port: 0,
    logger: silentLogger(),
    reload: async () => bb.reload(await loadConfigFile(file)),
  });
  t.after(() => gateway.close(0));
  const call = async (model: string): Promise<number> => {
    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    });
    await res.text();
    return res.status;
  };
  const reload = async (): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${gateway.url}/admin/reload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  // The primary fails once: its breaker opens (and stays open for 5 minutes).
  assert.equal(await call('primary'), 200);
  up.behaviour.a = 'ok';
  assert.equal(bb.breakers.get('a/gpt-a').state, 'open');
  const callsToA = up.calls.filter((c) => c.provider === 'a').length;

  // Load: 400 requests, 8 at a time, bounded; reloads happen once 100 have completed.
  const total = 400;
  const statuses: number[] = [];
  let signal: () => void = () => undefined;
  const quarter = new Promise<void>((resolve) => {
    signal = resolve;
  });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      next++;
      statuses.push(await call(next % 3 === 0 ? 'backup' : 'primary'));
      if (statuses.length === total / 4) signal();
    }
  };
  const load = Promise.all(Array.from({ length: 8 }, worker));
  await quarter;

  const before = bb.config;
  writeFileSync(file, 'providers: [this is not a mapping\n');
  const invalid = await reload();
  assert.equal(invalid.status, 400);
  const error = invalid.body.error as { code: string; message: string };
  assert.equal(error.code, 'config_invalid');
  assert.match(error.message, /breakerbox\.yaml/);
  assert.equal(bb.config, before, 'an invalid file changes nothing');

  writeFileSync(file, configText(up.url, 2));
  const valid = await reload();
  assert.equal(valid.status, 200);
  assert.deepEqual(
    {
      added: valid.body.added,
      removed: valid.body.removed,
      changed: valid.body.changed,
      kept: valid.body.kept,
    },
    {
      added: ['b/gpt-extra'],
      removed: ['b/gpt-old'],
      changed: ['b/gpt-b'],
      kept: ['a/gpt-a'],
    },
  );
  assert.deepEqual(valid.body.restartNeeded, []);
  await load;

  assert.equal(statuses.length, total);
  assert.deepEqual(
    statuses.filter((s) => s !== 200),
    [],
    'no request failed across the reloads',
  );
  // The unchanged primary kept its open breaker: nothing reached it during or after the reload.
  assert.equal(bb.breakers.get('a/gpt-a').state, 'open');
  assert.equal(up.calls.filter((c) => c.provider === 'a').length, callsToA);
  // The changed provider's new settings are in force; new and removed models are served or not.
  assert.equal(await call('extra'), 200);
  assert.equal(up.calls.at(-1)?.headers['x-config'], 'v2');
  assert.equal(await call('old'), 404);
  assert.deepEqual([...bb.models].sort(), ['backup', 'extra', 'primary']);
});

test('reload is admin-only and absent without a config source', async (t) => {
  const up = await startMockUpstream(t, { a: 'ok', b: 'ok' });
  const dir = mkdtempSync(join(tmpdir(), 'bb-reload-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const file = join(dir, 'breakerbox.yaml');
  writeFileSync(file, configText(up.url, 1));
  const bb = new Breakerbox(await loadConfigFile(file));
  t.after(() => bb.close());
  const gateway = await startGateway({ engine: bb, port: 0, logger: silentLogger() });
  t.after(() => gateway.close(0));
  const noKey = await fetch(`${gateway.url}/admin/reload`, { method: 'POST' });
  await noKey.text();
  assert.equal(noKey.status, 401);
  const noSource = await fetch(`${gateway.url}/admin/reload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}` },
  });
  await noSource.text();
  assert.equal(noSource.status, 404);
});
