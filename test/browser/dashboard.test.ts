/**
 * The learner's dashboard in Chromium, through the built site and a gateway with a lab per learner (the
 * `connections` lab, its real Prometheus): on the authoring guide's live <Dashboard>, the learner adds a
 * panel with a title and two queries, each with a custom legend (one `{{envoy_listener_address}}`), sees
 * the chart draw the series under those names, reloads, and finds the panel with its queries and legends
 * again (saved on the server, not in the browser); the Grafana export of what they built type-checks
 * against @grafana/schema's Dashboard, and a broken model does not.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { grafanaExportPath } from '../../src/protocol/dashboard.ts';
import type { TestGateway } from '../helpers/gateway.ts';
import { startClassroomGateway } from '../helpers/classroomGateway.ts';
import { grafanaSchemaErrors } from '../helpers/grafanaSchemaCheck.ts';
import { copyBuiltSite, type SiteCopy } from './challengeSite.ts';
import { launchChromium, type TestBrowser } from './chromium.ts';
import { signInBrowser } from './signIn.ts';
import { SITE_SETUP_TIMEOUT_MS } from './siteInChromium.ts';

const PREFIX = 'pbdb';
const HOUR = 3_600_000;
const PAGE = '/authoring/components';
/** A lab starting, its Prometheus scraping, a chart's first poll: generous on a busy 2-core machine. */
const WAIT_MS = 120_000;
const EXPR_A = 'envoy_listener_downstream_cx_active{job="api"}';
const EXPR_B = 'count(envoy_listener_downstream_cx_active{job="api"})';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setUp(): Promise<{ gw: TestGateway; browser: TestBrowser }> {
  const site: SiteCopy = copyBuiltSite(PREFIX);
  cleanups.push(() => site.remove());
  const { gw, close } = await startClassroomGateway({
    prefix: PREFIX,
    lab: 'connections',
    tunables: { maxInstances: 1, warm: 0, idleMs: HOUR, warnMs: 60_000, maxLifetimeMs: 8 * HOUR },
    gateway: () => ({ siteDir: site.dir, cgroupParent: `${PREFIX}-${randomBytes(4).toString('hex')}` }),
  });
  cleanups.push(close);
  const browser = await launchChromium(PREFIX);
  cleanups.push(() => browser.close());
  await signInBrowser(browser.context, gw);
  return { gw, browser };
}

/** GET in the page, as its own code does (same origin, the page's cookie). */
function api<T>(page: Page, path: string): Promise<T> {
  return page.evaluate(async (p) => (await fetch(p, { credentials: 'same-origin' })).json(), path) as Promise<T>;
}

const dashboardOf = (page: Page) => page.locator('[data-dashboard="try-dashboard"] [data-testid="dashboard"]');
const queryOf = (panel: Locator, refId: string) => panel.locator(`[role="group"][aria-label="Query ${refId}"]`);
const legendNames = async (panel: Locator) => (await panel.locator('[data-testid="chart-legend"] li').allInnerTexts()).map((t) => t.trim()).sort();

