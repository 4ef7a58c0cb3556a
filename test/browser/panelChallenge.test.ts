/**
 * A panel challenge in Chromium, on lesson 1 as the learner meets it: the built site behind a real gateway
 * with the challenge and dashboard routes (dashboards kept in the gateway's database), checks against the
 * offline Prometheus on the connections fixture. The learner builds the "API connections" panel by typing
 * its queries and legends into the <Dashboard>; the challenge box checks that panel: a wrong query B fails
 * with its hint while query A passes, the corrected panel passes and the challenge is done.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROGRESS_PATH, type ProgressResponse } from '../../src/protocol/challenges.ts';
import { offlineWindow } from '../../src/checker/checkAnswer.ts';
import { LocalTargetResolver } from '../../src/terminal/LocalTargetResolver.ts';
import { ProgressStore } from '../../src/server/progressStore.ts';
import { DashboardStore } from '../../src/server/dashboardStore.ts';
import { challengeRoutes } from '../../src/server/routes/challenges.ts';
import { dashboardRoutes } from '../../src/server/routes/dashboards.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { startOfflineLab, type OfflineLab } from '../checker/offline.ts';
import { copyBuiltSite, type SiteCopy } from './challengeSite.ts';
import { launchBrowser, type TestBrowser } from './challengeBrowser.ts';
import { addPanel, findDashboard, typePanelQuery } from './dashboardPage.ts';
import { SITE_SETUP_TIMEOUT_MS } from './siteInChromium.ts';

const PREFIX = 'pbpc';
const PAGE = '/course/connection-metrics';
const CHALLENGE_ID = 'api-connections-panel';
const DASHBOARD_ID = 'api-connections';
/** Lazy chunks, a check of 2 × 2 queries on a busy 2-core machine: generous. */
const WAIT_MS = 60_000;
const PUBLIC = 'envoy_listener_downstream_cx_active{job="api", envoy_listener_address=~".*_20000"}';
const WRONG_OUTBOUND = 'envoy_listener_downstream_cx_active{job="api"}';
const OUTBOUND = 'envoy_listener_downstream_cx_active{envoy_listener_address=~".*_15001"}';

describe('a panel challenge in Chromium', () => {
  const made: { site?: SiteCopy; lab?: OfflineLab; dirs: string[]; gw?: TestGateway; browser?: TestBrowser } = { dirs: [] };

  beforeAll(async () => {
    made.site = copyBuiltSite(PREFIX);
    const lab = (made.lab = await startOfflineLab(PREFIX));
    const dataDir = mkdtempSync(join(tmpdir(), `${PREFIX}-progress-`));
    const workspace = mkdtempSync(join(tmpdir(), `${PREFIX}-ws-`));
    made.dirs.push(dataDir, workspace);
    const progress = new ProgressStore(dataDir);
    made.gw = await startGateway({
      siteDir: made.site.dir,
      resolver: new LocalTargetResolver({ workspace }),
      cgroupParent: `${PREFIX}-${randomBytes(4).toString('hex')}`,
      routes: [
        ...challengeRoutes({ set: lab.set, prometheus: () => lab.prometheus.client, progress, window: () => offlineWindow(lab.set) }),
        ...dashboardRoutes({ store: new DashboardStore(progress.db) }),
      ],
      healthProvider: () => ({ name: lab.set.lab, instance: 'offline', state: 'ready', hosts: [], failing: [], scrapeIntervalSeconds: lab.set.scrapeInterval }),
    });
    made.browser = await launchBrowser(PREFIX, made.gw);
  }, SITE_SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await made.browser?.close();
    await made.gw?.close();
    await made.lab?.prometheus.stop();
    for (const dir of made.dirs) rmSync(dir, { recursive: true, force: true });
    made.site?.remove();
  });

  it('fails the panel on a wrong query, with its hint, and passes it once the query is right', async () => {
    const { gw, browser } = made;
    const page = await browser!.context.newPage();
    await page.goto(`${gw!.url}${PAGE}`);

    const dashboard = await findDashboard(page, DASHBOARD_ID, WAIT_MS);
    const panel = await addPanel(dashboard, 'API connections', [
      { expr: PUBLIC, legend: 'public' },
      { expr: WRONG_OUTBOUND, legend: 'outbound' },
    ]);

    const box = page.locator(`[data-challenge="${CHALLENGE_ID}"]`);
    const pick = box.getByTestId('panel-pick');
    await pick.waitFor({ timeout: WAIT_MS });
    // The challenge finds the panel by the title the lesson asks for.
    await expect.poll(() => pick.locator('option:checked').textContent()).toContain('API connections (2 queries)');
    expect(await box.locator('[data-passed]').first().getAttribute('data-passed')).toBe('false');

    await box.getByRole('button', { name: 'Check this panel' }).click();
    const verdict = box.locator('[data-verdict]');
    await verdict.waitFor({ timeout: WAIT_MS });
    expect(await verdict.getAttribute('data-verdict')).toBe('fail');
    const lineOf = (refId: string) => verdict.locator(`[data-part="query"][data-ref-id="${refId}"]`);
    expect(await lineOf('A').getAttribute('data-passed')).toBe('true');
    expect(await lineOf('B').getAttribute('data-passed')).toBe('false');
    expect(await lineOf('B').locator('[data-hint="label-filter"]').count()).toBeGreaterThan(0);
    expect(await lineOf('B').textContent()).toContain('outbound listener');
    expect(await verdict.locator('[data-part="title"]').getAttribute('data-passed')).toBe('true');

    await typePanelQuery(panel, 'B', { expr: OUTBOUND });
    await box.getByRole('button', { name: 'Check this panel' }).click();
    await expect.poll(() => box.locator('[data-verdict]').getAttribute('data-verdict'), { timeout: WAIT_MS }).toBe('pass');
    expect(await box.locator('[data-part="legend"][data-passed="true"]').count()).toBe(2);
    await box.getByTestId('challenge-done').waitFor({ timeout: WAIT_MS });

    const progress = (await page.evaluate(async (p) => (await fetch(p, { credentials: 'same-origin' })).json(), PROGRESS_PATH)) as ProgressResponse;
    expect(progress.challenges[CHALLENGE_ID]).toMatchObject({ passed: true, attempts: 2 });
    await page.close();
  }, 300_000);
});
