// The `breakerbox` command as users run it: `node bin/breakerbox.js ...` in a child process, over
// the compiled dist/ (run after `npm run build`). Everything listens on 127.0.0.1, ports from 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN_KEY, startStack } from '../fixtures/gateway-harness.js';
import { startSim } from '../support/start-sim.js';
import { waitFor } from '../support/child-output.js';

const BIN = fileURLToPath(new URL('../../../bin/breakerbox.js', import.meta.url));

interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function start(
  args: readonly string[],
  env: Record<string, string> = {},
): ChildProcessWithoutNullStreams {
  // NO_COLOR: plain text to match; the parent's admin key must not leak into a test.
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...env };
  if (env.BREAKERBOX_ADMIN_KEY === undefined) delete childEnv.BREAKERBOX_ADMIN_KEY;
  return spawn(process.execPath, [BIN, ...args], { env: childEnv });
}

/** Runs the command to its end; kills it (and fails) after `timeoutMs`. */
async function run(
  args: readonly string[],
  options: { timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<Ran> {
  const child = start(args, options.env);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timeoutMs = options.timeoutMs ?? 10_000;
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  assert.notEqual(
    code,
    null,
    `breakerbox ${args.join(' ')} was killed after ${timeoutMs} ms\n${stdout}\n${stderr}`,
  );
  return { code, stdout, stderr };
}

function exited(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => child.on('close', resolve));
}

test('--help works for the program and every command, and exits 0', async () => {
  for (const command of [[], ['demo'], ['serve'], ['status'], ['pricing'], ['sim']]) {
    const r = await run([...command, '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(`Usage: breakerbox${command.length > 0 ? ` ${command[0]}` : ''}`),
    );
  }
});

test('an unknown command or a bad option is a usage error: exit 2', async () => {
  const unknown = await run(['deploy']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'deploy'/);
  const badPort = await run(['sim', '--port', '70000']);
  assert.equal(badPort.code, 2);
  assert.match(badPort.stderr, /not a port/);
  const badDuration = await run(['demo', '--duration', '1']);
  assert.equal(badDuration.code, 2);
  assert.match(badDuration.stderr, /--duration must be/);
});

test('demo --duration 10: every phase runs, the report shows ≥ 99% success, and it exits 0 on time', async () => {
  const startedMs = performance.now();
  const r = await run(['demo', '--duration', '10'], { timeoutMs: 25_000 });
  const elapsedMs = performance.now() - startedMs;
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const rate = /success rate: (\d+\.\d+)% \((\S+) of (\S+);/.exec(r.stdout);
  assert.ok(rate, `no success rate in:\n${r.stdout}`);
  assert.ok(Number(rate[1]) >= 99, `success rate ${rate[1]}%`);
  const answered = Number(rate[2]!.replace(/,/g, ''));
  assert.ok(answered > 100, `only ${answered} requests answered`);
  assert.match(r.stdout, /dashboard {2}http:\/\/127\.0\.0\.1:\d+\/dashboard/);
  for (const phase of ['phase 1', 'phase 2', 'phase 3']) assert.match(r.stdout, new RegExp(phase));
  assert.match(r.stdout, /sim\/gpt-4\.1 +closed → open/, 'the primary tripped');
  assert.match(
    r.stdout,
    /sim\/claude-sonnet-4\.5 +closed → open {2}\(retry_after\)/,
    'the 429 storm opened claude',
  );
  assert.match(r.stdout, /gpt-4\.1 closed again at/, 'the primary recovered');
  assert.match(r.stdout, /spend +\$[\d.]+ vs \$[\d.]+/);
  assert.match(r.stdout, /PASS: success rate/);
  assert.doesNotMatch(r.stderr, /left a handle open/, 'everything was closed');
  assert.ok(elapsedMs < 20_000, `took ${elapsedMs.toFixed(0)} ms for a 10 s demo`);
});

test('demo interrupted by Ctrl-C still reports, closes everything and exits 130 at once', async () => {
  const child = start(['demo', '--duration', '60']);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await waitFor(child, 'stdout', /warm-up/);
  const closed = exited(child);
  const signalledMs = performance.now();
  child.kill('SIGINT');
  const code = await closed;
  assert.equal(code, 130);
  assert.ok(performance.now() - signalledMs < 5000, 'in-flight requests aborted at once');
  // The CLI forces the exit after 3 s, with this warning, when a handle was left open.
  assert.doesNotMatch(stderr, /left a handle open/, 'everything the demo opened was closed');
  assert.match(stdout, /INTERRUPTED: success rate/);
});

test('serve with an invalid config exits 2 and lists every issue with its path and line', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'breakerbox-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'bad.yaml');
  await writeFile(
    file,
    [
      'providers:',
      '  sim: { baseURL: not-a-url }',
      'models:',
      '  gpt-4.1:',
      '    deployments: [{ provider: simm }]',
      '    fallbacks: [claude]',
      'breaker: { opneMs: 5 }',
    ].join('\n'),
  );
  const r = await run(['serve', '--config', file]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /invalid configuration \(4 problems\)/);
  assert.match(r.stderr, /bad\.yaml:2: providers\.sim\.baseURL: /);
  assert.match(
    r.stderr,
    /bad\.yaml:5: models\.gpt-4\.1\.deployments\[0\]\.provider: unknown provider "simm"/,
  );
  assert.match(r.stderr, /bad\.yaml:6: models\.gpt-4\.1\.fallbacks\[0\]: unknown model "claude"/);
  assert.match(
    r.stderr,
    /bad\.yaml:7: breaker\.opneMs: unknown key "opneMs" \(did you mean "openMs"\?\)/,
  );
  const missing = await run(['serve', '--config', join(dir, 'nope.yaml')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope\.yaml.*cannot read the file/);
});

test('serve with a valid config listens where --port/--host say, never prints a key, drains on SIGTERM', async (t) => {
  const sim = await startSim(t);
  const dir = await mkdtemp(join(tmpdir(), 'breakerbox-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'ok.yaml');
  const providerKey = 'sk-provider-never-printed-123';
  await writeFile(
    file,
    [
      'providers:',
      `  sim: { baseURL: "${sim.url}", apiKey: ${providerKey} }`,
      'models:',
      '  gpt-4.1: { deployments: [{ provider: sim }] }',
      'server: { host: 127.0.0.2, port: 1 }',
    ].join('\n'),
  );
  const child = start(['serve', '--config', file, '--port', '0', '--host', '127.0.0.1']);
  t.after(() => child.kill('SIGKILL'));
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const [, url] = await waitFor(child, 'stderr', /listening on (http:\/\/127\.0\.0\.1:\d+)\/v1/);
  const health = await fetch(`${url}/healthz`);
  assert.equal(health.status, 200);
  const chat = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(chat.status, 200);
  await chat.text();
  const closed = exited(child);
  child.kill('SIGTERM');
  assert.equal(await closed, 0);
  assert.doesNotMatch(output, new RegExp(providerKey), 'the provider key never appears');
  assert.match(output, /gpt-4\.1 \(sim\/gpt-4\.1\)/);
});

test('pricing prints the four seed models, dearest output first, and merges a config’s prices', async (t) => {
  const r = await run(['pricing']);
  assert.equal(r.code, 0, r.stderr);
  const order = ['claude-sonnet-4.5', 'gpt-4.1', 'gemini-2.5-flash', 'deepseek-v3.2'].map((m) =>
    r.stdout.indexOf(`│ ${m} `),
  );
  for (const at of order) assert.ok(at > 0, r.stdout);
  assert.deepEqual(
    [...order].sort((a, b) => a - b),
    order,
    'sorted by output price',
  );
  assert.match(r.stdout, /claude-sonnet-4\.5 +│ +3\.00 │ +15\.00 │ █+ /);

  const dir = await mkdtemp(join(tmpdir(), 'breakerbox-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'prices.yaml');
  await writeFile(
    file,
    [
      'providers: { p: { baseURL: "http://127.0.0.1:9/v1" } }',
      'models: { house-model: { deployments: [{ provider: p }] } }',
      'pricing: { house-model: { input: 1, output: 99 } }',
    ].join('\n'),
  );
  const merged = await run(['pricing', '--config', file, '--json']);
  assert.equal(merged.code, 0, merged.stderr);
  const rows = JSON.parse(merged.stdout) as {
    model: string;
    outputUsdPerMTok: number;
    source: string;
  }[];
  assert.deepEqual(rows[0], {
    model: 'house-model',
    inputUsdPerMTok: 1,
    outputUsdPerMTok: 99,
    source: 'config',
  });
  assert.ok(rows.some((row) => row.model === 'deepseek-v3.2' && row.source === 'built-in'));
});

test('sim starts, answers /v1/models and a scripted fault, and exits 0 on SIGTERM', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'breakerbox-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const scenario = join(dir, 'scenario.yaml');
  await writeFile(scenario, 'steps:\n  - { atMs: 0, model: broken, faults: { down: true } }\n');
  const child = start(['sim', '--port', '0', '--scenario', scenario]);
  t.after(() => child.kill('SIGKILL'));
  const [, url] = await waitFor(child, 'stdout', /listening on (http:\/\/127\.0\.0\.1:\d+\/v1)/);
  const models = await fetch(`${url}/models`);
  assert.equal(models.status, 200);
  const list = (await models.json()) as { object: string };
  assert.equal(list.object, 'list');
  const broken = await fetch(`${url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'broken', messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(broken.status, 503, 'the scenario applied');
  await broken.text();
  const closed = exited(child);
  child.kill('SIGTERM');
  assert.equal(await closed, 0);
});

test('sim with an invalid scenario exits 2 naming the file and the field', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'breakerbox-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const scenario = join(dir, 'bad.json');
  await writeFile(scenario, JSON.stringify({ steps: [{ atMs: -1, model: 'x', faults: null }] }));
  const r = await run(['sim', '--port', '0', '--scenario', scenario]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad\.json: steps\[0\]\.atMs/);
});

test('status shows the circuits of a running gateway, with the admin key from the environment', async (t) => {
  const s = await startStack(t, { config: { breaker: { trip: { consecutive: 1 } } } });
  const forced = await fetch(`${s.url}/admin/circuits/sim/gpt-4.1-mini/open`, {
    method: 'POST',
    headers: s.admin,
  });
  assert.equal(forced.status, 200);
  await forced.text();

  const r = await run(['status', '--url', s.url], { env: { BREAKERBOX_ADMIN_KEY: ADMIN_KEY } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /sim\/gpt-4\.1 +│ closed/);
  assert.match(r.stdout, /sim\/gpt-4\.1-mini +│ forced-open .*until reset/);
  assert.match(r.stdout, /3 circuits, 1 not closed/);

  const json = await run(['status', '--url', `${s.url}/v1`, '--json', '--admin-key', ADMIN_KEY]);
  assert.equal(json.code, 0, json.stderr);
  const circuits = JSON.parse(json.stdout) as { name: string; state: string }[];
  assert.equal(circuits.find((c) => c.name === 'sim/gpt-4.1-mini')?.state, 'forced-open');

  const wrongKey = 'sk-wrong-admin-key-42';
  const refused = await run(['status', '--url', s.url, '--admin-key', wrongKey]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /answered 401: .*admin key/);
  assert.doesNotMatch(refused.stderr, new RegExp(wrongKey), 'the key is never echoed');
});

test('status against nothing listening exits 1 with the reason', async (t) => {
  const s = await startSim(t);
  await s.close(); // a port that was free a moment ago and is closed now
  const r = await run(['status', '--url', `http://127.0.0.1:${s.port}`]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /cannot reach the gateway at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
});

test('batch runs a JSONL file through an engine, exits 1 when a line is invalid, and resumes', async (t) => {
  const sim = await startSim(t);
  const dir = await mkdtemp(join(tmpdir(), 'breakerbox-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const config = join(dir, 'config.yaml');
  await writeFile(
    config,
    `providers: { sim: { baseURL: "${sim.url}" } }\nmodels: { gpt-4.1: { deployments: [{ provider: sim }] } }\n`,
  );
  const input = join(dir, 'in.jsonl');
  const line = (id: string): string =>
    JSON.stringify({
      custom_id: id,
      method: 'POST',
      url: '/v1/chat/completions',
      body: { model: 'gpt-4.1', messages: [{ role: 'user', content: `hi ${id}` }] },
    });
  await writeFile(input, [line('a'), line('b'), 'not json', line('c')].join('\n') + '\n');
  const args = [
    'batch',
    input,
    '-o',
    join(dir, 'out.jsonl'),
    '-e',
    join(dir, 'err.jsonl'),
    '-c',
    config,
  ];
  const first = await run(args);
  assert.equal(first.code, 1, first.stderr);
  assert.match(first.stdout, /batch completed: 4 lines; 3 succeeded, 0 failed, 1 invalid/);
  const again = await run(args);
  assert.equal(again.code, 1, 'the invalid line still counts');
  assert.match(again.stdout, /4 already done/);
  assert.equal(sim.calls('gpt-4.1'), 3, 'no line was sent twice');

  const neither = await run(['batch', input, '-o', join(dir, 'x.jsonl')]);
  assert.equal(neither.code, 2);
  assert.match(neither.stderr, /exactly one of --config/);
});

test('batch stops early when every provider refuses the key, names where the key is set, resumes', async (t) => {
  const sim = await startSim(t, { apiKey: 'sk-right' });
  const dir = await mkdtemp(join(tmpdir(), 'breakerbox-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const config = join(dir, 'config.yaml');
  // No engine retries: its retry phase may wait for an open breaker; the stop is the subject.
  await writeFile(
    config,
    `providers: { sim: { baseURL: "${sim.url}", apiKey: "\${BB_BATCH_TEST_KEY}" } }\n` +
      `models: { gpt-4.1: { deployments: [{ provider: sim }] } }\nretry: { attempts: 0 }\n`,
  );
  const input = join(dir, 'in.jsonl');
  const lines = Array.from({ length: 60 }, (_, i) =>
    JSON.stringify({
      custom_id: `r${i}`,
      method: 'POST',
      url: '/v1/chat/completions',
      body: { model: 'gpt-4.1', messages: [{ role: 'user', content: `hi ${i}` }] },
    }),
  );
  await writeFile(input, lines.join('\n') + '\n');
  const args = ['batch', input, '-o', join(dir, 'out.jsonl'), '-c', config];
  const refused = await run([...args, '--stop-after-auth-failures', '5', '--concurrency', '2'], {
    env: { BB_BATCH_TEST_KEY: 'sk-wrong' },
    timeoutMs: 30_000,
  });
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(
    refused.stderr,
    /every provider answered 401 for 5 lines in a row \(sim\/gpt-4\.1\)/,
  );
  assert.match(refused.stderr, /sim: apiKey is \$\{BB_BATCH_TEST_KEY\} in config\.yaml/);
  assert.doesNotMatch(refused.stderr + refused.stdout, /sk-wrong/);
  assert.match(refused.stdout, /batch stopped: 60 lines; 0 succeeded, 5 failed/);

  const fixed = await run([...args, '--retry-failed'], {
    env: { BB_BATCH_TEST_KEY: 'sk-right' },
    timeoutMs: 30_000,
  });
  assert.equal(fixed.code, 0, fixed.stderr);
  assert.match(fixed.stdout, /batch completed: 60 lines; 60 succeeded, 0 failed/);
  assert.match(fixed.stdout, /5 earlier failures sent again/);
});
