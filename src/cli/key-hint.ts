/**
 * Where a provider's key comes from, for the batch's early-stop message: the environment variable
 * its `apiKey` names in the configuration file (`apiKey: ${OPENAI_API_KEY}`), read from the YAML
 * as written. Never the key itself: a literal key (or a `${VAR:-default}` default) is described,
 * not quoted.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse } from 'yaml';

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}/g;

/** The `providers` map of a configuration file, or undefined when it cannot be read. */
function providersOf(configPath: string): Record<string, unknown> | undefined {
  try {
    const doc = parse(readFileSync(configPath, 'utf8'), { maxAliasCount: 100, merge: true }) as {
      providers?: unknown;
    } | null;
    const providers = doc?.providers;
    return typeof providers === 'object' && providers !== null
      ? (providers as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One phrase per provider saying where its key is set, e.g. `sim: apiKey is ${SIM_KEY} in
 * config.yaml`; empty when the file cannot be read.
 */
export function keyHints(configPath: string, providers: readonly string[]): string[] {
  const all = providersOf(configPath);
  if (all === undefined) return [];
  const file = basename(configPath);
  return providers.map((name) => {
    const entry = all[name];
    const apiKey =
      typeof entry === 'object' && entry !== null
        ? (entry as { apiKey?: unknown }).apiKey
        : undefined;
    if (typeof apiKey !== 'string') return `${name}: no apiKey in ${file}`;
    const vars = [...apiKey.matchAll(REFERENCE)].map((m) => `\${${m[1] ?? ''}}`);
    if (vars.length === 0) return `${name}: apiKey is written into ${file} itself`;
    return `${name}: apiKey is ${vars.join(' ')} in ${file}`;
  });
}
