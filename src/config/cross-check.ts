/**
 * Checks between parts of the configuration: references to providers and models, fallback cycles,
 * embedding dimensions, duplicates, budgets on unpriced deployments. Runs on unvalidated data
 * (skipping anything of the wrong type, which the schema reports) so every problem is listed in
 * one error.
 */
import { checkBudgetPrices, pricedNames } from './budget-prices.js';
import { isPlainObject } from './plain.js';
import { closest } from './issues.js';
import type { ConfigPath, RawIssue } from './issues.js';

type Tree = Record<string, unknown>;

const entriesOf = (v: unknown): [string, Tree][] =>
  isPlainObject(v) ? Object.entries(v).filter((e): e is [string, Tree] => isPlainObject(e[1])) : [];
const stringsAt = (v: unknown): [number, string][] =>
  Array.isArray(v)
    ? v.flatMap((s: unknown, i) => (typeof s === 'string' ? [[i, s] as [number, string]] : []))
    : [];
const didYouMean = (word: string, known: Iterable<string>): string => {
  const c = closest(word, known);
  return c === undefined ? '' : ` (did you mean "${c}"?)`;
};

const FALLBACK_LISTS = [
  { list: 'fallbacks', label: 'fallback cycle' },
  { list: 'contextWindowFallbacks', label: 'context-window fallback cycle' },
] as const;

/** Every cross-reference problem of an (unvalidated) configuration. */
export function crossCheck(input: unknown): RawIssue[] {
  const issues: RawIssue[] = [];
  const root = isPlainObject(input) ? input : {};
  const models = new Map(entriesOf(root['models']));
  if (isPlainObject(root['models']) && Object.keys(root['models']).length === 0) {
    issues.push({ path: ['models'], message: 'configure at least one model' });
  }
  const providers = isPlainObject(root['providers'])
    ? new Set(Object.keys(root['providers']))
    : undefined;
  const prices = pricedNames(root);
  for (const [name, model] of models) {
    checkDeployments(name, model, providers, issues);
    for (const { list } of FALLBACK_LISTS) {
      checkModelList({
        from: name,
        path: ['models', name, list],
        value: model[list],
        models,
        issues,
      });
    }
    checkBudget(name, model, models, issues);
    checkBudgetPrices(name, model, prices, issues);
  }
  for (const { list, label } of FALLBACK_LISTS) findCycles(models, list, label, issues);
  checkClientKeys(root['server'], issues);
  return issues;
}

function checkDeployments(
  name: string,
  model: Tree,
  providers: ReadonlySet<string> | undefined,
  issues: RawIssue[],
): void {
  const seen = new Map<string, number>();
  const deployments: unknown[] = Array.isArray(model['deployments']) ? model['deployments'] : [];
  deployments.forEach((d, i) => {
    if (!isPlainObject(d) || typeof d['provider'] !== 'string') return;
    const provider = d['provider'];
    const path = ['models', name, 'deployments', i];
    if (providers && !providers.has(provider)) {
      issues.push({
        path: [...path, 'provider'],
        message: `unknown provider "${provider}"${didYouMean(provider, providers)}`,
      });
    }
    const upstream = d['model'] === undefined ? name : d['model'];
    if (typeof upstream !== 'string') return;
    const id = `${provider}/${upstream}`;
    const first = seen.get(id);
    if (first === undefined) seen.set(id, i);
    else
      issues.push({
        path,
        message: `duplicate deployment "${id}" (same as deployments[${first}])`,
      });
  });
}

/** A list of model names (`fallbacks`, `contextWindowFallbacks`): known, not repeated, same dimension. */
function checkModelList(o: {
  from: string;
  path: ConfigPath;
  value: unknown;
  models: ReadonlyMap<string, Tree>;
  issues: RawIssue[];
}): void {
  const seen = new Set<string>();
  for (const [i, target] of stringsAt(o.value)) {
    const path = [...o.path, i];
    if (seen.has(target)) o.issues.push({ path, message: `"${target}" is listed twice` });
    seen.add(target);
    checkModelReference({ from: o.from, target, path, models: o.models, issues: o.issues });
  }
}

