/**
 * The dashboard's browser script (plain ES2020, inlined into the page). It keeps the last history
 * the feed sent, replaces its live bucket with each snapshot's, and redraws: the circuit-state
 * timeline, the request, error, latency and spend charts over the same 15-minute axis, the cards,
 * the fallback flows and the recent transitions. Text goes in with `textContent` and attributes
 * with `setAttribute` only: names come from config and reasons from errors. Charts carry no text
 * inside their plots (scales, axes and legends are laid out by HTML), so labels cannot collide.
 */
export const DASHBOARD_SCRIPT = `
'use strict';
const NS = 'http://www.w3.org/2000/svg';
const STATES = ['closed', 'open', 'half-open', 'forced-open', 'disabled', 'metrics-only', 'no-data'];
const CAUSES = [['provider', 'provider failures'], ['policy', 'refused by policy (open circuit, limit, budget, deadline)'],
  ['operator', 'refused by an operator (forced open)'], ['caller', 'caller errors (4xx)']];
const PALETTE = ['#58a6ff', '#f0883e', '#3fb950', '#d2a8ff', '#ff7b72', '#e3b341', '#39c5cf', '#db61a2'];
const $ = (id) => document.getElementById(id);
const fmtMs = (v) => (v == null ? '—' : v < 10 ? v.toFixed(1) + ' ms' : Math.round(v) + ' ms');
const fmtPct = (v) => (v == null ? '—' : (v * 100).toFixed(1) + ' %');
const fmtUsd = (v) => '$' + (v || 0).toFixed(v >= 1 ? 2 : 4);
const fmtRate = (v) => (v >= 10 ? v.toFixed(0) : v.toFixed(v >= 1 ? 1 : 2));
const clock = (ms) => new Date(ms).toLocaleTimeString([], { hour12: false });
const dur = (ms) => (ms < 60000 ? Math.round(ms / 1000) + ' s' : +(ms / 60000).toFixed(1) + ' min');
let hist = null;
let last = null;
// The part of the history on screen: since the gateway started, at least a minute, at most all.
let V = null;
function view() {
  const n = hist.buckets.length, ms = hist.bucketMs;
  const known = Math.ceil((hist.startEpochMs + n * ms - hist.sinceEpochMs) / ms);
  const shown = Math.min(n, Math.max(Math.ceil(60000 / ms), known));
  const startEpochMs = hist.startEpochMs + (n - shown) * ms;
  // Now falls inside the live (last) bucket; never before its start, even with a stale history.
  const now = Math.max(last.atEpochMs, hist.startEpochMs + (n - 1) * ms + 1);
  return { buckets: hist.buckets.slice(n - shown), startEpochMs: startEpochMs, now: now, label: dur(shown * ms) };
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = String(text);
  return e;
}
function svgEl(tag, attrs, parent) {
  const n = document.createElementNS(NS, tag);
  for (const k in attrs) n.setAttribute(k, String(attrs[k]));
  if (parent) parent.append(n);
  return n;
}
// A chart's SVG, kept across redraws (so hover and tooltips survive the next push): marks below,
// hover targets above. Draw functions list what they want and sync() patches the DOM to match.
function surface(root, height) {
  const w = Math.max(40, Math.floor(root.clientWidth || 300));
  let svg = root.querySelector(':scope > svg');
  if (!svg) {
    svg = svgEl('svg', { role: 'img' }, root);
    svgEl('g', { class: 'marks' }, svg);
    svgEl('g', { class: 'hovers' }, svg);
  }
  svg.setAttribute('width', w); svg.setAttribute('height', height);
  svg.setAttribute('viewBox', '0 0 ' + w + ' ' + height);
  return { svg: svg, w: w, h: height, marks: [], hovers: [] };
}
function sync(g) {
  patch(g.svg.children[0], g.marks);
  patch(g.svg.children[1], g.hovers);
}
function patch(parent, specs) {
  const kids = parent.children;
  specs.forEach((spec, i) => {
    let n = kids[i];
    if (!n || n.tagName !== spec[0]) {
      const m = document.createElementNS(NS, spec[0]);
      if (n) n.replaceWith(m); else parent.append(m);
      n = m;
    }
    const attrs = spec[1];
    for (const a of [...n.attributes]) if (!(a.name in attrs)) n.removeAttribute(a.name);
    for (const k in attrs) if (n.getAttribute(k) !== String(attrs[k])) n.setAttribute(k, String(attrs[k]));
    let t = n.firstElementChild;
    if (spec[2] != null) {
      if (!t) t = svgEl('title', {}, n);
      if (t.textContent !== spec[2]) t.textContent = spec[2];
    } else if (t) t.remove();
  });
  while (kids.length > specs.length) kids[kids.length - 1].remove();
}
// Reuses a container's children by position (keeps hover state), creating or dropping the rest.
function keep(root, count, make) {
  while (root.children.length > count) root.lastElementChild.remove();
  while (root.children.length < count) root.append(make());
  return [...root.children];
}
function legend(root, items) {
  root.replaceChildren(...items.map(([swatch, label]) => {
    const s = el('span');
    s.append(swatch, el('span', null, label));
    return s;
  }));
}
function swatch(attrs) {
  const i = el('i');
  for (const k in attrs) i.setAttribute(k, attrs[k]);
  return i;
}
// The x axis every chart shares: from the oldest bucket shown to now (the live bucket ends now).
function span() {
  const start = V.startEpochMs, end = V.now;
  return { start: start, end: end, x: (t, w) => ((t - start) / (end - start)) * w };
}
// Bucket i's start and end, epoch ms; and its length in seconds (for rates).
function edges(i) {
  const a = V.startEpochMs + i * hist.bucketMs;
  return [a, Math.min(a + hist.bucketMs, V.now)];
}
function secOf(i) {
  const e = edges(i);
  return Math.max(1, (e[1] - e[0]) / 1000);
}
function axes() {
  const total = V.now - V.startEpochMs;
  const marks = [total, (total * 2) / 3, total / 3].map((ms) => '−' + dur(Math.round(ms / 1000) * 1000));
  for (const a of document.querySelectorAll('[data-axis]')) {
    keep(a, 4, () => el('span')).forEach((sp, i) => { sp.textContent = i < 3 ? marks[i] : 'now'; });
  }
  $('states-title').textContent = 'Circuit states · last ' + V.label;
}
function renderTimeline(s) {
  const root = $('timeline');
  const sp = span();
  const now = s.atEpochMs;
  const stateNow = new Map(s.deployments.map((d) => [d.id, d.state]));
  const rows = keep(root, hist.deployments.length, () => {
    const row = el('div', 'tl-row'), who = el('div', 'who');
    who.append(el('span'), el('small'));
    row.append(who, el('div', 'band'));
    return row;
  });
  hist.deployments.forEach((id, i) => {
    const row = rows[i];
    row.setAttribute('data-timeline', id);
    row.querySelector('.who span').textContent = id;
    row.querySelector('.who small').textContent = stateNow.get(id) || 'unknown';
    const list = hist.timeline[i] || [];
    const segs = [];
    if (hist.sinceEpochMs > sp.start) segs.push({ state: 'no-data', a: sp.start, b: hist.sinceEpochMs });
    let at = Math.max(sp.start, hist.sinceEpochMs), why = null;
    let state = list.length > 0 ? list[0].from : stateNow.get(id);
    for (const t of list) {
      segs.push({ state: state, a: at, b: Math.max(at, t.atEpochMs), why: why, left: t.reason });
      at = Math.max(at, t.atEpochMs); state = t.to; why = t.reason;
    }
    segs.push({ state: stateNow.get(id) || state, a: at, b: Math.max(at, now), why: why });
    const g = surface(row.querySelector('.band'), 18);
    for (const sg of segs) {
      const x = sp.x(sg.a, g.w), w = Math.max(2, sp.x(sg.b, g.w) - x);
      g.hovers.push(['rect', { class: 'band', 'data-state': sg.state, x: x.toFixed(1), y: 1, width: w.toFixed(1), height: 16 },
        sg.state === 'no-data' ? 'before the gateway started'
          : id + ': ' + sg.state + ' ' + clock(sg.a) + ' → ' + (sg.b >= now ? 'now' : clock(sg.b)) + ' (' +
            dur(sg.b - sg.a) + ')' + (sg.why ? '; entered: ' + sg.why : '') + (sg.left ? '; left: ' + sg.left : '')]);
    }
    sync(g);
  });
  const empty = $('timeline-empty');
  empty.hidden = hist.deployments.length > 0;
}

// Stacked bars, one per bucket: layers = [[key, colour, label]], value(b, key) gives a bucket's value.
function bars(root, height, layers, value, tipOf) {
  const g = surface(root, height);
  const sp = span();
  let max = 0;
  V.buckets.forEach((b, i) => { max = Math.max(max, layers.reduce((acc, l) => acc + value(b, l[0], i), 0)); });
  const k = max > 0 ? (height - 2) / max : 0;
  V.buckets.forEach((b, i) => {
    const e = edges(i), x = sp.x(e[0], g.w), bw = Math.max(1, sp.x(e[1], g.w) - x);
    let y = height;
    for (const l of layers) {
      const v = value(b, l[0], i);
      if (v <= 0) continue;
      const h = Math.max(1, v * k);
      y -= h;
      g.marks.push(['rect', { x: (x + 0.5).toFixed(1), y: y.toFixed(1), width: Math.max(1, bw - 1).toFixed(1),
        height: h.toFixed(1), fill: l[1] }]);
    }
    g.hovers.push(['rect', { class: 'hover', x: x.toFixed(1), y: 0, width: bw.toFixed(1), height: height }, tipOf(b, i)]);
  });
  sync(g);
  return max;
}
function lines(root, height, series, max) {
  const g = surface(root, height);
  const sp = span();
  for (const sr of series) {
    let d = '', pen = false;
    sr.values.forEach((v, i) => {
      if (v == null) { pen = false; return; }
      // A step per bucket: a lone bucket still shows as a short line.
      const y = (height - 1 - (max > 0 ? (v / max) * (height - 2) : 0)).toFixed(1);
      const e = edges(i), x0 = sp.x(e[0], g.w), x1 = Math.max(x0 + 2, sp.x(e[1], g.w));
      d += (pen ? 'L' : 'M') + x0.toFixed(1) + ' ' + y + ' L' + x1.toFixed(1) + ' ' + y + ' ';
      pen = true;
    });
    if (!d) continue;
    const attrs = { d: d, fill: 'none', stroke: sr.color, 'stroke-width': sr.dash ? 1.5 : 2, 'stroke-linejoin': 'round' };
    if (sr.dash) attrs['stroke-dasharray'] = '4 3';
    g.hovers.push(['path', attrs, sr.label]);
  }
  sync(g);
}
function scale(root, text) {
  let s = root.querySelector(':scope > .scale');
  if (!s) { s = el('span', 'scale'); root.prepend(s); }
  s.textContent = text;
}
function sum(list, f) { return list.reduce((a, b) => a + f(b), 0); }

function renderRequests() {
  const layers = [['direct', 'var(--ok)'], ['fallback', 'var(--fallback)'], ['failed', 'var(--err)']];
  const value = (b, k, i) => (k === 'direct' ? b.ok - b.fallback : k === 'fallback' ? b.fallback : b.requests - b.ok) / secOf(i);
  const at = (i) => clock(V.startEpochMs + i * hist.bucketMs);
  const max = bars($('req-chart'), 90, layers, value, (b, i) => at(i) + ': ' + fmtRate(b.requests / secOf(i)) +
    ' req/s, ' + fmtPct(b.requests ? b.ok / b.requests : null) + ' answered, ' +
    fmtPct(b.ok ? b.fallback / b.ok : null) + ' via fallback');
  scale($('req-chart'), 'peak ' + fmtRate(max) + ' req/s');
  lines($('share-chart'), 48, [
    { color: 'var(--ok)', label: 'answered %', values: V.buckets.map((b) => (b.requests ? (100 * b.ok) / b.requests : null)) },
    { color: 'var(--fallback)', label: 'via fallback %', dash: true, values: V.buckets.map((b) => (b.ok ? (100 * b.fallback) / b.ok : null)) },
  ], 100);
  scale($('share-chart'), 'share 0–100 %');
  $('requests').setAttribute('data-requests', String(sum(V.buckets, (b) => b.requests)));
  const first = Math.max(0, V.buckets.length - Math.round(60000 / hist.bucketMs));
  const recent = V.buckets.slice(first), secs = Math.max(1, (V.now - edges(first)[0]) / 1000);
  const req = sum(recent, (b) => b.requests), ok = sum(recent, (b) => b.ok), fb = sum(recent, (b) => b.fallback);
  const p = $('req-summary');
  p.replaceChildren('last minute: ', el('b', null, fmtRate(req / secs) + ' req/s'), ' · ',
    el('b', null, fmtPct(req ? ok / req : null)), ' answered · ', el('b', null, fmtPct(ok ? fb / ok : null)), ' via fallback');
  legend($('req-legend'), [[swatch({ style: 'background:var(--ok)' }), 'answered by the first choice'],
    [swatch({ style: 'background:var(--fallback)' }), 'answered via fallback'], [swatch({ style: 'background:var(--err)' }), 'failed'],
    [swatch({ class: 'dash', style: 'color:var(--fallback)' }), 'fallback share']]);
}
function renderErrors() {
  const colour = { provider: 'var(--provider)', policy: 'var(--policy)', operator: 'var(--operator)', caller: 'var(--caller)' };
  const layers = CAUSES.map(([k]) => [k, colour[k]]);
  const at = (i) => clock(V.startEpochMs + i * hist.bucketMs);
  const max = bars($('err-chart'), 138, layers, (b, k) => b[k], (b, i) => at(i) + ': ' +
    CAUSES.map(([k]) => b[k] + ' ' + k).join(', '));
  scale($('err-chart'), 'peak ' + max + ' per ' + hist.bucketMs / 1000 + ' s');
  const totals = CAUSES.map(([k]) => sum(V.buckets, (b) => b[k]));
  const p = $('err-summary');
  p.replaceChildren('last ' + V.label + ': ', el('b', null, String(totals[0])), ' provider failures (page on these) · ',
    el('b', null, String(totals[1] + totals[2] + totals[3])), ' deliberate or caused by callers');
  legend($('err-legend'), CAUSES.map(([k, label], i) => {
    const s = swatch({ style: 'background:' + colour[k] });
    return [s, label + ': ' + totals[i]];
  }));
  $('errors').setAttribute('data-totals', JSON.stringify(Object.fromEntries(CAUSES.map(([k], i) => [k, totals[i]]))));
}
function renderLatency() {
  let max = 0;
  for (const b of V.buckets) for (const v of b.p99) if (v != null) max = Math.max(max, v);
  const series = [], items = [];
  hist.deployments.forEach((id, i) => {
    const color = PALETTE[i % PALETTE.length];
    const p50 = V.buckets.map((b) => b.p50[i]), p99 = V.buckets.map((b) => b.p99[i]);
    if (!p50.some((v) => v != null)) return;
    series.push({ color: color, label: id + ' p50', values: p50 }, { color: color, dash: true, label: id + ' p99', values: p99 });
    const lastP99 = p99.filter((v) => v != null).pop();
    items.push([swatch({ style: 'background:' + color }), id + ' · p99 ' + fmtMs(lastP99)]);
  });
  lines($('lat-chart'), 120, series, max);
  scale($('lat-chart'), 'max ' + fmtMs(max));
  legend($('lat-legend'), items);
  $('lat-summary').textContent = items.length ? 'successful attempts, per ' + hist.bucketMs / 1000 + ' s' : 'no successful attempts in the window';
}
function renderSpend() {
  const byMinute = new Map();
  V.buckets.forEach((b, i) => {
    const m = Math.floor((V.startEpochMs + i * hist.bucketMs) / 60000);
    byMinute.set(m, (byMinute.get(m) || 0) + b.spendUsd);
  });
  const sp = span(), root = $('spend-chart');
  const g = surface(root, 80);
  let max = 0;
  for (const v of byMinute.values()) max = Math.max(max, v);
  for (const [m, v] of byMinute) {
    const a = Math.max(sp.start, m * 60000), z = Math.min(sp.end, (m + 1) * 60000);
    const x = sp.x(a, g.w), w = Math.max(1, sp.x(z, g.w) - x - 1);
    const h = max > 0 ? Math.max(v > 0 ? 1 : 0, (v / max) * 78) : 0;
    g.marks.push(['rect', { x: x.toFixed(1), y: (80 - h).toFixed(1), width: w.toFixed(1), height: h.toFixed(1), fill: 'var(--metrics)' }]);
    g.hovers.push(['rect', { class: 'hover', x: x.toFixed(1), y: 0, width: w.toFixed(1), height: 80 }, clock(m * 60000) + ': ' + fmtUsd(v)]);
  }
  sync(g);
  scale(root, 'peak ' + fmtUsd(max) + ' / min');
  const values = [...byMinute.values()];
  $('spend-summary').replaceChildren('last ' + V.label + ': ', el('b', null, fmtUsd(sum(values, (v) => v))), ' · this minute: ',
    el('b', null, fmtUsd(values[values.length - 1] || 0)));
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
  for (const [k, v, f] of [['calls', d.calls, 'calls'], ['success', fmtPct(d.successRate)], ['p50', fmtMs(d.p50Ms)],
      ['p99', fmtMs(d.p99Ms)], ['spend', fmtUsd(d.spendUsd)], ['failures in a row', d.consecutiveFailures, 'consecutiveFailures'],
      ['trips', d.trips, 'trips']]) {
    const dd = el('dd', null, v);
    if (f) dd.setAttribute('data-field', f);
    dl.append(el('dt', null, k), dd);
  }
  c.append(dl);
  return c;
}
function renderFlows(list) {
  const root = $('flows');
  if (list.length === 0) { root.replaceChildren(el('p', 'empty', 'no fallbacks yet')); return; }
  const max = Math.max(...list.map((f) => f.count));
  const t = el('table'), head = el('tr');
  head.append(el('th', null, 'requested'), el('th', null, 'answered by'), el('th', 'n', 'requests'), el('th'));
  t.append(head);
  for (const f of list) {
    const tr = el('tr'), bar = el('div', 'bar');
    bar.style.width = Math.round((100 * f.count) / max) + '%';
    const cell = el('td');
    cell.append(bar);
    tr.append(el('td', null, f.from), el('td', null, '→ ' + f.to), el('td', 'n', f.count), cell);
    t.append(tr);
  }
  root.replaceChildren(t);
}
function renderTransitions(list) {
  const root = $('transitions');
  if (list.length === 0) { root.replaceChildren(el('li', 'empty', 'no transitions yet')); return; }
  root.replaceChildren(...list.slice(-12).reverse().map((t) => {
    const li = el('li');
    li.append(el('time', null, clock(t.atEpochMs)),
      el('span', 'to-' + t.to, t.deployment + ': ' + t.from + ' → ' + t.to + ' (' + t.reason + ')'));
    return li;
  }));
}
function render() {
  const s = last;
  const root = $('cards');
  root.replaceChildren(...s.deployments.map(card));
  renderFlows(s.flows);
  renderTransitions(s.transitions);
  $('totals').textContent = s.totals.requests + ' requests · ' + s.totals.errors + ' failed · ' + fmtUsd(s.totals.costUsd) + ' spent';
  if (hist) {
    V = view();
    axes(); renderTimeline(s); renderRequests(); renderErrors(); renderLatency(); renderSpend();
  }
  requestAnimationFrame(() => document.body.setAttribute('data-ready', 'true'));
}
legend($('state-legend'), STATES.map((st) => [swatch({ 'data-state': st }), st]));
const es = new EventSource('/dashboard/events');
es.addEventListener('snapshot', (e) => {
  $('status').textContent = 'live';
  const s = JSON.parse(e.data);
  if (s.history) hist = s.history;
  if (hist && s.live) hist.buckets[hist.buckets.length - 1] = s.live;
  last = s;
  render();
});
es.onerror = () => { $('status').textContent = 'reconnecting…'; };
let resizing = 0;
window.addEventListener('resize', () => { clearTimeout(resizing); resizing = setTimeout(() => { if (last) render(); }, 150); });
`;
