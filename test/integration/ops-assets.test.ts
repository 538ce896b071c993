// deploy/grafana/breakerbox.json and deploy/prometheus/alerts.yml query only metrics a real
// gateway exposes: every `breakerbox_*` name in their PromQL must be a family of a /metrics
// scrape (a histogram's `_bucket`, `_sum` and `_count` count as the histogram). promtool, when
// installed, checks the rules and runs their unit tests (deploy/prometheus/alerts.test.yml).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { chatBody, post, startStack } from '../fixtures/gateway-harness.js';

const root = new URL('../../../', import.meta.url);
const dashboardPath = fileURLToPath(new URL('deploy/grafana/breakerbox.json', root));
const alertsPath = fileURLToPath(new URL('deploy/prometheus/alerts.yml', root));
const alertTestsPath = fileURLToPath(new URL('deploy/prometheus/alerts.test.yml', root));

/** Every string under a key named `expr`, anywhere in a parsed JSON or YAML document. */
function exprs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) exprs(item, out);
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'expr' && typeof value === 'string') out.push(value);
      else exprs(value, out);
    }
  }
  return out;
}

/** The `breakerbox_*` metric names a PromQL text refers to. */
function metricNames(promql: readonly string[]): Set<string> {
  return new Set(
    promql.flatMap((e) => [...e.matchAll(/\bbreakerbox_[a-z0-9_]+/g)].map((m) => m[0])),
  );
}

/** Metric families of an exposition text, with their types, from the `# TYPE` lines. */
function families(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) out.set(m[1] ?? '', m[2] ?? '');
  return out;
}

/** Whether `name` is exposed: a family, or a histogram's `_bucket` / `_sum` / `_count`. */
function exposed(name: string, known: ReadonlyMap<string, string>): boolean {
  if (known.has(name)) return true;
  const base = /^(.+)_(bucket|sum|count)$/.exec(name)?.[1];
  return base !== undefined && known.get(base) === 'histogram';
}

function dashboardExprs(): string[] {
  return exprs(JSON.parse(readFileSync(dashboardPath, 'utf8')) as unknown);
}

function alertExprs(): string[] {
  return exprs(parse(readFileSync(alertsPath, 'utf8')) as unknown);
}

test('every breakerbox_* metric the dashboard and the alerts query is in a real /metrics', async (t) => {
  const s = await startStack(t, {
    simModels: { 'gpt-4.1': { faults: { down: true } } },
    config: {
      models: {
        'gpt-4.1': {
          deployments: [{ provider: 'sim' }],
          fallbacks: ['gpt-4.1-mini'],
          budget: { usdPerDay: 5 },
        },
        'gpt-4.1-mini': { deployments: [{ provider: 'sim' }] },
      },
    },
  });
  const res = await post(`${s.url}/v1/chat/completions`, chatBody(), s.auth);
  assert.equal(res.status, 200);
  await res.body?.cancel();
  const text = await (await fetch(`${s.url}/metrics`)).text();
  const known = families(text);
  const dashboard = metricNames(dashboardExprs());
  const alerts = metricNames(alertExprs());
  assert.ok(dashboard.size >= 10, `dashboard queries ${dashboard.size} metrics`);
  assert.ok(alerts.size >= 4, `alerts query ${alerts.size} metrics`);
  const missing = [...dashboard, ...alerts].filter((name) => !exposed(name, known));
  assert.deepEqual(missing, [], 'queried but not exposed');
  // The process panels use prom-client's standard names.
  for (const e of dashboardExprs()) {
    for (const m of e.matchAll(/\b(process|nodejs)_[a-z0-9_]+/g)) {
      assert.ok(known.has(m[0]), `${m[0]} is exposed`);
    }
  }
});

test('the dashboard asks for its Prometheus data source on import', () => {
  const dashboard = JSON.parse(readFileSync(dashboardPath, 'utf8')) as {
    __inputs: { name: string; type: string; pluginId: string }[];
    panels: { type: string; title: string; datasource?: { uid: string }; targets?: unknown[] }[];
  };
  assert.deepEqual(
    dashboard.__inputs.map((i) => [i.name, i.type, i.pluginId]),
    [['DS_PROMETHEUS', 'datasource', 'prometheus']],
  );
  const queried = dashboard.panels.filter((p) => p.type !== 'row');
  assert.ok(queried.length >= 10);
  for (const p of queried) {
    assert.equal(p.datasource?.uid, '${DS_PROMETHEUS}', p.title);
    assert.ok((p.targets ?? []).length > 0, `${p.title} has a query`);
  }
  const titles = queried.map((p) => p.title.toLowerCase()).join('\n');
  for (const wanted of [
    'request rate',
    'success rate',
    'fallback share',
    'circuit states',
    'p50 / p99 per deployment',
    'spend per hour',
    'skips by reason',
  ]) {
    assert.ok(titles.includes(wanted), `a panel for ${wanted}`);
  }
});

test('promtool accepts the rules and their unit tests pass', (t) => {
  const found = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' });
  if (found.status !== 0) {
    t.skip('promtool not installed (apt-get install prometheus): rules not checked by promtool');
    return;
  }
  const check = spawnSync('promtool', ['check', 'rules', alertsPath], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  const unit = spawnSync('promtool', ['test', 'rules', alertTestsPath], { encoding: 'utf8' });
  assert.equal(unit.status, 0, unit.stdout + unit.stderr);
  // The dashboard's queries parse too: checked as recording rules, Grafana's interval replaced.
  const rules = dashboardExprs().map((expr, i) => ({
    record: `breakerbox_dashboard:query_${String(i)}`,
    expr: expr.replaceAll('$__rate_interval', '5m'),
  }));
  const dir = mkdtempSync(join(tmpdir(), 'bb-dashboard-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const file = join(dir, 'dashboard-queries.yml');
  writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
  const queries = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
  assert.equal(queries.status, 0, queries.stdout + queries.stderr);
});
