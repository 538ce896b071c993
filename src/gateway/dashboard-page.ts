/**
 * The dashboard page: one self-contained HTML document (inline CSS, JS and SVG, no external
 * loads, no build step). It renders what `/dashboard/events` pushes (see dashboard-script.ts);
 * every value is inserted with `textContent` or `setAttribute`, never as HTML.
 */
import { DASHBOARD_SCRIPT } from './dashboard-script.js';

const STYLE = `
:root{--bg:#0f1419;--panel:#182029;--text:#e6edf3;--muted:#8b98a5;--line:#2a3642;
--closed:#2ea043;--half:#d29922;--open:#f85149;--forced:#bc4cff;--disabled:#6e7681;--metrics:#388bfd;
--nodata:#222c36;--ok:#2ea043;--fallback:#388bfd;--err:#f85149;
--provider:#f85149;--policy:#d29922;--operator:#bc4cff;--caller:#8b98a5}
*{box-sizing:border-box}html{-webkit-text-size-adjust:100%}
body{margin:0;font:14px/1.4 system-ui,-apple-system,Segoe UI,sans-serif;background:var(--bg);color:var(--text)}
header{display:flex;flex-wrap:wrap;align-items:baseline;gap:4px 16px;padding:12px 24px;border-bottom:1px solid var(--line)}
h1{font-size:18px;margin:0}#status{color:var(--muted);font-size:12px}
#totals{margin-left:auto;color:var(--muted);font-variant-numeric:tabular-nums}
main{padding:16px 24px;display:grid;gap:16px;max-width:1600px;margin:0 auto}
h2{font-size:12px;text-transform:uppercase;letter-spacing:.08em;color:var(--muted);margin:0 0 8px}
.panel{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:12px;min-width:0}
.grid2{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:16px}
@media(max-width:900px){.grid2{grid-template-columns:minmax(0,1fr)}}
@media(max-width:600px){header,main{padding-left:12px;padding-right:12px}#totals{margin-left:0;width:100%}}
.summary{margin:0 0 6px;font-size:12px;color:var(--muted);font-variant-numeric:tabular-nums}
.summary b{color:var(--text);font-weight:600}
.chart{position:relative;padding-top:16px}.chart svg{display:block;width:100%}
.scale{position:absolute;top:0;left:0;font-size:11px;color:var(--muted);font-variant-numeric:tabular-nums}
.axis{display:flex;justify-content:space-between;font-size:11px;color:var(--muted);margin-top:2px}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;margin-top:8px;font-size:12px;color:var(--muted)}
.legend span{display:inline-flex;align-items:center;gap:6px;min-width:0;overflow-wrap:anywhere}
.legend i{flex:none;display:inline-block;width:12px;height:10px;border-radius:2px}
.legend i.dash{height:0;border-top:2px dashed currentColor;background:none!important}
.tl-row{display:grid;grid-template-columns:minmax(0,220px) minmax(0,1fr);gap:4px 12px;align-items:center;padding:3px 0}
.tl-row .who{font-size:12px;overflow-wrap:anywhere;display:flex;flex-wrap:wrap;gap:0 8px;align-items:baseline}
.tl-row .who small{color:var(--muted)}.tl-row svg{display:block;width:100%;height:18px}
.tl-axis{display:grid;grid-template-columns:minmax(0,220px) minmax(0,1fr);gap:0 12px}
@media(max-width:600px){.tl-row,.tl-axis{grid-template-columns:minmax(0,1fr)}.tl-axis>span:first-child{display:none}}
rect.band[data-state="closed"],.legend i[data-state="closed"]{fill:var(--closed);background:var(--closed)}
rect.band[data-state="open"],.legend i[data-state="open"]{fill:var(--open);background:var(--open)}
rect.band[data-state="half-open"],.legend i[data-state="half-open"]{fill:var(--half);background:var(--half)}
rect.band[data-state="forced-open"],.legend i[data-state="forced-open"]{fill:var(--forced);background:var(--forced)}
rect.band[data-state="disabled"],.legend i[data-state="disabled"]{fill:var(--disabled);background:var(--disabled)}
rect.band[data-state="metrics-only"],.legend i[data-state="metrics-only"]{fill:var(--metrics);background:var(--metrics)}
rect.band[data-state="no-data"],.legend i[data-state="no-data"]{fill:var(--nodata);background:var(--nodata)}
rect.hover{fill:transparent}.marks{pointer-events:none}rect.hover:hover{fill:rgba(255,255,255,.08)}
#cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:12px}
.card{background:var(--panel);border:1px solid var(--line);border-left:6px solid var(--closed);border-radius:8px;padding:10px 12px;min-width:0}
.card h3{margin:0;font-size:14px;overflow-wrap:anywhere}.card .model{color:var(--muted);font-size:12px;overflow-wrap:anywhere}
.state{display:inline-block;margin:6px 0;padding:1px 8px;border-radius:999px;font-weight:600;font-size:12px;background:var(--closed);color:#fff}
.card dl{display:grid;grid-template-columns:auto 1fr;gap:2px 12px;margin:0;font-size:12px}
.card dt{color:var(--muted)}.card dd{margin:0;text-align:right;font-variant-numeric:tabular-nums}
.card[data-state="half-open"]{border-left-color:var(--half)}.card[data-state="half-open"] .state{background:var(--half)}
.card[data-state="open"]{border-left-color:var(--open)}.card[data-state="open"] .state{background:var(--open)}
.card[data-state="forced-open"]{border-left-color:var(--forced)}.card[data-state="forced-open"] .state{background:var(--forced)}
.card[data-state="disabled"]{border-left-color:var(--disabled)}.card[data-state="disabled"] .state{background:var(--disabled)}
.card[data-state="metrics-only"]{border-left-color:var(--metrics)}.card[data-state="metrics-only"] .state{background:var(--metrics)}
table{width:100%;border-collapse:collapse;table-layout:fixed;font-size:12px}
th{color:var(--muted);font-weight:normal;text-align:left;padding:2px 6px 4px 0}
td{padding:4px 6px 4px 0;border-top:1px solid var(--line);overflow-wrap:anywhere;vertical-align:middle}
td.n{text-align:right;font-variant-numeric:tabular-nums;width:64px}th.n{text-align:right}
.bar{height:10px;background:var(--fallback);border-radius:2px;min-width:2px}
#transitions{list-style:none;margin:0;padding:0;font-size:12px}
#transitions li{display:grid;grid-template-columns:64px minmax(0,1fr);gap:8px;padding:3px 0;border-bottom:1px solid var(--line)}
#transitions time{color:var(--muted);font-variant-numeric:tabular-nums}#transitions span{overflow-wrap:anywhere}
.to-open,.to-forced-open{color:var(--open)}.to-closed{color:var(--closed)}.to-half-open{color:var(--half)}
.empty{color:var(--muted);font-size:12px;margin:0}
`;

