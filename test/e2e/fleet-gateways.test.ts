/**
 * Three `breakerbox serve` processes on loopback share one Redis: a primary failing behind
 * replica A is seen open on B and C within a second, and they stop calling it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, test } from 'node:test';
import type { TestContext } from 'node:test';
import OpenAI from 'openai';
import { startSim } from '../support/start-sim.js';
import { REDIS_URL, freshPrefix, requireRedis } from '../support/fleet.js';

const BIN = fileURLToPath(new URL('../../../bin/breakerbox.js', import.meta.url));
const ADMIN = 'test-admin-key-fleet';

/** Starts `breakerbox serve` on an OS-chosen port; resolves with its URL. Killed by PID at the end. */
async function serve(t: TestContext, config: string, replica: string): Promise<string> {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    [BIN, 'serve', '--config', config, '--port', '0', '--host', '127.0.0.1'],
    { env: { ...process.env, NO_COLOR: '1', BREAKERBOX_REPLICA: replica } },
  );
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => {
      reject(new Error(`replica ${replica} did not start: ${seen}`));
    }, 15_000);
    const onData = (d: Buffer): void => {
      seen += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(seen);
      if (m?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
  });
}

interface Circuits {
  data: { name: string; state: string }[];
  stateStore?: { mode: string; replicas: number };
}

async function circuits(url: string): Promise<Circuits> {
  const r = await fetch(`${url}/admin/circuits`, { headers: { authorization: `Bearer ${ADMIN}` } });
  assert.equal(r.status, 200);
  return (await r.json()) as Circuits;
}

async function stateOf(url: string, name: string): Promise<string | undefined> {
  return (await circuits(url)).data.find((c) => c.name === name)?.state;
}

/** Polls until `name` reads `state` on `url`; resolves with the time it did (rejects after 5 s). */
async function until(url: string, name: string, state: string): Promise<number> {
  const end = Date.now() + 5000;
  while (Date.now() < end) {
    if ((await stateOf(url, name)) === state) return Date.now();
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${name} never became ${state} on ${url}`);
}

before(() => requireRedis());

test('three gateway processes: a primary failing behind A is open on B and C within 1 s', async (t) => {
  const sim = await startSim(t, { models: { primary: { faults: { down: true } } } });
  const dir = await mkdtemp(join(tmpdir(), 'breakerbox-fleet-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const config = join(dir, 'fleet.yaml');
  await writeFile(
    config,
    [
      'providers:',
      `  sim: { baseURL: "${sim.url}" }`,
      'models:',
      '  m: { deployments: [{ provider: sim, model: primary }], fallbacks: [backup] }',
      '  backup: { deployments: [{ provider: sim, model: backup }] }',
      'breaker: { trip: { consecutive: 3 }, openMs: 30000 }',
      'retry: { attempts: 0 }',
      `server: { adminKey: ${ADMIN} }`,
      `state: { store: redis, url: "${REDIS_URL}", keyPrefix: "${freshPrefix()}", replicaId: "\${BREAKERBOX_REPLICA}", syncMs: 200 }`,
    ].join('\n'),
  );
  const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((r) => serve(t, config, r)));
  assert.ok(a !== undefined && b !== undefined && c !== undefined);
  for (const url of [a, b, c]) {
    const end = Date.now() + 5000;
    while ((await circuits(url)).stateStore?.mode !== 'shared' && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal((await circuits(url)).stateStore?.mode, 'shared');
  }
  const client = new OpenAI({
    apiKey: 'unused',
    baseURL: `${a}/v1`,
    maxRetries: 0,
    timeout: 30_000,
  });
  for (let i = 0; i < 3; i++) {
    const r = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(r.model, 'backup');
  }
  const trippedAt = await until(a, 'sim/primary', 'open');
  const [onB, onC] = await Promise.all([
    until(b, 'sim/primary', 'open'),
    until(c, 'sim/primary', 'open'),
  ]);
  assert.ok(onB - trippedAt < 1000, `B followed after ${onB - trippedAt} ms`);
  assert.ok(onC - trippedAt < 1000, `C followed after ${onC - trippedAt} ms`);
  const calls = sim.calls('primary');
  for (const url of [b, c]) {
    const other = new OpenAI({ apiKey: 'unused', baseURL: `${url}/v1`, maxRetries: 0 });
    const r = await other.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(r.model, 'backup');
  }
  assert.equal(sim.calls('primary'), calls, 'B and C never called the open primary');
});
