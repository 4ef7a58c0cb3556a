/**
 * Web tabs in two real browsers (two Chromium profiles, each signed in through the printed link): on
 * lesson 2, "Open Prometheus' targets page" opens a dock tab whose frame shows the lab's Prometheus UI
 * (its targets page, with the lab's scrape jobs), proxied to each learner's own `connections` instance:
 * the Prometheus flags page in each learner's tab names that learner's instance and not the other's, and
 * the tab reloads, opens in a browser tab, and closes.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { Frame, Page } from 'playwright-core';
import type { LearnerLabStatus } from '../../src/protocol/learnerLab.ts';
import { startClassroomGateway, type ClassroomGateway } from '../helpers/classroomGateway.ts';
import { copyBuiltSite, type SiteCopy } from './challengeSite.ts';
import { launchChromium, type TestBrowser } from './chromium.ts';
import { signInBrowser } from './signIn.ts';
import { PAGE_WAIT_MS, SITE_SETUP_TIMEOUT_MS } from './siteInChromium.ts';

const PREFIX = 'pbwb';
const HOUR = 3_600_000;
const LESSON = '/course/requests-vs-connections';
const WAIT_MS = 60_000;

const made: { site?: SiteCopy; classroom?: ClassroomGateway; learners: TestBrowser[] } = { learners: [] };

afterAll(async () => {
  for (const b of made.learners) await b.close();
  await made.classroom?.close();
  made.site?.remove();
});

function api<T>(page: Page, path: string, method = 'GET'): Promise<T> {
  return page.evaluate(async ([p, m]) => (await fetch(p!, { method: m, credentials: 'same-origin' })).json(), [path, method]) as Promise<T>;
}

/** The frame of the dock's Prometheus tab, once it shows a page. */
async function prometheusFrame(page: Page): Promise<Frame> {
  const handle = await page.locator('iframe[data-web-frame="prometheus"]').elementHandle({ timeout: PAGE_WAIT_MS });
  const frame = await handle!.contentFrame();
  if (!frame) throw new Error('the web tab has no frame');
  return frame;
}

describe('web tabs, in two browsers', () => {
  it('opens the lab’s Prometheus UI in a dock tab, on each learner’s own instance', async () => {
    const site = (made.site = copyBuiltSite(PREFIX));
    made.classroom = await startClassroomGateway({
      prefix: PREFIX,
      lab: 'connections',
      tunables: { maxInstances: 2, warm: 0, idleMs: HOUR, warnMs: 60_000, maxLifetimeMs: 8 * HOUR },
      gateway: () => ({ siteDir: site.dir, cgroupParent: `${PREFIX}-${randomBytes(4).toString('hex')}` }),
    });
    const { gw } = made.classroom;
    for (let i = 0; i < 2; i++) {
      const b = await launchChromium(PREFIX);
      made.learners.push(b);
      await signInBrowser(b.context, gw);
    }
    const [a, b] = made.learners.map((l) => l.page) as [Page, Page];

    const instances: string[] = [];
    for (const page of [a, b]) {
      await page.goto(`${gw.url}${LESSON}`);
      await page.waitForSelector('html[data-has-hydrated="true"]', { timeout: PAGE_WAIT_MS });
      // The lesson's terminal gets the learner their instance.
      await page.locator('[data-terminal-tab="tools"][data-state="connected"]').waitFor({ timeout: WAIT_MS });
      const status = await api<LearnerLabStatus>(page, '/api/lab');
      instances.push(status.instance!);
      await page.locator('[data-web-tab-open="prometheus"]').click();
      await page.locator('[data-web-tab="prometheus"][aria-selected="true"]').waitFor({ timeout: PAGE_WAIT_MS });
      // The frame shows Prometheus' own targets page, with the lab's scrape jobs (once scraped).
      const frame = await prometheusFrame(page);
      await expect.poll(() => frame.title(), { timeout: WAIT_MS }).toBe('Prometheus Time Series Collection and Processing Server');
      expect(frame.url()).toBe(`${gw.url}/lab-web/prometheus/classic/targets`);
      // A fresh Prometheus lists its targets a few seconds after it starts: the tab's reload shows them.
      await expect
        .poll(
          async () => {
            const text = (await (await prometheusFrame(page)).locator('body').textContent().catch(() => '')) ?? '';
            if (/ingress:19000/.test(text)) return true;
            await page.locator('[data-web-tab-pane="prometheus"] button[aria-label="Reload Prometheus"]').click();
            return false;
          },
          { timeout: WAIT_MS, interval: 2000 },
        )
        .toBe(true);
      expect(await page.locator('[data-web-tab-pane="prometheus"] a', { hasText: 'Open in new tab' }).getAttribute('href')).toBe('/lab-web/prometheus/classic/targets');
    }
    const [ia, ib] = instances as [string, string];
    expect(ia).not.toBe(ib);

    // Each learner's Prometheus names its own instance (its TSDB directory), never the other's.
    for (const [page, mine, theirs] of [[a, ia, ib], [b, ib, ia]] as const) {
      const frame = await prometheusFrame(page);
      await frame.goto(`${gw.url}/lab-web/prometheus/classic/flags`);
      const text = await frame.locator('body').innerText();
      expect(text).toContain('storage.tsdb.path');
      expect(text).toContain(mine);
      expect(text).not.toContain(theirs);
    }

    // Reload brings the tab's page back to where it was opened; close leaves the terminal in front.
    await a.locator('[data-web-tab-pane="prometheus"] button[aria-label="Reload Prometheus"]').click();
    await expect.poll(async () => (await prometheusFrame(a)).url(), { timeout: PAGE_WAIT_MS }).toBe(`${gw.url}/lab-web/prometheus/classic/targets`);
    await a.locator('button[aria-label="Close Prometheus"]').click();
    await a.locator('[data-web-tab="prometheus"]').waitFor({ state: 'detached', timeout: PAGE_WAIT_MS });
    expect(await a.locator('[data-terminal-tab="tools"]').getAttribute('aria-selected')).toBe('true');
  }, SITE_SETUP_TIMEOUT_MS);
});
