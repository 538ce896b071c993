import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../core/errors.js';
import type { ConfigIssue } from '../core/errors.js';
import { loadConfigFile, parseConfigText } from './index.js';

const FAKE_KEY = 'sk-yaml-9e8d7c6b5a4f3e2d1c0b';
const env = {
  OPENAI_API_KEY: FAKE_KEY,
  ANTHROPIC_API_KEY: 'sk-ant-fake-000000',
  GEMINI_API_KEY: 'gemini-fake-000000',
  DEEPSEEK_API_KEY: 'sk-deepseek-fake-000000',
};

/** The documented example (docs/configuration.md), line for line. */
const EXAMPLE = `providers:
  openai:
    baseURL: https://api.openai.com/v1
    apiKey: \${OPENAI_API_KEY}
    rpm: 500 # the provider tier's limit, enforced client-side
    tpm: 2000000 # optional
    maxConcurrent: 64
    timeouts: { connectMs: 5000, firstByteMs: 30000, idleMs: 30000, totalMs: 120000 }
    headers: { OpenAI-Organization: org-example } # optional
  anthropic:
    baseURL: https://api.anthropic.com/v1 # Anthropic's OpenAI-compatible endpoint
    apiKey: \${ANTHROPIC_API_KEY}
  gemini:
    baseURL: https://generativelanguage.googleapis.com/v1beta/openai
    apiKey: \${GEMINI_API_KEY}
  deepseek:
    baseURL: https://api.deepseek.com/v1
    apiKey: \${DEEPSEEK_API_KEY}
models:
  gpt-4.1:
    deployments: [{ provider: openai }] # upstream model name defaults to the key
    fallbacks: [claude-sonnet-4.5, deepseek-v3.2]
    contextWindowFallbacks: [gemini-2.5-flash]
  claude-sonnet-4.5:
    deployments: [{ provider: anthropic, model: claude-sonnet-4-5 }]
  gemini-2.5-flash:
    deployments: [{ provider: gemini }]
  deepseek-v3.2:
    deployments: [{ provider: deepseek, model: deepseek-chat }]
  text-embedding-3-small:
    deployments: [{ provider: openai }]
    embeddingDimensions: 1536 # embeddings fail over only to a model with the same dimension
breaker: { trip: { consecutive: 5 }, openMs: 30000, halfOpen: { probes: 1, successes: 2 } }
retry: { attempts: 2, budget: 0.2 }
deadlineMs: 60000
pricing: { gpt-4.1: { input: 2.00, output: 8.00 } } # USD per 1M tokens; overrides the defaults
`;

function failure(text: string, file?: string): ConfigError {
  try {
    parseConfigText(text, { env, file });
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err;
  }
  assert.fail('expected a ConfigError');
}

const located = (issues: readonly ConfigIssue[]): string[] =>
  issues.map((i) => `${String(i.line)} ${i.path}: ${i.message}`);

/** Replaces the first occurrence of `from` in the example. */
const edit = (from: string, to: string): string => {
  assert.ok(EXAMPLE.includes(from), from);
  return EXAMPLE.replace(from, to);
};

test('the documented example parses with defaults applied', () => {
  const c = parseConfigText(EXAMPLE, { env });
  assert.equal(c.providers['openai']?.apiKey, FAKE_KEY);
  assert.equal(c.providers['openai'].rpm, 500);
  assert.deepEqual(
    c.models['deepseek-v3.2']?.deployments.map((d) => d.id),
    ['deepseek/deepseek-chat'],
  );
  assert.equal(c.models['gpt-4.1']?.deployments[0]?.breaker.maxOpenMs, 300_000);
  assert.equal(c.breaker.halfOpen.permitTimeoutMs, 60_000);
  assert.equal(c.retry.minPerSecond, 10);
  assert.equal(c.server.port, 8787);
  assert.deepEqual(c.pricing['claude-sonnet-4.5'], { input: 3, output: 15 });
});

test('each issue carries the line of its node', () => {
  const text = edit('openMs: 30000', 'opneMs: 30000')
    .replace('fallbacks: [claude-sonnet-4.5, deepseek-v3.2]', 'fallbacks: [claude, deepseek-v3.2]')
    .replace('{ provider: deepseek, model', '{ provider: deepsek, model')
    .replace('rpm: 500 ', 'rpm: "500" ')
    .replace('deployments: [{ provider: anthropic, model: claude-sonnet-4-5 }]', 'deployments: []');
  const err = failure(text, 'breakerbox.yaml');
  assert.deepEqual(located(err.issues), [
    '5 providers.openai.rpm: expected an integer, got string',
    '22 models.gpt-4.1.fallbacks[0]: unknown model "claude"',
    '25 models.claude-sonnet-4.5.deployments: a model needs at least one deployment',
    '29 models.deepseek-v3.2.deployments[0].provider: unknown provider "deepsek" (did you mean "deepseek"?)',
    '33 breaker.opneMs: unknown key "opneMs" (did you mean "openMs"?)',
  ]);
  assert.match(err.message, /^invalid configuration \(5 problems\):/);
  assert.match(
    err.message,
    /breakerbox\.yaml:22: models\.gpt-4\.1\.fallbacks\[0\]: unknown model "claude"/,
  );
});

