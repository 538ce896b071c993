// Helpers shared by the config tests.
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/core/errors.js';
import type { ConfigIssue } from '../../src/core/errors.js';
import { parseConfig } from '../../src/config/index.js';

/** A fake key: tests assert it never appears in messages. */
export const FAKE_KEY = 'sk-test-4f9a8b7c6d5e4f3a2b1c';

export const env = { HOLYSHEEP_API_KEY: FAKE_KEY };

/** The issues of a config that must fail. */
export function issuesOf(input: unknown, environment: Record<string, string> = env): ConfigIssue[] {
  try {
    parseConfig(input, { env: environment });
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return [...err.issues];
  }
  assert.fail('expected a ConfigError');
}

export const lines = (issues: readonly ConfigIssue[]): string[] =>
  issues.map((i) => `${i.path}: ${i.message}`);

/** A minimal valid config with one provider `p` and the given models. */
export const withModels = (
  models: Record<string, unknown>,
  extra: object = {},
): Record<string, unknown> => ({
  providers: { p: { baseURL: 'http://127.0.0.1:1/v1' } },
  models,
  ...extra,
});