function checkModelReference(o: {
  from: string;
  target: string;
  path: ConfigPath;
  models: ReadonlyMap<string, Tree>;
  issues: RawIssue[];
}): void {
  const target = o.models.get(o.target);
  if (!target) {
    o.issues.push({
      path: o.path,
      message: `unknown model "${o.target}"${didYouMean(o.target, o.models.keys())}`,
    });
    return;
  }
  const fromDims = o.models.get(o.from)?.['embeddingDimensions'];
  const toDims = target['embeddingDimensions'];
  if (fromDims === toDims || o.from === o.target) return;
  const dims = (d: unknown): string =>
    typeof d === 'number' ? `${d} dimensions` : 'no embeddingDimensions';
  o.issues.push({
    path: o.path,
    message:
      `"${o.from}" (${dims(fromDims)}) cannot fall back to "${o.target}" (${dims(toDims)}): ` +
      'embeddings fail over only to a model with the same embeddingDimensions',
  });
}

function checkBudget(
  name: string,
  model: Tree,
  models: ReadonlyMap<string, Tree>,
  issues: RawIssue[],
): void {
  const budget = model['budget'];
  if (!isPlainObject(budget)) return;
  const path = ['models', name, 'budget', 'downgradeTo'];
  const target = budget['downgradeTo'];
  const downgrades = budget['onExceeded'] === 'downgrade';
  if (downgrades && target === undefined) {
    issues.push({ path, message: 'required when onExceeded is "downgrade"' });
  } else if (!downgrades && target !== undefined) {
    issues.push({ path, message: 'only used when onExceeded is "downgrade"' });
  }
  if (typeof target !== 'string') return;
  if (target === name) issues.push({ path, message: 'a model cannot downgrade to itself' });
  else checkModelReference({ from: name, target, path, models, issues });
}

/**
 * Cycles in one fallback graph, each reported once at the model where it starts. The two graphs
 * are checked separately: `a.fallbacks: [b]` with `b.contextWindowFallbacks: [a]` is a sensible
 * pair (a small model's context escape and a large model's outage fallback), not a loop.
 */
function findCycles(
  models: ReadonlyMap<string, Tree>,
  list: string,
  label: string,
  issues: RawIssue[],
): void {
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): void => {
    state.set(name, 'active');
    stack.push(name);
    for (const [, next] of stringsAt(models.get(name)?.[list])) {
      if (!models.has(next)) continue;
      const s = state.get(next);
      if (s === 'active') {
        const cycle = [...stack.slice(stack.indexOf(next)), next];
        issues.push({ path: ['models', next, list], message: `${label} ${cycle.join(' -> ')}` });
      } else if (s === undefined) visit(next);
    }
    stack.pop();
    state.set(name, 'done');
  };
  for (const name of models.keys()) if (!state.has(name)) visit(name);
}

function checkClientKeys(server: unknown, issues: RawIssue[]): void {
  const keys: unknown = isPlainObject(server) ? server['clientKeys'] : undefined;
  if (!Array.isArray(keys)) return;
  const byKey = new Map<string, number>();
  const byName = new Map<string, number>();
  keys.forEach((entry: unknown, i) => {
    const key = typeof entry === 'string' ? entry : isPlainObject(entry) ? entry['key'] : undefined;
    const name =
      isPlainObject(entry) && entry['name'] !== undefined ? entry['name'] : defaultKeyName(i);
    const path = ['server', 'clientKeys', i];
    // The message never shows the key: it is a secret.
    if (typeof key === 'string' && byKey.has(key)) {
      issues.push({
        path,
        message: `duplicate client key (same as clientKeys[${String(byKey.get(key))}])`,
      });
    } else if (typeof key === 'string') byKey.set(key, i);
    if (typeof name === 'string' && byName.has(name)) {
      issues.push({
        path: isPlainObject(entry) ? [...path, 'name'] : path,
        message: `duplicate client key name "${name}" (same as clientKeys[${String(byName.get(name))}])`,
      });
    } else if (typeof name === 'string') byName.set(name, i);
  });
}

/** The name of a client key given without one: `key-1`, `key-2`, ... by position. */
export function defaultKeyName(index: number): string {
  return `key-${index + 1}`;
}
