// The dashboard in a real browser, through a scripted incident: the primary fails until its
// breaker opens, traffic fails over, the primary recovers; an operator forces a circuit open;
// callers send bad requests. Then what a person would check: the primary's open band on the
// timeline, labels that never overlap, numbers that match /admin/circuits and the counters, and
// a phone-width page that does not scroll sideways. Screenshots go to the OS temp dir.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import type { TestContext } from 'node:test';
import { ADMIN_KEY, chatBody, post, startStack } from '../fixtures/gateway-harness.js';
import type { Stack } from '../fixtures/gateway-harness.js';

const CHROMIUM = '/usr/bin/chromium';
const PRIMARY = 'sim/gpt-4.1';
const SECONDARY = 'sim/gpt-4.1-mini';

interface Circuit {
  readonly name: string;
  readonly state: string;
  readonly consecutiveFailures: number;
  readonly openUntilEpochMs: number | null;
}

async function circuits(s: Stack): Promise<Map<string, Circuit>> {
  const r = await fetch(`${s.url}/admin/circuits`, { headers: s.admin });
  const body = (await r.json()) as { data: Circuit[] };
  return new Map(body.data.map((c) => [c.name, c]));
}

async function chat(s: Stack, extra: Record<string, unknown> = {}, auth = s.auth): Promise<number> {
  const r = await post(`${s.url}/v1/chat/completions`, chatBody(extra), auth);
  await r.body?.cancel();
  return r.status;
}

/**
 * Every pair of visible text runs whose boxes intersect (clipped by scrolling ancestors). Runs in
 * the page: the source is a string because the test's TypeScript has no DOM types.
 */
const OVERLAPS = `(() => {
    const boxes = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n !== null; n = walker.nextNode()) {
      const text = (n.textContent ?? '').trim();
      const parent = n.parentElement;
      if (text === '' || parent === null || parent.closest('title,script,style') !== null) continue;
      if (getComputedStyle(parent).visibility === 'hidden') continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      for (const r of range.getClientRects()) {
        let box = r;
        for (let a = parent; a !== null; a = a.parentElement) {
          if (getComputedStyle(a).overflow === 'visible') continue;
          const c = a.getBoundingClientRect();
          const x = Math.max(box.left, c.left);
          const y = Math.max(box.top, c.top);
          box = new DOMRect(x, y, Math.min(box.right, c.right) - x, Math.min(box.bottom, c.bottom) - y);
        }
        if (box.width > 0.5 && box.height > 0.5) boxes.push({ text, r: box });
      }
    }
    const out = [];
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i];
        const b = boxes[j];
        const w = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
        const h = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
        if (w > 1 && h > 1) out.push(JSON.stringify(a.text) + ' overlaps ' + JSON.stringify(b.text));
      }
    }
    return out;
  })()`;

async function launch(t: TestContext): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
  t.after(() => browser.close());
  return browser;
}

function overlappingText(page: Page): Promise<string[]> {
  return page.evaluate(OVERLAPS);
}

