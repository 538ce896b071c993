import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../core/index.js';
import { parseConfig, parseConfigText } from './index.js';
import { issuesOf, lines, withModels } from '../../test/support/config.js';

const FIX = 'whose calls would count as $0; add';

test('a budget on an unpriced model is a config error at the budget, naming the model', () => {
  const input = withModels({
    llama: { deployments: [{ provider: 'p' }], budget: { usdPerDay: 5 } },
  });
  assert.deepEqual(lines(issuesOf(input)), [
    `models.llama.budget: cannot be enforced: no price for deployment "p/llama", ${FIX} "llama" ` +
      'under pricing: with input and output in USD per 1M tokens (0 for a free model)',
  ]);
});

test('the YAML error carries the line of the budget', () => {
  const text = `providers:
  local: { baseURL: http://127.0.0.1:1/v1 }
models:
  llama-3.1-70b:
    deployments: [{ provider: local }]
    budget: { usdPerDay: 20 }
`;
  assert.throws(
    () => parseConfigText(text, { env: {}, file: 'bb.yaml' }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.issues.length, 1);
      assert.equal(err.issues[0]?.line, 6);
      assert.equal(err.issues[0].path, 'models.llama-3.1-70b.budget');
      assert.match(err.message, /bb\.yaml:6: .*no price for deployment "local\/llama-3\.1-70b"/);
      return true;
    },
  );
});

test('only the unpriced deployments are named; their upstream names are the keys to add', () => {
  const input = withModels({
    chat: {
      deployments: [
        { provider: 'p', model: 'gpt-4.1' }, // built-in price
        { provider: 'p', model: 'llama' },
        { provider: 'q', model: 'llama' },
        { provider: 'p', model: 'mistral' },
      ],
      budget: { usdPerDay: 5 },
    },
  });
  const withQ = {
    ...input,
    providers: { ...(input.providers as object), q: { baseURL: 'http://x' } },
  };
  assert.deepEqual(lines(issuesOf(withQ)), [
    'models.chat.budget: cannot be enforced: no price for deployments "p/llama", "q/llama", ' +
      `"p/mistral", ${FIX} "llama", "mistral" under pricing: with input and output in USD per 1M ` +
      'tokens (0 for a free model)',
  ]);
});

test('a price by deployment id, logical model or upstream name makes a budget enforceable', () => {
  const budget = { usdPerDay: 5 };
  const price = { input: 0.5, output: 1.5 };
  for (const key of ['p/llama-up', 'llama', 'llama-up']) {
    const c = parseConfig(
      withModels(
        { llama: { deployments: [{ provider: 'p', model: 'llama-up' }], budget } },
        { pricing: { [key]: price } },
      ),
      { env: {} },
    );
    assert.deepEqual(c.pricing[key], price, key);
  }
  // Built-in prices count: a budget on gpt-4.1 needs no pricing entry.
  const builtIn = withModels({ 'gpt-4.1': { deployments: [{ provider: 'p' }], budget } });
  assert.equal(parseConfig(builtIn, { env: {} }).models['gpt-4.1']?.budget?.usdPerDay, 5);
});

test('an explicit price of 0 is allowed: a free local model may carry a budget', () => {
  const c = parseConfig(
    withModels(
      { local: { deployments: [{ provider: 'p' }], budget: { usdPerDay: 1 } } },
      { pricing: { local: { input: 0, output: 0, cachedInput: 0 } } },
    ),
    { env: {} },
  );
  assert.deepEqual(c.pricing['local'], { input: 0, output: 0, cachedInput: 0 });
});

test('a budget of 0 refuses everything, priced or not: no error', () => {
  const input = withModels({ m: { deployments: [{ provider: 'p' }], budget: { usdPerDay: 0 } } });
  assert.equal(parseConfig(input, { env: {} }).models['m']?.budget?.usdPerDay, 0);
});

test('a downgrade target needs no price: its spend never counts toward the budget', () => {
  const input = withModels({
    'gpt-4.1': {
      deployments: [{ provider: 'p' }],
      budget: { usdPerDay: 5, onExceeded: 'downgrade', downgradeTo: 'local' },
    },
    local: { deployments: [{ provider: 'p' }] },
  });
  assert.equal(parseConfig(input, { env: {} }).models['gpt-4.1']?.budget?.downgradeTo, 'local');
});

test('a pricing key one typo away is pointed out; an invalid price is reported once', () => {
  const model = { deployments: [{ provider: 'p' }], budget: { usdPerDay: 5 } };
  const typo = withModels({ 'llama-3': model }, { pricing: { 'lama-3': { input: 1, output: 1 } } });
  const [issue] = lines(issuesOf(typo));
  assert.match(issue ?? '', /\(pricing has "lama-3": did you mean "llama-3"\?\)$/);
  const invalid = withModels({ m: model }, { pricing: { m: { input: -1, output: 1 } } });
  assert.deepEqual(lines(issuesOf(invalid)), ['pricing.m.input: must be at least 0']);
});

test('cachedInput is an optional part of a price; absent, it stays absent', () => {
  const c = parseConfig(
    withModels(
      { m: { deployments: [{ provider: 'p' }] } },
      { pricing: { a: { input: 2, output: 8, cachedInput: 0.5 }, b: { input: 1, output: 1 } } },
    ),
    { env: {} },
  );
  assert.deepEqual(c.pricing['a'], { input: 2, output: 8, cachedInput: 0.5 });
  assert.deepEqual(c.pricing['b'], { input: 1, output: 1 });
  const typo = withModels(
    { m: { deployments: [{ provider: 'p' }] } },
    { pricing: { a: { input: 2, output: 8, cachedinput: 0.5 } } },
  );
  assert.deepEqual(lines(issuesOf(typo)), [
    'pricing.a.cachedinput: unknown key "cachedinput" (did you mean "cachedInput"?)',
  ]);
});

test('the budget example in docs/configuration.md parses, and fails without its price', async () => {
  const docs = await readFile(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
  const section = docs.slice(docs.indexOf('### Budgets need prices'));
  const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  const env = { OPENAI_API_KEY: 'sk-test-not-a-secret' };
  const c = parseConfigText(block, { env });
  assert.equal(c.pricing['gpt-4.1']?.cachedInput, 0.5);
  const unpriced = block.replace(/^ {2}llama-3\.1-70b: \{ input.*$/m, '');
  assert.throws(() => parseConfigText(unpriced, { env }), /models\.llama-3\.1-70b\.budget: cannot/);
});
