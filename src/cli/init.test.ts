import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../core/index.js';
import { loadConfigFile, parseConfigText } from '../config/index.js';
import { STARTER_CONFIG } from './init-template.js';
import { INIT_FILE, runInit } from './init.js';
import { main } from './main.js';
import type { Output } from './format.js';

function capture(): Output & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l), color: false };
}

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'breakerbox-init-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

test('the starter config parses: a provider from the environment, a model with a fallback', () => {
  const config = parseConfigText(STARTER_CONFIG, { env: { OPENAI_API_KEY: 'sk-test' } });
  assert.equal(config.providers.openai?.baseURL, 'https://api.openai.com/v1');
  assert.equal(config.providers.openai.apiKey, 'sk-test');
  assert.deepEqual(config.models['gpt-4.1']?.fallbacks, ['gpt-4.1-mini']);
  assert.equal(config.deadlineMs, 60_000);
  assert.equal(config.breaker.openMs, 30_000);
  assert.equal(config.server.host, '127.0.0.1');
  const sim = parseConfigText(STARTER_CONFIG, {
    env: { OPENAI_API_KEY: 'unused', OPENAI_BASE_URL: 'http://127.0.0.1:8788/v1' },
  });
  assert.equal(sim.providers.openai?.baseURL, 'http://127.0.0.1:8788/v1');
});

test('the starter config without OPENAI_API_KEY is an error that names the variable', () => {
  assert.throws(
    () => parseConfigText(STARTER_CONFIG, { env: {} }),
    (e: unknown) => e instanceof ConfigError && /OPENAI_API_KEY is not set/.test(e.message),
  );
});

test('init writes breakerbox.yaml, which loads, and says what to do next', async (t) => {
  const dir = tempDir(t);
  const o = capture();
  assert.equal(await runInit({ dir }, o), 0);
  const config = await loadConfigFile(join(dir, INIT_FILE), { env: { OPENAI_API_KEY: 'k' } });
  assert.deepEqual(Object.keys(config.models), ['gpt-4.1', 'gpt-4.1-mini']);
  assert.equal(o.lines[0], `wrote ${INIT_FILE}`);
  assert.ok(o.lines.some((l) => l.includes('breakerbox serve --config breakerbox.yaml')));
  assert.deepEqual(o.errors, []);
});

test('init refuses to overwrite an existing file without --force', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, INIT_FILE);
  writeFileSync(path, 'mine\n');
  const o = capture();
  assert.equal(await runInit({ dir }, o), 1);
  assert.match(o.errors.join('\n'), /already exists.*--force/);
  assert.equal(readFileSync(path, 'utf8'), 'mine\n');
  assert.equal(await runInit({ dir, force: true }, capture()), 0);
  assert.equal(readFileSync(path, 'utf8'), STARTER_CONFIG);
});

test('`breakerbox init` writes into the current directory', async (t) => {
  const dir = tempDir(t);
  const cwd = process.cwd();
  process.chdir(dir);
  t.after(() => {
    process.chdir(cwd);
  });
  assert.equal(await main(['node', 'breakerbox', 'init'], capture()), 0);
  assert.equal(await main(['node', 'breakerbox', 'init'], capture()), 1);
  assert.equal(await main(['node', 'breakerbox', 'init', '--force'], capture()), 0);
  assert.equal(readFileSync(join(dir, INIT_FILE), 'utf8'), STARTER_CONFIG);
});
