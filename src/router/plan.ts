import type { Candidate, Deployment, ModelRoute, RouteKind, Strategy } from './types.js';

/** Looks up models by name. */
export type ModelLookup = (name: string) => ModelRoute | undefined;

/**
 * Orders one model's deployments by its strategy. `random` is injected so tests are exact.
 * @param random returns [0, 1)
 */
export function orderDeployments(
  deployments: readonly Deployment[],
  strategy: Strategy,
  random: () => number,
): Deployment[] {
  if (deployments.length < 2) return deployments.slice();
  switch (strategy) {
    case 'priority':
      return deployments.slice();
    case 'weighted':
      return weightedOrder(deployments, random);
    case 'least-latency':
      // Unmeasured deployments go first so every deployment gets measured.
      return deployments.slice().sort((a, b) => (a.latencyEwmaMs ?? -1) - (b.latencyEwmaMs ?? -1));
    case 'least-cost':
      return deployments.slice().sort((a, b) => a.priceScore - b.priceScore);
  }
}

/** Weighted sampling without replacement: heavier deployments tend to come first. */
function weightedOrder(deployments: readonly Deployment[], random: () => number): Deployment[] {
  const pool = deployments.slice();
  const out: Deployment[] = [];
  while (pool.length > 0) {
    let total = 0;
    for (const d of pool) total += d.weight;
    let pick = random() * total;
    let index = pool.length - 1;
    for (let i = 0; i < pool.length; i++) {
      pick -= (pool[i] as Deployment).weight;
      if (pick < 0) {
        index = i;
        break;
      }
    }
    out.push(...pool.splice(index, 1));
  }
  return out;
}

/**
 * The plan for one request: the model's deployments in strategy order, then each fallback
 * model's, in chain order. Fallbacks are followed one level deep (a fallback's own fallbacks are
 * not), so the number of candidates, and so of upstream calls, is bounded by the config.
 * Embeddings fail over only to models of the same declared dimension.
 */
export function planCandidates(
  route: ModelRoute,
  kind: RouteKind,
  models: ModelLookup,
  random: () => number,
): Candidate[] {
  const plan: Candidate[] = [];
  const seen = new Set<string>();
  const add = (m: ModelRoute, role: Candidate['role']): void => {
    for (const deployment of orderDeployments(m.deployments, m.strategy, random)) {
      if (seen.has(deployment.id)) continue;
      seen.add(deployment.id);
      plan.push({ deployment, role });
    }
  };
  add(route, 'primary');
  for (const name of route.fallbacks) {
    const fallback = models(name);
    if (!fallback) continue;
    if (kind === 'embeddings' && !sameDimension(route, fallback)) continue;
    add(fallback, 'fallback');
  }
  return plan;
}

/** The context-window chain: used when the request is longer than the model's window. */
export function planContextFallbacks(
  route: ModelRoute,
  models: ModelLookup,
  random: () => number,
): Candidate[] {
  const plan: Candidate[] = [];
  for (const name of route.contextWindowFallbacks) {
    const m = models(name);
    if (!m) continue;
    for (const deployment of orderDeployments(m.deployments, m.strategy, random)) {
      plan.push({ deployment, role: 'context' });
    }
  }
  return plan;
}

function sameDimension(a: ModelRoute, b: ModelRoute): boolean {
  return a.embeddingDimensions !== undefined && a.embeddingDimensions === b.embeddingDimensions;
}
