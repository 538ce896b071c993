// `breakerbox serve` as operators run it (issue 13): SIGHUP reloads the config file (an invalid
// one changes nothing), OTLP traces reach a loopback collector and the JSONL request log is
// complete once SIGTERM has drained the gateway.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSim } from '../support/start-sim.js';
import { waitFor } from '../support/child-output.js';

const BIN = fileURLToPath(new URL('../../../bin/breakerbox.js', import.meta.url));

function config(simUrl: string, collector: string, log: string, extraModel: boolean): string {
  return [
    'providers:',
    `  sim: { baseURL: "${simUrl}", apiKey: sk-provider-never-logged-1 }`,
    'models:',
    '  gpt-4.1: { deployments: [{ provider: sim }] }',
    ...(extraModel ? ['  gpt-4.1-mini: { deployments: [{ provider: sim }] }'] : []),
    `server: { requestLog: { path: "${log}" } }`,
    `telemetry: { otlp: { endpoint: "${collector}/v1/traces" } }`,
  ].join('\n');
}

test('serve: SIGHUP reloads, traces are exported, the request log is flushed on SIGTERM', async (t) => {
  const sim = await startSim(t);
  const bodies: string[] = [];
  const collector = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      bodies.push(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) =>
        collector.close(() => {
          resolve();
        }),
      ),
  );
  const collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  const dir = await mkdtemp(join(tmpdir(), 'breakerbox-serve-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'breakerbox.yaml');
  const log = join(dir, 'requests.jsonl');
  await writeFile(file, config(sim.url, collectorUrl, log, false));

  const child = spawn(process.execPath, [BIN, 'serve', '--config', file, '--port', '0'], {
    env: { ...process.env, NO_COLOR: '1' },
  });
  t.after(() => child.kill('SIGKILL'));
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  // Both lines may arrive in one chunk: listen for both from the start.
  const listening = waitFor(child, 'stderr', /listening on (http:\/\/127\.0\.0\.1:\d+)\/v1/);
  const exporting = waitFor(
    child,
    'stderr',
    /traces exported to http:\/\/127\.0\.0\.1:\d+\/v1\/traces/,
  );
  const [, url] = await listening;
  await exporting;
  const chat = async (model: string): Promise<number> => {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    });
    await res.text();
    return res.status;
  };
  assert.equal(await chat('gpt-4.1'), 200);
  assert.equal(await chat('gpt-4.1-mini'), 404);

  // An invalid file: nothing changes, the log says why.
  await writeFile(file, 'models: [not, a, mapping\n');
  const rejected = waitFor(child, 'stdout', /configuration not reloaded, nothing changed/);
  child.kill('SIGHUP');
  await rejected;
  assert.equal(await chat('gpt-4.1'), 200);

  // A valid file with one more model: served at once.
  await writeFile(file, config(sim.url, collectorUrl, log, true));
  const reloaded = waitFor(
    child,
    'stdout',
    /"event":"reloaded"[^\n]*"added":\["sim\/gpt-4\.1-mini"\]/,
  );
  child.kill('SIGHUP');
  await reloaded;
  assert.equal(await chat('gpt-4.1-mini'), 200);

  child.kill('SIGTERM');
  assert.equal(await closed, 0);
  const lines = (await readFile(log, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(
    lines.map((l) => [l.model ?? null, l.status]),
    [
      ['gpt-4.1', 200],
      [null, 404],
      ['gpt-4.1', 200],
      ['gpt-4.1-mini', 200],
    ],
  );
  const exported = bodies.join('\n');
  assert.ok(exported.includes('"chat gpt-4.1"') && exported.includes('"chat gpt-4.1-mini"'));
  assert.ok(!exported.includes('sk-provider-never-logged-1'));
});
