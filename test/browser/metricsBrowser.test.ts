/**
 * The metrics browser in a challenge's editor, on the built site with a live `connections` lab (a real
 * Prometheus scraping the sidecars, so /api/v1/metadata has their TYPEs), in Chromium: the learner opens
 * it with the Metrics button, filters to a counter, sees its TYPE, picks a label and a value with the
 * keyboard, inserts a rate query at the cursor, and the challenge grades it. A gauge's rate is refused
 * with the reason.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import type { LearnerLabStatus } from '../../src/protocol/learnerLab.ts';
import { startClassroomGateway, type ClassroomGateway } from '../helpers/classroomGateway.ts';
import { copyBuiltSite, type SiteCopy } from './challengeSite.ts';
import { launchBrowser, type TestBrowser } from './challengeBrowser.ts';
import { findChallenge } from './challengePage.ts';
import { PAGE_WAIT_MS, SITE_SETUP_TIMEOUT_MS } from './siteInChromium.ts';

const PREFIX = 'pbmb';
const HOUR = 3_600_000;
const LESSON = '/course/connection-metrics';
const CHALLENGE_ID = 'api-destroyed-connections-rate';
const COUNTER = 'envoy_listener_downstream_cx_destroy';
const GAUGE = 'envoy_listener_downstream_cx_active';
const LABEL = 'envoy_listener_address';
/** The api sidecar's outbound listener, which the challenge asks about. */
const OUTBOUND = '127.0.0.1_15001';
/** A lab's start, its first scrapes and a check on a busy 2-core machine. */
const LAB_WAIT_MS = 120_000;

/** GET or POST in the page, as its own code does (same origin, the page's cookie). */
function api<T>(page: Page, path: string, method = 'GET'): Promise<T> {
  return page.evaluate(async ([p, m]) => (await fetch(p!, { method: m, credentials: 'same-origin' })).json(), [path, method]) as Promise<T>;
}

/** Presses `key` until the list's active option (aria-activedescendant) reads `name`. */
async function arrowTo(list: Locator, name: string): Promise<void> {
  // A value's option starts with its check box glyph (hidden from screen readers).
  const names = (await list.getByRole('option').allTextContents()).map((t) => t.replace(/^[☐☑]/, '').trim());
  const at = names.findIndex((n) => n === name || n.startsWith(`${name} `));
  expect(at, `${name} among ${names.join(', ')}`).toBeGreaterThanOrEqual(0);
  const page = list.page();
  await page.keyboard.press('Home');
  for (let i = 0; i < at; i++) await page.keyboard.press('ArrowDown');
  const active = await list.getAttribute('aria-activedescendant');
  expect((await list.locator(`[id="${active}"]`).textContent())?.replace(/^[☐☑]/, '').trim().startsWith(name)).toBe(true);
}

/** The editor's text, without its placeholder (drawn inside it while the editor is empty). */
function editorText(input: Locator): Promise<string> {
  return input.evaluate((el) => {
    const copy = el.cloneNode(true) as HTMLElement;
    for (const p of copy.querySelectorAll('.cm-placeholder')) p.remove();
    return copy.textContent ?? '';
  });
}

