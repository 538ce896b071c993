/**
 * Inheritance of `breaker`, `retry` and `timeouts`: deployment over model over global over the
 * built-in defaults, and the checks only a merged result can answer. Works on unvalidated data
 * (anything that is not a mapping is skipped; the schema reports it), so these problems are
 * reported together with schema problems.
 */
import { isPlainObject } from './plain.js';
import type { ConfigPath, RawIssue } from './issues.js';

type Tree = Record<string, unknown>;

/**
 * Deep-merges `override` over `base` into a new object. `undefined` keeps the base value, `null`
 * removes it (turns an inherited optional setting off). A mapping with a `type` key (a rate
 * window) is replaced whole: merging a count window into a time window would make a hybrid.
 */
export function deepMerge(base: Tree, override: unknown): Tree {
  if (!isPlainObject(override)) return base;
  const out = new Map(Object.entries(base));
  for (const [key, value] of Object.entries(override)) {
    if (value === undefined) continue;
    const current = out.get(key);
    if (value === null) out.delete(key);
    else if (isPlainObject(value) && isPlainObject(current) && !('type' in value)) {
      out.set(key, deepMerge(current, value));
    } else out.set(key, value);
  }
  return Object.fromEntries(out);
}

/** One problem of a merged setting; `key` identifies it across levels. */
interface MergedProblem {
  readonly key: string;
  readonly path: ConfigPath;
  readonly message: string;
}

const get = (tree: unknown, ...keys: string[]): unknown => {
  let node = tree;
  for (const k of keys) node = isPlainObject(node) ? node[k] : undefined;
  return node;
};
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** Problems of one merged breaker. Paths are relative to that level's `breaker`. */
export function breakerProblems(merged: Tree, written: unknown): MergedProblem[] {
  const problems: MergedProblem[] = [];
  const trip = get(merged, 'trip');
  const rate = get(trip, 'rate');
  if (isPlainObject(trip) && trip['consecutive'] === undefined && rate === undefined) {
    problems.push({
      key: 'trip.none',
      path: ['trip'],
      message: 'the breaker can never trip: set trip.consecutive or trip.rate',
    });
  }
  if (isPlainObject(rate)) {
    for (const field of ['window', 'minCalls', 'failureRate']) {
      if (rate[field] === undefined) {
        problems.push({
          key: `rate.${field}`,
          path: ['trip', 'rate', field],
          message: 'required (not set here nor inherited)',
        });
      }
    }
    const size = num(get(rate, 'window', 'size'));
    const minCalls = num(rate['minCalls']);
    if (
      get(rate, 'window', 'type') === 'count' &&
      size !== undefined &&
      minCalls !== undefined &&
      minCalls > size
    ) {
      problems.push({
        key: 'rate.minCalls>size',
        path: ['trip', 'rate', 'minCalls'],
        message: `minCalls (${minCalls}) exceeds the window size (${size}): the rate would never be judged`,
      });
    }
    if (rate['slowRate'] !== undefined && merged['slowCallMs'] === undefined) {
      problems.push({
        key: 'rate.slowRate',
        path: ['trip', 'rate', 'slowRate'],
        message: 'slowRate needs slowCallMs (what counts as slow)',
      });
    }
  }
  const openMs = num(merged['openMs']);
  const maxOpenMs = num(merged['maxOpenMs']);
  if (openMs !== undefined && maxOpenMs !== undefined && maxOpenMs < openMs) {
    problems.push({
      key: 'maxOpenMs<openMs',
      path: writtenField(written, ['maxOpenMs', 'openMs']),
      message: `maxOpenMs (${maxOpenMs}) must be at least openMs (${openMs})`,
    });
  }
  return problems;
}

/** Problems of one merged retry. Paths are relative to that level's `retry`. */
export function retryProblems(merged: Tree, written: unknown): MergedProblem[] {
  const initialMs = num(get(merged, 'backoff', 'initialMs'));
  const maxMs = num(get(merged, 'backoff', 'maxMs'));
  if (initialMs === undefined || maxMs === undefined || maxMs >= initialMs) return [];
  return [
    {
      key: 'backoff.maxMs<initialMs',
      path: ['backoff', ...writtenField(get(written, 'backoff'), ['maxMs', 'initialMs'])],
      message: `backoff.maxMs (${maxMs}) must be at least backoff.initialMs (${initialMs})`,
    },
  ];
}

/** The first of `fields` this level wrote, so the issue points at what the user typed. */
function writtenField(written: unknown, fields: readonly string[]): ConfigPath {
  const found = fields.find((f) => get(written, f) !== undefined);
  return found === undefined ? [] : [found];
}

type ProblemCheck = (merged: Tree, written: unknown) => MergedProblem[];

/** One level of inheritance: its own (written) settings and the path they sit at. */
interface Level {
  readonly path: ConfigPath;
  readonly written: unknown;
  readonly children?: readonly Level[];
}

/**
 * Merges down a tree of levels (global → models → deployments) and reports each problem at the
 * highest level that has it, so a bad global setting is one issue, not one per deployment.
 */
export function checkInheritance(options: {
  readonly defaults: Tree;
  readonly root: Level;
  readonly check: ProblemCheck;
  readonly issues: RawIssue[];
}): void {
  const visit = (level: Level, parent: Tree, inherited: ReadonlySet<string>): void => {
    const merged = deepMerge(parent, level.written);
    const problems = options.check(merged, level.written);
    for (const p of problems) {
      if (!inherited.has(p.key))
        options.issues.push({ path: [...level.path, ...p.path], message: p.message });
    }
    const keys = new Set(problems.map((p) => p.key));
    for (const child of level.children ?? []) visit(child, merged, keys);
  };
  visit(options.root, options.defaults, new Set());
}

/** The inheritance tree of one setting (`breaker` or `retry`) in unvalidated input. */
export function inheritanceLevels(input: unknown, setting: 'breaker' | 'retry'): Level {
  const models = get(input, 'models');
  const children: Level[] = [];
  if (isPlainObject(models)) {
    for (const [name, model] of Object.entries(models)) {
      const deployments = get(model, 'deployments');
      children.push({
        path: ['models', name, setting],
        written: get(model, setting),
        children: Array.isArray(deployments)
          ? deployments.map((d: unknown, i) => ({
              path: ['models', name, 'deployments', i, setting],
              written: get(d, setting),
            }))
          : [],
      });
    }
  }
  return { path: [setting], written: get(input, setting), children };
}
