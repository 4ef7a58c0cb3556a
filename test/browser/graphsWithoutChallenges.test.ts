/**
 * Graphs do not depend on the challenge list, in Chromium: the built site behind a real gateway whose
 * Prometheus pass-through reaches the offline Prometheus (the fixture) but which has no challenge set (as
 * `patchbay dev` on a lab whose challenges.yaml is absent or has errors: the challenge API answers "not
 * ready"). The scrape interval `$__rate_interval` needs comes with the lab's health; a graph without
 * Grafana's variables asks for nothing but its range query.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { startOfflineLab, type OfflineLab } from '../checker/offline.ts';
import { challengeRoutes } from '../../src/server/routes/challenges.ts';
import { ProgressStore } from '../../src/server/progressStore.ts';
import type { LabHealth } from '../../src/protocol/health.ts';
import { usesScrapeInterval } from '../../src/protocol/grafanaVariables.ts';
import { copyBuiltSite, type SiteCopy } from './challengeSite.ts';
import { launchBrowser, type TestBrowser } from './challengeBrowser.ts';
import { signInBrowser } from './signIn.ts';

const PREFIX = 'pbq';
/** A page of the course with graphs of both kinds: with `$__rate_interval` and without variables. */
const PAGE = '/course/connection-metrics';
/** A graph's first answer: (the scrape interval, then) one range query through the gateway. */
const GRAPH_SETTLE_MS = 20_000;

describe('graphs on a lab without challenges', () => {
  let site: SiteCopy | undefined;
  let lab: OfflineLab | undefined;
  let browser: TestBrowser | undefined;
  const gateways: TestGateway[] = [];
  const dirs: string[] = [];

  beforeAll(async () => {
    site = copyBuiltSite(PREFIX);
    lab = await startOfflineLab(PREFIX);
    browser = await launchBrowser(PREFIX);
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    for (const gw of gateways) await gw.close();
    await lab?.prometheus.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    site?.remove();
  });

  /** A gateway with the Prometheus pass-through and no challenge set, whose health says `health`. */
  async function gatewayWithout(health: LabHealth | null): Promise<TestGateway> {
    const dataDir = mkdtempSync(join(tmpdir(), `${PREFIX}-progress-`));
    dirs.push(dataDir);
    const gw = await startGateway({
      siteDir: site!.dir,
      cgroupParent: `${PREFIX}-${randomBytes(4).toString('hex')}`,
      routes: challengeRoutes({ set: () => null, prometheus: () => lab!.prometheus.client, progress: new ProgressStore(dataDir) }),
      healthProvider: () => health,
    });
    gateways.push(gw);
    await signInBrowser(browser!.context, gw);
    return gw;
  }

  /** Each graph of the page once settled: whether its query uses the scrape interval, its state and series. */
  async function graphsOn(page: Page, url: string): Promise<{ scrape: boolean; state: string | null; series: number }[]> {
    // The fixture lies in a fixed past: the page's clock stands at its end, so the graphs' window holds it.
    await page.clock.setFixedTime(new Date(lab!.set.offline.end * 1000));
    await page.goto(url);
    const graphs = page.getByTestId('metrics-graph');
    await graphs.first().waitFor();
    const seen = [];
    for (let i = 0; i < (await graphs.count()); i++) {
      const graph = graphs.nth(i);
      await graph.scrollIntoViewIfNeeded();
      // Settled: series drawn (the chart code loads lazily), an error box, or the "no data" note.
      await graph.locator('[data-testid="chart-legend"] li, [role="status"], p:text("No data yet")').first().waitFor({ timeout: GRAPH_SETTLE_MS });
      // The query is the caption, or the code under a graph's title.
      const code = graph.locator('figcaption code');
      const query = ((await code.count()) > 0 ? await code.textContent() : await graph.locator('figcaption').textContent()) ?? '';
      seen.push({ scrape: usesScrapeInterval(query), state: await graph.getAttribute('data-state'), series: await graph.getByTestId('chart-legend').locator('li').count() });
    }
    return seen;
  }

  it('draws every graph when the lab health gives the scrape interval, though the challenge API answers "not ready"', async () => {
    const gw = await gatewayWithout({ name: 'connections', instance: 'offline', state: 'ready', hosts: [], failing: [], scrapeIntervalSeconds: lab!.set.scrapeInterval });
    expect((await fetch(`${gw.url}/api/challenges`, { headers: { cookie: gw.cookie } })).status).toBe(503);
    const page = await browser!.context.newPage();
    try {
      const graphs = await graphsOn(page, `${gw.url}${PAGE}`);
      expect(graphs.filter((g) => g.scrape).length).toBeGreaterThan(0);
      expect(graphs.filter((g) => !g.scrape).length).toBeGreaterThan(0);
      expect(graphs.filter((g) => g.state !== 'ok' || g.series === 0)).toEqual([]);
    } finally {
      await page.close();
    }
  }, 120_000);

  it('draws the graphs without variables when no lab says its scrape interval; the others say the lab is not ready', async () => {
    const gw = await gatewayWithout(null);
    const page = await browser!.context.newPage();
    try {
      const graphs = await graphsOn(page, `${gw.url}${PAGE}`);
      expect(graphs.filter((g) => !g.scrape).map((g) => g.state)).toEqual(graphs.filter((g) => !g.scrape).map(() => 'ok'));
      expect(graphs.filter((g) => g.scrape).map((g) => g.state)).toEqual(graphs.filter((g) => g.scrape).map(() => 'not-ready'));
    } finally {
      await page.close();
    }
  }, 120_000);
});