describe('the learner’s dashboard, in Chromium', () => {
  it('builds a panel with two queries and legends, draws them, keeps them across a reload, and exports them for Grafana', async () => {
    const { gw, browser } = await setUp();
    const page = browser.page;
    await page.goto(`${gw.url}${PAGE}`);
    const dashboard = dashboardOf(page);
    await dashboard.waitFor({ timeout: WAIT_MS });
    expect(await dashboard.getAttribute('data-source')).toBe('empty');

    await dashboard.getByRole('button', { name: 'Add panel' }).click();
    const panel = dashboard.locator('[data-testid="dashboard-panel"]');
    await panel.getByLabel('Panel title').fill('API connections');
    await queryOf(panel, 'A').locator('[data-testid="promql-input"]').fill(EXPR_A);
    await queryOf(panel, 'A').getByLabel('Legend mode of query A').selectOption('custom');
    await queryOf(panel, 'A').getByLabel('Legend template of query A').fill('{{envoy_listener_address}}');
    await panel.getByRole('button', { name: 'Add query' }).click();
    await queryOf(panel, 'B').locator('[data-testid="promql-input"]').fill(EXPR_B);
    await queryOf(panel, 'B').getByLabel('Legend mode of query B').selectOption('custom');
    await queryOf(panel, 'B').getByLabel('Legend template of query B').fill('api listeners');
    await expect.poll(() => dashboard.locator('[data-testid="dashboard-save"]').getAttribute('data-state'), { timeout: WAIT_MS }).toBe('saved');

    // What the chart should name: each of query A's series by its listener address, and query B's one series.
    const addresses = async () => {
      const body = await api<{ data?: { result: { metric: Record<string, string> }[] } }>(page, `/api/prometheus/api/v1/query?query=${encodeURIComponent(EXPR_A)}`);
      return (body.data?.result ?? []).map((r) => r.metric.envoy_listener_address ?? '');
    };
    await expect.poll(async () => (await addresses()).length, { timeout: WAIT_MS, interval: 1000 }).toBeGreaterThan(0);
    const expected = [...(await addresses()), 'api listeners'].sort();
    await panel.scrollIntoViewIfNeeded();
    await expect.poll(() => legendNames(panel), { timeout: WAIT_MS, interval: 500 }).toEqual(expected);
    expect(await panel.locator('[data-testid="panel-chart"]').getAttribute('data-state')).toBe('ok');

    await page.reload();
    await dashboard.waitFor({ timeout: WAIT_MS });
    expect(await dashboard.getAttribute('data-source')).toBe('saved');
    await expect.poll(() => panel.count()).toBe(1);
    expect(await panel.getByLabel('Panel title').inputValue()).toBe('API connections');
    expect(await queryOf(panel, 'A').locator('[data-testid="promql-input"]').innerText()).toBe(EXPR_A);
    expect(await queryOf(panel, 'B').locator('[data-testid="promql-input"]').innerText()).toBe(EXPR_B);
    expect(await queryOf(panel, 'A').getByLabel('Legend mode of query A').inputValue()).toBe('custom');
    expect(await queryOf(panel, 'A').getByLabel('Legend template of query A').inputValue()).toBe('{{envoy_listener_address}}');
    expect(await queryOf(panel, 'B').getByLabel('Legend template of query B').inputValue()).toBe('api listeners');
    await panel.scrollIntoViewIfNeeded();
    await expect.poll(() => legendNames(panel), { timeout: WAIT_MS, interval: 500 }).toEqual(expected);

    // The export is a download link; its answer is the Grafana model of what was built.
    expect(await dashboard.getByRole('link', { name: 'Export for Grafana' }).getAttribute('href')).toBe(grafanaExportPath('try-dashboard'));
    const model = await api<{ panels: { title: string; targets: { refId: string; expr: string; legendFormat: string }[] }[] }>(page, grafanaExportPath('try-dashboard'));
    expect(model.panels).toEqual([
      expect.objectContaining({
        title: 'API connections',
        targets: [
          expect.objectContaining({ refId: 'A', expr: EXPR_A, legendFormat: '{{envoy_listener_address}}' }),
          expect.objectContaining({ refId: 'B', expr: EXPR_B, legendFormat: 'api listeners' }),
        ],
      }),
    ]);
    const errors = await grafanaSchemaErrors({ exported: model, broken: { ...model, schemaVersion: 'latest' } });
    expect(errors.exported).toEqual([]);
    expect(errors.broken).toEqual([expect.stringMatching(/^TS2322: Type 'string' is not assignable to type 'number'/)]);

    // A save the network dropped is not sent again by itself (it may have reached the server, and a second
    // one would meet its own version): the learner is told, and the next edit saves.
    let saves = 0;
    await page.route('**/api/dashboards/**', async (route) => {
      if (route.request().method() !== 'PUT') return route.continue();
      saves += 1;
      await route.abort('addressunreachable');
    });
    const save = dashboard.locator('[data-testid="dashboard-save"]');
    await panel.getByLabel('Panel title').fill('API connections, dropped');
    await expect.poll(() => save.getAttribute('data-state'), { timeout: WAIT_MS }).toBe('error');
    expect(saves).toBe(1);
    await page.unroute('**/api/dashboards/**');
    await panel.getByLabel('Panel title').fill('API connections, again');
    await expect.poll(() => save.getAttribute('data-state'), { timeout: WAIT_MS }).toBe('saved');
  }, SITE_SETUP_TIMEOUT_MS);
});
