// The dashboard in a real browser: open it, force a circuit open through the admin API, watch
// the card turn, save a screenshot to test-output/dashboard.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { ADMIN_KEY, chatBody, post, startStack } from '../fixtures/gateway-harness.js';

const CHROMIUM = '/usr/bin/chromium';

test('a forced-open circuit turns its card within a push', async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} is not installed`);
    return;
  }
  const s = await startStack(t, { gateway: { dashboardIntervalMs: 250 } });
  // Some traffic so the cards, the timeline and the flows have something to show.
  for (let i = 0; i < 5; i++) {
    const r = await post(`${s.url}/v1/chat/completions`, chatBody(), s.auth);
    await r.body?.cancel();
  }
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
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  const external: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(s.url)) external.push(r.url());
  });
  await page.goto(`${s.url}/dashboard?key=${ADMIN_KEY}`);
  assert.equal(new URL(page.url()).search, '', 'the key left the address bar');
  const card = page.locator('[data-deployment="sim/gpt-4.1"]');
  await card.waitFor({ timeout: 10_000 });
  assert.equal(await card.getAttribute('data-state'), 'closed');

  const opened = await fetch(`${s.url}/admin/circuits/sim/gpt-4.1/open`, {
    method: 'POST',
    headers: s.admin,
  });
  assert.equal(opened.status, 200);
  // Traffic now fails over to the fallback model: a flow to draw.
  for (let i = 0; i < 3; i++) {
    const r = await post(`${s.url}/v1/chat/completions`, chatBody(), s.auth);
    await r.body?.cancel();
  }
  await page.waitForSelector('[data-deployment="sim/gpt-4.1"][data-state="forced-open"]', {
    timeout: 10_000,
  });
  assert.equal(await card.locator('[data-testid="state"]').textContent(), 'forced-open');
  await page.waitForSelector('#flows svg', { timeout: 10_000 });
  await page.waitForSelector('#timeline .to-forced-open', { timeout: 10_000 });
  mkdirSync('test-output', { recursive: true });
  await page.screenshot({ path: 'test-output/dashboard.png', fullPage: true });
  assert.deepEqual(external, [], 'no external loads');
});