describe('the metrics browser', () => {
  const made: { site?: SiteCopy; classroom?: ClassroomGateway; browser?: TestBrowser } = {};

  beforeAll(async () => {
    const site = (made.site = copyBuiltSite(PREFIX));
    const classroom = (made.classroom = await startClassroomGateway({
      prefix: PREFIX,
      lab: 'connections',
      tunables: { maxInstances: 1, warm: 0, idleMs: HOUR, warnMs: 60_000, maxLifetimeMs: 8 * HOUR },
      gateway: () => ({ siteDir: site.dir, cgroupParent: `${PREFIX}-${randomBytes(4).toString('hex')}` }),
    }));
    made.browser = await launchBrowser(PREFIX, classroom.gw);
  }, SITE_SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await made.browser?.close();
    await made.classroom?.close();
    made.site?.remove();
  });

  it('inserts a rate query built from a metric, a label and a value, which the challenge grades', async () => {
    const page = made.browser!.page;
    const gw = made.classroom!.gw;
    await page.goto(`${gw.url}${LESSON}`);
    await api(page, '/api/lab', 'POST');
    await expect.poll(async () => (await api<LearnerLabStatus>(page, '/api/lab')).phase, { timeout: LAB_WAIT_MS, interval: 1000 }).toBe('ready');
    // The lab's Prometheus has scraped the sidecars: the counter's TYPE is known and the outbound listener has series.
    await expect
      .poll(async () => (await api<{ data?: Record<string, unknown> }>(page, `/api/prometheus/api/v1/metadata?metric=${COUNTER}`)).data?.[COUNTER] !== undefined, { timeout: LAB_WAIT_MS, interval: 1000 })
      .toBe(true);
    const outboundSeries = `/api/prometheus/api/v1/series?match[]=${encodeURIComponent(`${COUNTER}{${LABEL}="${OUTBOUND}"}`)}`;
    await expect.poll(async () => (await api<{ data?: unknown[] }>(page, outboundSeries)).data?.length ?? 0, { timeout: LAB_WAIT_MS, interval: 1000 }).toBeGreaterThan(0);

    const { box, input } = await findChallenge(page, CHALLENGE_ID);
    expect(await editorText(input)).toBe('');
    const toggle = box.getByRole('button', { name: 'Metrics' });
    await toggle.click();
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    const browser = box.getByRole('region', { name: 'Metrics browser' });
    const filter = browser.getByRole('combobox');
    // The filter box has the focus: typing filters at once.
    await expect.poll(() => filter.evaluate((el) => el === document.activeElement)).toBe(true);
    const metrics = browser.getByRole('listbox', { name: 'Metrics' });
    await metrics.getByRole('option').first().waitFor({ timeout: PAGE_WAIT_MS });

    // A gauge: no rate query, and the reason says why.
    await page.keyboard.type(GAUGE);
    await expect.poll(() => metrics.getByRole('option').first().locator('span').first().textContent()).toBe(GAUGE);
    await page.keyboard.press('Enter');
    await expect.poll(() => browser.getByTestId('metric-type').textContent()).toContain('gauge');
    const rate = browser.getByRole('button', { name: 'Use as rate query' });
    expect(await rate.getAttribute('aria-disabled')).toBe('true');
    expect(await browser.getByTestId('rate-disabled-reason').textContent()).toContain('is a gauge');
    // aria-disabled keeps the button focusable (its reason is read out); a click on it must do nothing.
    await rate.click({ force: true });
    expect(await editorText(input)).toBe('');

    // The counter, chosen with the keyboard from the filter box.
    await filter.fill('');
    await filter.click();
    await page.keyboard.type(COUNTER);
    await expect.poll(() => metrics.getByRole('option').first().locator('span').first().textContent()).toBe(COUNTER);
    await page.keyboard.press('Enter');
    await expect.poll(() => browser.getByTestId('metric-type').textContent()).toContain('TYPE counter');
    // The sidecar, as Envoy, publishes TYPE without HELP: the browser says so rather than showing nothing.
    expect(await browser.getByTestId('metric-help').textContent()).toBeTruthy();
    expect(await rate.getAttribute('aria-disabled')).toBe('false');

    // Its labels, and the keyboard moved there.
    const labels = browser.getByRole('listbox', { name: `Labels of ${COUNTER}` });
    await labels.getByRole('option').first().waitFor({ timeout: PAGE_WAIT_MS });
    await expect.poll(() => labels.evaluate((el) => el === document.activeElement)).toBe(true);
    const labelNames = (await labels.getByRole('option').allTextContents()).map((t) => t.trim());
    expect(labelNames).toContain(LABEL);
    expect(labelNames).not.toContain('__name__');
    await arrowTo(labels, LABEL);
    await page.keyboard.press('Enter');

    // Its values, narrowed to the metric; Space picks one.
    const values = browser.getByRole('listbox', { name: `Values of ${LABEL}` });
    await values.getByRole('option').first().waitFor({ timeout: PAGE_WAIT_MS });
    await expect.poll(() => values.evaluate((el) => el === document.activeElement)).toBe(true);
    await arrowTo(values, OUTBOUND);
    await page.keyboard.press(' ');
    const selector = `${COUNTER}{${LABEL}="${OUTBOUND}"}`;
    await expect.poll(() => browser.getByTestId('metrics-browser-selector').textContent()).toBe(selector);
    expect(await values.getByRole('option', { selected: true }).count()).toBe(1);

    await rate.click();
    const query = `rate(${selector}[$__rate_interval])`;
    await expect.poll(() => editorText(input)).toBe(query);
    // The browser closed and the editor has the keyboard, with the cursor after the inserted text.
    expect(await browser.count()).toBe(0);
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    await expect.poll(() => input.evaluate((el) => el === document.activeElement)).toBe(true);

    // Enter checks it, as for a typed answer; the outbound listener's destroy rate is the answer. A lab
    // this young may not have two scrapes of it in the window yet: the box says so, and the learner
    // presses Enter again a little later.
    await page.keyboard.press('Enter');
    const verdict = box.locator('[data-verdict]');
    await verdict.waitFor({ timeout: LAB_WAIT_MS });
    const deadline = Date.now() + LAB_WAIT_MS;
    while ((await verdict.getAttribute('data-error-kind')) === 'needs-data' && Date.now() < deadline) {
      await page.waitForTimeout(2000);
      await input.click();
      await page.keyboard.press('End');
      await page.keyboard.press('Enter');
      await expect.poll(() => box.getByRole('button', { name: 'Check' }).isEnabled()).toBe(true);
    }
    expect(await verdict.getAttribute('data-verdict'), (await verdict.textContent()) ?? '').toBe('pass');
  }, SITE_SETUP_TIMEOUT_MS);
});
