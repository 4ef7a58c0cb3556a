/**
 * The explain view end to end: the built site behind a real gateway with the challenge and explain
 * routes, every node evaluated on a real Prometheus (the offline fixture), in real Chromium. The learner
 * types a query, checks it (a hint about its selector), presses Explain and sees the tree with a series
 * count per node, the hinted node highlighted; the hint's link brings the focus to that node.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offlineWindow } from '../../src/checker/checkAnswer.ts';
import { challengeRoutes } from '../../src/server/routes/challenges.ts';
import { explainRoutes } from '../../src/server/routes/explain.ts';
import { ProgressStore } from '../../src/server/progressStore.ts';
import { LocalTargetResolver } from '../../src/terminal/LocalTargetResolver.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { startOfflineLab, type OfflineLab } from '../checker/offline.ts';
import { copyBuiltSite, type SiteCopy } from './challengeSite.ts';
import { findChallenge, typeQuery } from './challengePage.ts';
import { launchBrowser, type TestBrowser } from './challengeBrowser.ts';
import { screenshot } from './screenshot.ts';

const PREFIX = 'pbx';
const CHALLENGE_ID = 'api-active-connections';
/** Four nodes; its selector lacks the `job` filter the question needs (a label-filter hint). */
const QUERY = 'max by (job) (envoy_listener_downstream_cx_active) > 0';

describe('Explain in the browser', () => {
  let site: SiteCopy | undefined;
  let lab: OfflineLab | undefined;
  let gw: TestGateway | undefined;
  let browser: TestBrowser | undefined;
  const dirs: string[] = [];

  beforeAll(async () => {
    site = copyBuiltSite(PREFIX);
    lab = await startOfflineLab(PREFIX);
    const dataDir = mkdtempSync(join(tmpdir(), `${PREFIX}-progress-`));
    const workspace = mkdtempSync(join(tmpdir(), `${PREFIX}-ws-`));
    dirs.push(dataDir, workspace);
    const l = lab;
    const window = () => offlineWindow(l.set);
    gw = await startGateway({
      siteDir: site.dir,
      // The page's terminals: local shells in a workspace of this test's, in cgroups of its own.
      resolver: new LocalTargetResolver({ workspace }),
      cgroupParent: `${PREFIX}-${randomBytes(4).toString('hex')}`,
      routes: [
        ...challengeRoutes({ set: l.set, prometheus: () => l.prometheus.client, progress: new ProgressStore(dataDir), window }),
        ...explainRoutes({ set: l.set, prometheus: () => l.prometheus.client, window }),
      ],
      healthProvider: () => ({ name: l.set.lab, instance: 'offline', state: 'ready', hosts: [], failing: [], scrapeIntervalSeconds: l.set.scrapeInterval }),
    });
    browser = await launchBrowser(PREFIX, gw);
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    await lab?.prometheus.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    site?.remove();
  });

  it('shows the tree of the typed query with a series count per node, and the node a hint is about', async () => {
    const page = await browser!.context.newPage();
    await page.goto(`${gw!.url}/`);
    const { box, input } = await findChallenge(page, CHALLENGE_ID);
    await typeQuery(input, QUERY);
    await box.getByRole('button', { name: 'Check' }).click();
    await expect.poll(() => box.locator('[data-verdict]').getAttribute('data-verdict'), { timeout: 60_000 }).toBe('fail');
    await box.locator('[data-hint="label-filter"]').first().waitFor();

    await box.getByRole('button', { name: 'Explain', exact: true }).click();
    const explain = box.getByTestId('explain');
    await expect.poll(() => explain.getAttribute('data-state'), { timeout: 60_000 }).toBe('done');
    const nodes = explain.locator('[data-explain-node]');
    expect(await nodes.count()).toBe(4);
    expect(await nodes.locator('code').first().textContent()).toBe(QUERY);
    expect(await explain.locator('[data-explain-node] > div > code').allTextContents()).toEqual([QUERY, 'max by (job) (envoy_listener_downstream_cx_active)', 'envoy_listener_downstream_cx_active', '0']);
    // Every node has its count from the lab: the selector several series, the aggregation one per job.
    const counts = (await explain.locator('[data-explain-count]').evaluateAll((els) => els.map((e) => e.getAttribute('data-explain-count')))).map(Number);
    expect(counts).toHaveLength(4);
    for (const n of counts) expect(n).toBeGreaterThan(0);
    expect(counts[2]).toBeGreaterThan(counts[1]!);
    const selector = explain.locator('[data-explain-node="2"]');
    expect(await selector.textContent()).toContain('Selects every series of the metric envoy_listener_downstream_cx_active');
    expect(await explain.locator('[data-explain-node="1"]').textContent()).toContain('keeping only the labels job');
    // The hint about the missing filter sits on the selector's node.
    expect(await selector.getAttribute('data-hinted')).toBe('true');
    expect(await selector.locator('[data-hint="label-filter"]').count()).toBe(1);
    expect(await explain.locator('[data-hinted]').count()).toBeGreaterThanOrEqual(1);

    // The hint's link in the verdict takes the focus to that node.
    await page.getByRole('button', { name: 'Minimize terminals' }).click();
    await box.locator('[data-hint="label-filter"]').first().getByTestId('hint-explain').click();
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-explain-node'))).toBe('2');
    await screenshot(box, 'explain');

    // A query that does not parse: the error and its caret instead of a tree.
    await typeQuery(input, 'sum(x) +');
    await box.getByRole('button', { name: 'Explain', exact: true }).click();
    await explain.locator('[data-explain-error="syntax"]').waitFor();
    expect(await explain.locator('[data-explain-node]').count()).toBe(0);
  });
});
