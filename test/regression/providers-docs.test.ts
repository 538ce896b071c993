// Issue 12: "Lead with OpenAI, then show Anthropic's and Gemini's OpenAI-compatible endpoints,
// Azure OpenAI, DeepSeek and a local server (Ollama/vLLM) as providers, each a config snippet whose
// parse a test checks." Every ```yaml block of docs/providers.md is parsed by the loader
// `breakerbox serve` uses, with made-up values for the variables it names; then, with each
// `baseURL` pointed at the simulator (the one mechanical change), every chat model answers and
// the simulator sees the upstream model name the snippet gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseConfigText } from '../../src/config/index.js';
import { createBreakerbox } from '../../src/engine/index.js';
import { startSim } from '../support/start-sim.js';

const page = readFileSync(new URL('../../../docs/providers.md', import.meta.url), 'utf8');

interface Snippet {
  readonly heading: string;
  readonly yaml: string;
}

/** Every yaml block, with the `##` heading it sits under. */
const snippets: Snippet[] = page
  .split(/\n(?=## )/)
  .filter((s) => s.startsWith('## '))
  .flatMap((section) =>
    [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => ({
      heading: section.slice(3, section.indexOf('\n')),
      yaml: m[1]!,
    })),
  );

/**
 * A made-up value for every `${VAR}` a snippet names without a default (host-name safe, for the
 * Azure URL); `${VAR:-default}` is left unset, so its default applies.
 */
function envFor(yaml: string): Record<string, string> {
  const names = [...yaml.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((m) => m[1]!);
  return Object.fromEntries(names.map((n) => [n, `fake-${n.toLowerCase().replaceAll('_', '-')}`]));
}

test('the providers, OpenAI first, each with a snippet', () => {
  const headings = [...new Set(snippets.map((s) => s.heading))];
  assert.deepEqual(headings.slice(0, 6), [
    'OpenAI',
    'Anthropic',
    'Google Gemini',
    'Azure OpenAI',
    'DeepSeek',
    'Ollama (or vLLM): a local server',
  ]);
});

test('every snippet parses with the config loader, keys taken from the environment', () => {
  for (const { heading, yaml } of snippets) {
    const env = envFor(yaml);
    const config = parseConfigText(yaml, { env });
    assert.ok(Object.keys(config.models).length > 0, heading);
    for (const [name, provider] of Object.entries(config.providers)) {
      if (provider.apiKey === undefined) continue;
      assert.ok(
        Object.values(env).includes(provider.apiKey),
        `${heading}: providers.${name}.apiKey must come from \${VAR}`,
      );
    }
    for (const line of yaml.split('\n').filter((l) => /^\s*apiKey:/.test(l))) {
      assert.match(line, /apiKey: \$\{[A-Z0-9_]+\}$/, `${heading}: ${line.trim()}`);
    }
  }
});

test('every chat model of every snippet answers, under the upstream name the snippet gives', async (t) => {
  const sim = await startSim(t);
  for (const { heading, yaml } of snippets) {
    const pointed = yaml.replace(/^(\s*baseURL:).*$/gm, `$1 ${sim.url}`);
    const bb = createBreakerbox(parseConfigText(pointed, { env: envFor(yaml) }));
    try {
      for (const [name, model] of Object.entries(bb.config.models)) {
        if (model.embeddingDimensions !== undefined) continue;
        const first = model.deployments[0]!;
        sim.resetCounts();
        const answer = await bb.chat({ model: name, messages: [{ role: 'user', content: 'hi' }] });
        assert.equal(answer.breakerbox.deployment, first.id, `${heading}: ${name}`);
        assert.deepEqual(Object.keys(sim.stats()), [first.model], `${heading}: ${name}`);
      }
    } finally {
      await bb.close();
    }
  }
});

test("docs/configuration.md's full example parses too", () => {
  const text = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
  const yaml = /## Example\n\n```yaml\n([\s\S]*?)```/.exec(text)?.[1];
  assert.ok(yaml !== undefined, 'docs/configuration.md has an example');
  const config = parseConfigText(yaml, { env: envFor(yaml) });
  assert.equal(Object.keys(config.providers)[0], 'openai', 'the example leads with OpenAI');
});
