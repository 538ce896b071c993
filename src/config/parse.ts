/**
 * `parseConfig`: one pass that finds every problem (environment, schema, cross-references,
 * inheritance) and either returns the resolved configuration or throws one `ConfigError`.
 */
import { ConfigError } from '../core/index.js';
import type { ConfigIssue } from '../core/index.js';
import { crossCheck } from './cross-check.js';
import { DEFAULT_BREAKER, DEFAULT_RETRY } from './defaults.js';
import { interpolateEnv } from './interpolate.js';
import { errorMap, formatPath, fromZodIssues, scrub } from './issues.js';
import type { RawIssue } from './issues.js';
import { breakerProblems, checkInheritance, inheritanceLevels, retryProblems } from './merge.js';
import { isPlainObject } from './plain.js';
import { isResolvedConfig, resolveConfig } from './resolve.js';
import { configSchema } from './schema.js';
import type { z } from 'zod';
import type { ParseConfigOptions, ResolvedConfig } from './types.js';

/** The outcome of checking a configuration: a config when there are no issues. */
export interface CollectedConfig {
  readonly config: ResolvedConfig | undefined;
  readonly issues: readonly RawIssue[];
}

/**
 * Validates, interpolates and resolves a configuration object.
 *
 * @param input the configuration as written (see docs/configuration.md), e.g. from YAML or JSON.
 *   A configuration this module already resolved is returned as is.
 * @returns the resolved, deeply frozen configuration.
 * @throws {ConfigError} listing every problem with its path; messages never contain a value taken
 *   from the environment.
 */
export function parseConfig(input: unknown, options?: ParseConfigOptions): ResolvedConfig {
  if (isResolvedConfig(input)) return input;
  const { config, issues } = collectConfig(input, options?.env ?? process.env);
  if (config) return config;
  throw new ConfigError(
    issues.map((i): ConfigIssue => ({ path: formatPath(i.path), message: i.message })),
    options?.file,
  );
}

/** Every problem of a configuration, and the resolved configuration if there is none. */
export function collectConfig(
  input: unknown,
  env: Readonly<Record<string, string | undefined>>,
): CollectedConfig {
  const interpolated = interpolateEnv(withoutExtensions(input), env);
  const value = interpolated.value;
  let result = configSchema.safeParse(value, { error: errorMap });
  if (!result.success && coerceEnvScalars(value, result.error, interpolated.wholeReferences)) {
    result = configSchema.safeParse(value, { error: errorMap });
  }
  const issues: RawIssue[] = [
    ...(result.success ? [] : fromZodIssues(result.error.issues)),
    ...crossCheck(value),
  ];
  checkInheritance({
    defaults: DEFAULT_BREAKER as unknown as Record<string, unknown>,
    root: inheritanceLevels(value, 'breaker'),
    check: breakerProblems,
    issues,
  });
  checkInheritance({
    defaults: DEFAULT_RETRY as unknown as Record<string, unknown>,
    root: inheritanceLevels(value, 'retry'),
    check: retryProblems,
    issues,
  });
  // A missing variable leaves an empty string behind; any complaint about it would be noise.
  const envPaths = new Set(interpolated.issues.map((i) => JSON.stringify(i.path)));
  const all = [
    ...interpolated.issues,
    ...issues.filter((i) => !envPaths.has(JSON.stringify(i.path))),
  ];
  const scrubbed = all.map((i) => ({
    ...i,
    message: scrub(i.message, interpolated.substituted),
  }));
  const config = result.success && scrubbed.length === 0 ? resolveConfig(result.data) : undefined;
  return { config, issues: scrubbed };
}

/**
 * Top-level keys starting with `x-` are ignored, as in Docker Compose: a place to define YAML
 * anchors (`x-strict: &strict { ... }`) that real settings then reuse.
 */
function withoutExtensions(input: unknown): unknown {
  if (!isPlainObject(input)) return input;
  return Object.fromEntries(Object.entries(input).filter(([k]) => !k.startsWith('x-')));
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * `port: ${PORT}` yields the string "8787". Where the schema wanted a number or boolean and the
 * whole string was one reference, convert it, so numbers can come from the environment too. Only
 * whole references: a literal "600" written in quotes stays a type error.
 * @returns whether anything was converted.
 */
function coerceEnvScalars(
  root: unknown,
  error: z.ZodError,
  wholeReferences: ReadonlySet<string>,
): boolean {
  let changed = false;
  for (const iss of error.issues) {
    if (iss.code !== 'invalid_type' || !wholeReferences.has(JSON.stringify(iss.path))) continue;
    const parent = iss.path
      .slice(0, -1)
      .reduce<unknown>(
        (node, seg) =>
          isPlainObject(node) || Array.isArray(node)
            ? (node as Record<PropertyKey, unknown>)[seg]
            : undefined,
        root,
      );
    const last = iss.path.at(-1);
    if (last === undefined || (!isPlainObject(parent) && !Array.isArray(parent))) continue;
    const holder = parent as Record<PropertyKey, unknown>;
    const text = holder[last];
    if (typeof text !== 'string') continue;
    if ((iss.expected === 'number' || iss.expected === 'int') && NUMBER.test(text.trim())) {
      holder[last] = Number(text);
      changed = true;
    } else if (iss.expected === 'boolean' && (text === 'true' || text === 'false')) {
      holder[last] = text === 'true';
      changed = true;
    }
  }
  return changed;
}
