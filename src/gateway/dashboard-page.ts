/**
 * The dashboard page: one self-contained HTML document (inline CSS and JS, no external loads,
 * no build step). It renders what `/dashboard/events` pushes; every value is inserted with
 * `textContent` or `setAttribute`, never as HTML.
 */

const STYLE = `
:root{--bg:#0f1419;--panel:#182029;--text:#e6edf3;--muted:#8b98a5;--line:#2a3642;
--closed:#2ea043;--half:#d29922;--open:#f85149;--forced:#a40e26;--disabled:#6e7681;--metrics:#388bfd}
*{box-sizing:border-box}body{margin:0;font:14px/1.4 system-ui,-apple-system,Segoe UI,sans-serif;
background:var(--bg);color:var(--text)}header{display:flex;align-items:baseline;gap:16px;
padding:16px 24px;border-bottom:1px solid var(--line)}h1{font-size:18px;margin:0}
#status{color:var(--muted);font-size:12px}#totals{margin-left:auto;color:var(--muted)}
main{padding:16px 24px;display:grid;gap:24px}h2{font-size:13px;text-transform:uppercase;
letter-spacing:.08em;color:var(--muted);margin:0 0 8px}
#cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(240px,1fr));gap:12px}
.card{background:var(--panel);border:1px solid var(--line);border-left:6px solid var(--closed);
border-radius:8px;padding:12px}.card h3{margin:0;font-size:14px;word-break:break-all}
.card .model{color:var(--muted);font-size:12px}.state{display:inline-block;margin:8px 0;
padding:2px 8px;border-radius:999px;font-weight:600;font-size:12px;background:var(--closed);color:#fff}
.card dl{display:grid;grid-template-columns:auto 1fr;gap:2px 12px;margin:0;font-size:12px}
.card dt{color:var(--muted)}.card dd{margin:0;text-align:right;font-variant-numeric:tabular-nums}
.card[data-state="half-open"]{border-left-color:var(--half)}.card[data-state="half-open"] .state{background:var(--half)}
.card[data-state="open"]{border-left-color:var(--open)}.card[data-state="open"] .state{background:var(--open)}
.card[data-state="forced-open"]{border-left-color:var(--forced)}.card[data-state="forced-open"] .state{background:var(--forced)}
.card[data-state="disabled"]{border-left-color:var(--disabled)}.card[data-state="disabled"] .state{background:var(--disabled)}
.card[data-state="metrics-only"]{border-left-color:var(--metrics)}.card[data-state="metrics-only"] .state{background:var(--metrics)}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:24px}@media(max-width:900px){.cols{grid-template-columns:1fr}}
.panel{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:12px;min-height:120px}
#timeline{list-style:none;margin:0;padding:0;max-height:320px;overflow:auto;font-size:12px}
#timeline li{display:grid;grid-template-columns:72px 1fr;gap:8px;padding:4px 0;border-bottom:1px solid var(--line)}
#timeline time{color:var(--muted);font-variant-numeric:tabular-nums}.to-open,.to-forced-open{color:var(--open)}
.to-closed{color:var(--closed)}.to-half-open{color:var(--half)}.empty{color:var(--muted);font-size:12px}
#flows svg{width:100%;height:auto}#flows text{fill:var(--text);font-size:12px}
#flows .count{fill:var(--muted);font-size:11px}
`;