test('after a scripted incident the dashboard shows it, readable at 1280 px and 390 px', async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} is not installed`);
    return;
  }
  const s = await startStack(t, {
    gateway: { dashboardIntervalMs: 250 },
    config: { breaker: { trip: { consecutive: 3 }, openMs: 1000, halfOpen: { successes: 1 } } },
  });
  const browser = await launch(t);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const external: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(s.url)) external.push(r.url());
  });
  await page.goto(`${s.url}/dashboard?key=${ADMIN_KEY}`);
  assert.equal(new URL(page.url()).search, '', 'the key left the address bar');
  await page.waitForSelector(`[data-timeline="${PRIMARY}"] rect.band`, { timeout: 10_000 });

  // Healthy traffic, then the primary fails: each failure fails over until its breaker opens.
  for (let i = 0; i < 5; i++) assert.equal(await chat(s), 200);
  s.sim.setFaults('gpt-4.1', { errorRate: 1, errorStatus: 503 });
  for (let i = 0; i < 10 && (await circuits(s)).get(PRIMARY)?.state !== 'open'; i++) {
    assert.equal(await chat(s), 200, 'the fallback answers');
  }
  const open = (await circuits(s)).get(PRIMARY);
  assert.ok(open !== undefined);
  assert.equal(open.state, 'open');
  for (let i = 0; i < 3; i++) assert.equal(await chat(s), 200, 'skipped while open');
  await page.waitForSelector(`[data-deployment="${PRIMARY}"][data-state="open"]`);

  // Recovery: the provider heals; once the open period is over a probe closes the breaker.
  // (Waiting out the configured open period is the scenario itself, not a synchronisation.)
  s.sim.setFaults('gpt-4.1', null);
  await sleep(Math.max(0, (open.openUntilEpochMs ?? 0) - Date.now()) + 20);
  for (let i = 0; i < 10 && (await circuits(s)).get(PRIMARY)?.state !== 'closed'; i++) {
    assert.equal(await chat(s), 200);
  }
  assert.equal((await circuits(s)).get(PRIMARY)?.state, 'closed');

  // Errors of every cause but policy: a provider failure, an operator's forced-open circuit,
  // callers' mistakes (unknown model, wrong key).
  s.sim.setFaults('gpt-4.1-mini', { errorRate: 1, errorStatus: 500 });
  assert.ok(
    (await chat(s, { model: 'gpt-4.1-mini' })) >= 500,
    'the provider failure reaches the caller',
  );
  s.sim.setFaults('gpt-4.1-mini', null);
  assert.equal(await chat(s, { model: 'gpt-4.1-mini' }), 200);
  const forced = await fetch(`${s.url}/admin/circuits/${SECONDARY}/open`, {
    method: 'POST',
    headers: s.admin,
  });
  assert.equal(forced.status, 200);
  assert.equal(await chat(s, { model: 'gpt-4.1-mini' }), 503);
  assert.equal(await chat(s, { model: 'gpt-4.1-mini' }), 503);
  assert.equal(await chat(s, { model: 'no-such-model' }), 404);
  assert.equal(await chat(s, {}, { authorization: 'Bearer sk-wrong' }), 401);

  // The page catches up with the counters; then everything shown is compared with the API.
  const stats = s.bb.stats();
  await page.locator('#totals', { hasText: `${stats.totals.requests} requests ·` }).waitFor({
    timeout: 10_000,
  });
  const causes = JSON.stringify({ provider: 1, policy: 0, operator: 2, caller: 2 });
  await page
    .waitForSelector(`#errors[data-totals='${causes}']`, { timeout: 10_000 })
    .catch(async (error: unknown) => {
      const shown = await page.getAttribute('#errors', 'data-totals');
      throw new Error(`errors by cause: shown ${shown}, expected ${causes}`, { cause: error });
    });
  const admin = await circuits(s);
  for (const [name, c] of admin) {
    const card = page.locator(`[data-deployment="${name}"]`);
    assert.equal(await card.getAttribute('data-state'), c.state, name);
    assert.equal(await card.locator('[data-testid="state"]').textContent(), c.state, name);
    const failures = await card.locator('[data-field="consecutiveFailures"]').textContent();
    assert.equal(Number(failures), c.consecutiveFailures, name);
    const calls = await card.locator('[data-field="calls"]').textContent();
    assert.equal(Number(calls), stats.deployments[name]?.attempts.calls, name);
    const label = await page.locator(`[data-timeline="${name}"] small`).textContent();
    assert.equal(label, c.state, `${name}: the timeline's state now`);
  }
  assert.equal(admin.get(SECONDARY)?.state, 'forced-open');
  assert.equal(
    await page.getAttribute('#requests', 'data-requests'),
    String(stats.totals.requests),
  );
  const metrics = await (await fetch(`${s.url}/metrics`)).text();
  const counted = metrics
    .split('\n')
    .filter((l) => l.startsWith('breakerbox_requests_total{'))
    .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
  assert.equal(counted, stats.totals.requests, 'the page, bb.stats() and /metrics agree');

  // The primary's timeline: an open band (reason on hover), closed again at the end.
  const bands = page.locator(`[data-timeline="${PRIMARY}"] rect.band`);
  const states: string[] = [];
  for (const band of await bands.all()) states.push((await band.getAttribute('data-state')) ?? '');
  assert.ok(states.includes('open'), `bands: ${states.join(', ')}`);
  assert.equal(states.at(-1), 'closed');
  const openBand = page
    .locator(`[data-timeline="${PRIMARY}"] rect.band[data-state="open"]`)
    .first();
  const box = await openBand.boundingBox();
  assert.ok((box?.width ?? 0) >= 2, `the open band is visible: ${JSON.stringify(box)}`);
  assert.match(
    (await openBand.locator('title').textContent()) ?? '',
    /entered: consecutive_failures/,
  );
  const forcedBand = page.locator(`[data-timeline="${SECONDARY}"] rect.band`).last();
  assert.equal(await forcedBand.getAttribute('data-state'), 'forced-open');
  await page.waitForSelector('#flows td', { timeout: 10_000 });
  // A horizontal step has an empty box (Playwright's 'visible'), hence 'attached'.
  await page.waitForSelector('#lat-chart path[d*="L"]', { state: 'attached', timeout: 10_000 });

  const wide = join(tmpdir(), 'breakerbox-dashboard-1280.png');
  await page.screenshot({ path: wide, fullPage: true });
  t.diagnostic(`screenshot: ${wide}`);
  assert.deepEqual(await overlappingText(page), [], 'no two text labels overlap at 1280 px');

  // A phone: one column, nothing wider than the screen, still no overlapping labels.
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await phone.goto(`${s.url}/dashboard?key=${ADMIN_KEY}`);
  await phone.waitForSelector(`[data-timeline="${PRIMARY}"] rect.band[data-state="open"]`, {
    timeout: 10_000,
  });
  const widths = await phone.evaluate<{ scroll: number; inner: number; widest: number }>(`({
    scroll: document.documentElement.scrollWidth,
    inner: window.innerWidth,
    widest: Math.max(...[...document.querySelectorAll('body *')].map((e) => e.getBoundingClientRect().right)),
  })`);
  assert.ok(widths.scroll <= widths.inner, `scrollWidth ${widths.scroll} > ${widths.inner}`);
  assert.ok(widths.widest <= widths.inner + 0.5, `an element reaches ${widths.widest} px`);
  const narrow = join(tmpdir(), 'breakerbox-dashboard-390.png');
  await phone.screenshot({ path: narrow, fullPage: true });
  t.diagnostic(`screenshot: ${narrow}`);
  assert.deepEqual(await overlappingText(phone), [], 'no two text labels overlap at 390 px');
  assert.deepEqual(external, [], 'no external loads');
});

test('names from config are shown as text, never as markup', async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} is not installed`);
    return;
  }
  const evil = '<img src=x onerror="window.pwned=1">';
  const s = await startStack(t, {
    gateway: { dashboardIntervalMs: 250 },
    config: {
      models: {
        'gpt-4.1': { deployments: [{ provider: 'sim' }], fallbacks: [evil] },
        [evil]: { deployments: [{ provider: 'sim' }] },
      },
    },
  });
  s.sim.setFaults('gpt-4.1', { down: true });
  assert.equal(await chat(s), 200, 'answered by the fallback with the odd name');
  const browser = await launch(t);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${s.url}/dashboard?key=${ADMIN_KEY}`);
  await page.waitForSelector('#flows td', { timeout: 10_000 });
  const id = `sim/${evil}`;
  assert.equal(await page.locator('.card h3').nth(1).textContent(), id);
  assert.equal(await page.locator('.tl-row .who span').nth(1).textContent(), id);
  assert.equal(await page.locator('#flows td').nth(1).textContent(), `→ ${evil}`);
  assert.equal(await page.locator('img').count(), 0, 'no element was made from a name');
  assert.equal(await page.evaluate('window.pwned'), undefined);
});