test('a missing variable is reported at its line and the secret never printed', () => {
  const err = failure(EXAMPLE.replace('${DEEPSEEK_API_KEY}', '${MISSING_KEY}'));
  assert.deepEqual(located(err.issues), [
    '18 providers.deepseek.apiKey: environment variable MISSING_KEY is not set',
  ]);
  const withBadUrl = failure(EXAMPLE.replace('https://api.deepseek.com/v1', '${OPENAI_API_KEY}'));
  assert.deepEqual(located(withBadUrl.issues), [
    '17 providers.deepseek.baseURL: expected an http:// or https:// URL',
  ]);
  assert.ok(!withBadUrl.message.includes(FAKE_KEY));
});

test('a missing key points at the nearest line that exists', () => {
  const err = failure(EXAMPLE.replace('    baseURL: https://api.deepseek.com/v1\n', ''));
  assert.deepEqual(located(err.issues), [
    '16 providers.deepseek.baseURL: required (expected a string)',
  ]);
});

test('cycles and merged-setting problems carry lines too', () => {
  const text = `providers:
  p: { baseURL: http://127.0.0.1:1 }
models:
  a:
    deployments: [{ provider: p }]
    fallbacks: [b]
  b:
    deployments:
      - provider: p
        breaker: { maxOpenMs: 10 }
    fallbacks: [a]
pricng: {}
`;
  assert.deepEqual(located(failure(text).issues), [
    '6 models.a.fallbacks: fallback cycle a -> b -> a',
    '10 models.b.deployments[0].breaker.maxOpenMs: maxOpenMs (10) must be at least openMs (30000)',
    '12 pricng: unknown key "pricng" (did you mean "pricing"?)',
  ]);
});

test('YAML syntax errors carry their line; nothing else is checked', () => {
  const err = failure('providers: {}\nmodels:\n  m: {}\n x: 1\n', 'bad.yaml');
  assert.equal(err.issues.length, 1);
  assert.equal(err.issues[0]?.line, 4);
  assert.match(err.issues[0].message, /^YAML syntax: /);
  assert.match(err.message, /bad\.yaml:4: \(root\): YAML syntax: /);

  const dup = failure(`${EXAMPLE}deadlineMs: 1\n`);
  assert.equal(dup.issues[0]?.line, 37);
  assert.match(dup.issues[0].message, /unique/);
});

test('YAML syntax error messages do not quote the source (which may hold a key)', () => {
  const err = failure(`providers:\n  p:\n    apiKey: "${FAKE_KEY}\n`);
  assert.ok(!err.message.includes(FAKE_KEY), err.message);
});

test('anchors and merge keys share settings; top-level x- keys hold them', () => {
  const text = `providers:
  p: { baseURL: http://127.0.0.1:1 }
x-shared: &strict { trip: { consecutive: 2 }, openMs: 5000 }
x-notes: { owner: '\${NOT_SET}' }
models:
  m:
    deployments: [{ provider: p }]
    breaker: { <<: *strict, openMs: 7000 }
`;
  const c = parseConfigText(text, { env: {} });
  assert.deepEqual(c.models['m']?.breaker.trip, { consecutive: 2 });
  assert.equal(c.models['m'].breaker.openMs, 7000);
});

test('an empty document and too many aliases are reported', () => {
  assert.deepEqual(located(failure('# nothing here\n').issues), [
    'undefined : the configuration is empty',
  ]);
  const bomb = [
    'a: &a [x, x]',
    ...Array.from(
      { length: 12 },
      (_, i) => `b${i}: &b${i} [*${i === 0 ? 'a' : `b${i - 1}`}, *${i === 0 ? 'a' : `b${i - 1}`}]`,
    ),
  ].join('\n');
  const err = failure(bomb);
  assert.equal(err.issues.length, 1);
  assert.match(err.issues[0]!.message, /^YAML: /);
});

test('loadConfigFile reads a file; errors name the file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'breakerbox-config-'));
  try {
    const path = join(dir, 'breakerbox.yaml');
    await writeFile(path, EXAMPLE);
    const c = await loadConfigFile(path, { env });
    assert.equal(c.models['gpt-4.1']?.fallbacks.length, 2);
    await writeFile(path, EXAMPLE.replace('deadlineMs: 60000', 'deadlineMs: soon'));
    await assert.rejects(loadConfigFile(path, { env }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.file, path);
      assert.match(err.message, /breakerbox\.yaml:35: deadlineMs: expected a number, got string/);
      return true;
    });
    await assert.rejects(loadConfigFile(join(dir, 'missing.yaml'), { env }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /missing\.yaml: \(root\): cannot read the file \(ENOENT\)/);
      return true;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the example in docs/configuration.md matches EXAMPLE and parses', async () => {
  const docs = await readFile(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
  const block = /```yaml\n([\s\S]*?)```/.exec(docs)?.[1] ?? '';
  // Prettier aligns comments differently in the docs; compare with runs of spaces collapsed.
  const collapse = (text: string): string => text.replace(/ +/g, ' ');
  assert.equal(collapse(block), collapse(EXAMPLE));
  assert.equal(parseConfigText(block, { env }).models['gpt-4.1']?.fallbacks.length, 2);
});