const SCRIPT = `
const $ = (id) => document.getElementById(id);
const fmtMs = (v) => (v == null ? '—' : v < 10 ? v.toFixed(1) + ' ms' : Math.round(v) + ' ms');
const fmtPct = (v) => (v == null ? '—' : (v * 100).toFixed(1) + ' %');
const fmtUsd = (v) => '$' + (v || 0).toFixed(v >= 1 ? 2 : 4);
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = String(text);
  return e;
}
function card(d) {
  const c = el('article', 'card');
  c.setAttribute('data-deployment', d.id);
  c.setAttribute('data-state', d.state);
  c.append(el('h3', null, d.id), el('div', 'model', d.model));
  const s = el('span', 'state', d.state);
  s.setAttribute('data-testid', 'state');
  c.append(s);
  const dl = el('dl');
  for (const [k, v] of [['calls', d.calls], ['success', fmtPct(d.successRate)],
      ['p50', fmtMs(d.p50Ms)], ['p99', fmtMs(d.p99Ms)], ['spend', fmtUsd(d.spendUsd)]]) {
    dl.append(el('dt', null, k), el('dd', null, v));
  }
  c.append(dl);
  return c;
}
function renderCards(list) {
  const root = $('cards');
  root.replaceChildren(...list.map(card));
  if (list.length === 0) root.append(el('p', 'empty', 'no deployments configured'));
}
function renderTimeline(list) {
  const root = $('timeline');
  if (list.length === 0) { root.replaceChildren(el('li', 'empty', 'no transitions yet')); return; }
  root.replaceChildren(...list.slice().reverse().map((t) => {
    const li = el('li');
    li.append(el('time', null, new Date(t.atEpochMs).toLocaleTimeString([], { hour12: false })));
    const what = el('span', 'to-' + t.to, t.deployment + ': ' + t.from + ' → ' + t.to + ' (' + t.reason + ')');
    li.append(what);
    return li;
  }));
}
function renderFlows(list) {
  const root = $('flows');
  if (list.length === 0) { root.replaceChildren(el('p', 'empty', 'no fallbacks yet')); return; }
  const ns = 'http://www.w3.org/2000/svg';
  const froms = [...new Set(list.map((f) => f.from))];
  const tos = [...new Set(list.map((f) => f.to))];
  const rowH = 36, h = Math.max(froms.length, tos.length) * rowH + 16, w = 520;
  const max = Math.max(...list.map((f) => f.count));
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
  const y = (arr, v) => 16 + arr.indexOf(v) * rowH + rowH / 2 - 8;
  const add = (tag, attrs, text) => {
    const n = document.createElementNS(ns, tag);
    for (const k in attrs) n.setAttribute(k, attrs[k]);
    if (text != null) n.textContent = text;
    svg.append(n);
  };
  for (const f of list) {
    const y1 = y(froms, f.from), y2 = y(tos, f.to);
    add('path', { d: 'M150 ' + y1 + ' C260 ' + y1 + ' 260 ' + y2 + ' 370 ' + y2, fill: 'none',
      stroke: '#388bfd', 'stroke-opacity': '0.6', 'stroke-width': String(2 + 10 * f.count / max) });
    const above = (y1 + y2) / 2 - 6 - (5 * f.count) / max;
    add('text', { x: '260', y: String(above), 'text-anchor': 'middle', class: 'count' },
      f.count + (f.count === 1 ? ' request' : ' requests'));
  }
  froms.forEach((m) => add('text', { x: '140', y: String(y(froms, m) + 4), 'text-anchor': 'end' }, m));
  tos.forEach((m) => add('text', { x: '380', y: String(y(tos, m) + 4) }, m));
  root.replaceChildren(svg);
}
function render(s) {
  renderCards(s.deployments);
  renderTimeline(s.transitions);
  renderFlows(s.flows);
  $('totals').textContent = s.totals.requests + ' requests · ' + s.totals.errors + ' errors · ' +
    fmtUsd(s.totals.costUsd) + ' spent';
  document.body.setAttribute('data-ready', 'true');
}
const es = new EventSource('/dashboard/events');
es.addEventListener('snapshot', (e) => { $('status').textContent = 'live'; render(JSON.parse(e.data)); });
es.onerror = () => { $('status').textContent = 'reconnecting…'; };
`;

/** The dashboard HTML document. */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>breakerbox</title><style>${STYLE}</style></head>
<body><header><h1>breakerbox</h1><span id="status">connecting…</span><span id="totals"></span></header>
<main><section><h2>Deployments</h2><div id="cards"></div></section>
<div class="cols"><section><h2>Circuit transitions</h2><div class="panel"><ul id="timeline"></ul></div></section>
<section><h2>Fallback flows</h2><div class="panel" id="flows"></div></section></div></main>
<script>${SCRIPT}</script></body></html>
`;
