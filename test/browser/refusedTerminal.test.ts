/**
 * A terminal the gateway will not open must say so, in the terminal and in its tab, and stop trying:
 * never a silent spinner. The gateway here refuses every target (as a lab without that host would); the
 * page shows the gateway's own message, sent in the socket before its 4003 close.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openSiteInChromium, PAGE_WAIT_MS, SITE_SETUP_TIMEOUT_MS, type SiteInChromium } from './siteInChromium.ts';
import { waitForScreen } from './terminalScreen.ts';

const PREFIX = 'pbb';

let app: SiteInChromium;
let upgrades = 0;

beforeAll(async () => {
  app = await openSiteInChromium(PREFIX, {
    resolver: {
      resolve: (request) => {
        upgrades++;
        return { ok: false, code: 'PB_UNKNOWN_TARGET', message: `No host ${request.target}` };
      },
    },
  });
}, SITE_SETUP_TIMEOUT_MS);

afterAll(() => app?.close());

it('shows a refused terminal in the terminal and its tab, as a final error', async () => {
  const { page } = app;
  await page.goto(`${app.gw.url}/`);
  const tab = page.locator('[data-terminal-tab="tools"][data-state="error"]');
  await tab.waitFor({ timeout: PAGE_WAIT_MS });
  expect(await tab.innerText()).toContain('No host tools');
  await waitForScreen(page, 'tools', (t) => t.includes('No host tools'), 'the message in the terminal');
  // The gateway was asked (a refusal, not a page that never tried); "error" is the final state: a
  // client that meant to retry shows "reconnecting" instead.
  expect(upgrades).toBeGreaterThan(0);
});