const BODY = `<header><h1>breakerbox</h1><span id="status">connecting…</span><span id="totals"></span></header>
<main>
<section class="panel" id="states"><h2 id="states-title">Circuit states · last 15 min</h2><div id="timeline"></div><p class="empty" id="timeline-empty" hidden>no deployments configured</p>
<div class="tl-axis"><span></span><div class="axis" data-axis></div></div>
<div class="legend" id="state-legend"></div></section>
<div class="grid2">
<section class="panel" id="requests"><h2>Requests</h2><p class="summary" id="req-summary"></p>
<div class="chart" id="req-chart"></div><div class="chart" id="share-chart"></div><div class="axis" data-axis></div>
<div class="legend" id="req-legend"></div></section>
<section class="panel" id="errors"><h2>Errors by cause</h2><p class="summary" id="err-summary"></p>
<div class="chart" id="err-chart"></div><div class="axis" data-axis></div><div class="legend" id="err-legend"></div></section>
<section class="panel" id="latency"><h2>Latency per deployment · p50 solid, p99 dashed</h2><p class="summary" id="lat-summary"></p>
<div class="chart" id="lat-chart"></div><div class="axis" data-axis></div><div class="legend" id="lat-legend"></div></section>
<section class="panel" id="spend"><h2>Spend per minute</h2><p class="summary" id="spend-summary"></p>
<div class="chart" id="spend-chart"></div><div class="axis" data-axis></div></section>
</div>
<section><h2>Deployments now</h2><div id="cards"></div></section>
<div class="grid2">
<section class="panel"><h2>Fallback flows · since start</h2><div id="flows"></div></section>
<section class="panel"><h2>Recent transitions</h2><ul id="transitions"></ul></section>
</div>
</main>`;

/** The dashboard HTML document. */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<link rel="icon" href="data:,">
<title>breakerbox</title><style>${STYLE}</style></head>
<body>${BODY}
<script>${DASHBOARD_SCRIPT}</script></body></html>
`;
