/**
 * A terminal the gateway will not open must say so, in the terminal and in its tab, and stop trying:
 * never a silent spinner. The gateway here refuses every target (as a lab without that host would); the
 * page shows the gateway's own message, sent in the socket before its 4003 close.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { copyBuiltSite, type SiteCopy } from './challengeSite.ts';
import { launchChromium, screenText, type TestBrowser } from './chromium.ts';

const PREFIX = 'pbb';
const WAIT_MS = 30_000;
const BUILD_TIMEOUT_MS = 600_000;

let gw: TestGateway;
/** A private copy: another build empties build/site, which would pull lazy chunks from under the page. */
let site: SiteCopy;
let browser: TestBrowser;
let upgrades = 0;

beforeAll(async () => {
  site = copyBuiltSite(PREFIX);
  gw = await startGateway({
    siteDir: site.dir,
    cgroupParent: `${PREFIX}-${randomBytes(4).toString('hex')}`,
    resolver: {
      resolve: (request) => {
        upgrades++;
        return { ok: false, code: 'PB_UNKNOWN_TARGET', message: `No host ${request.target}` };
      },
    },
  });
  browser = await launchChromium(PREFIX);
}, BUILD_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await gw?.close();
  site?.remove();
});

it('shows a refused terminal in the terminal and its tab, as a final error', async () => {
  const { page } = browser;
  await page.goto(`${gw.url}/`);
  const tab = page.locator('[data-terminal-tab="tools"][data-state="error"]');
  await tab.waitFor({ timeout: WAIT_MS });
  expect(await tab.innerText()).toContain('No host tools');
  const deadline = Date.now() + WAIT_MS;
  while (!(await screenText(page, 'tools')).includes('No host tools')) {
    if (Date.now() > deadline) throw new Error(`no message in the terminal: ${await screenText(page, 'tools')}`);
    await page.waitForTimeout(50);
  }
  // The gateway was asked (a refusal, not a page that never tried); "error" is the final state: a
  // client that meant to retry shows "reconnecting" instead.
  expect(upgrades).toBeGreaterThan(0);
});
