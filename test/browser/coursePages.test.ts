/**
 * What a learner meets around the lessons, in real Chromium against the built site and a real gateway
 * (challenge routes on the offline Prometheus): the course's landing page and its cards, the completion
 * page after the last lesson, the authoring guide kept out of the learner's sidebar, focus after "Show
 * answer", and the completion list of the PromQL editor.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startOfflineChallengeSite, type OfflineChallengeSite } from './offlineChallengeSite.ts';
import { findChallenge, typeQuery, withPageAt } from './challengePage.ts';
import { launchBrowser, type TestBrowser } from './challengeBrowser.ts';
import { PAGE_WAIT_MS } from './siteInChromium.ts';

const PREFIX = 'pbk';
/** The challenge on the welcome page. */
const CHALLENGE_ID = 'api-active-connections';
/** Characters drawn from an emoji font: without one (Debian's Chromium has none) they show as empty boxes. */
const EMOJI = /\p{Extended_Pictographic}/u;

describe('around the lessons', () => {
  let site: OfflineChallengeSite | undefined;
  let browser: TestBrowser | undefined;

  beforeAll(async () => {
    site = await startOfflineChallengeSite(PREFIX);
    browser = await launchBrowser(PREFIX, site.gw);
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  /** A page of its own, closed afterwards. */
  async function withPage(run: (page: Page) => Promise<void>): Promise<void> {
    const page = await browser!.context.newPage();
    try {
      await run(page);
    } finally {
      await page.close();
    }
  }

  const sidebar = (page: Page) => page.locator('nav[aria-label="Docs sidebar"]');
  /** Opens a page and waits until React has hydrated it: a click before that may be lost on a busy machine. */
  const open = async (page: Page, path: string) => {
    await page.goto(`${site!.gw.url}${path}`);
    await page.waitForSelector('html[data-has-hydrated="true"]', { timeout: PAGE_WAIT_MS });
  };
  const nextLink = (page: Page) => page.locator('a.pagination-nav__link--next');

  it('opens the course on a landing page whose lesson cards carry drawn icons, not emoji', () =>
    withPage(async (page) => {
      await open(page, `/`);
      // The way a learner goes: the course in the sidebar.
      await sidebar(page).getByRole('link', { name: 'Connections in a service mesh' }).click();
      await expect.poll(() => page.locator('h1').textContent(), { timeout: PAGE_WAIT_MS }).toBe('Connections in a service mesh');
      const cards = page.locator('article a.card');
      await expect.poll(() => cards.count()).toBe(5);
      const titles = (await cards.locator('h2').allTextContents()).map((t) => t.trim());
      expect(titles).toEqual(['1. Connection metrics', '2. Requests versus connections', '3. Connection pools and circuit breaking', '4. Connection states per host', 'You finished the course']);
      for (const title of await cards.locator('h2').all()) {
        expect(await title.textContent()).not.toMatch(EMOJI);
        const icon = title.locator('svg');
        expect(await icon.count()).toBe(1);
        const box = await icon.boundingBox();
        expect(box!.width).toBeGreaterThan(8);
      }
      // It says where to start, and starting leads to lesson 1.
      await page.locator('article').getByRole('link', { name: '1. Connection metrics' }).last().click();
      await expect.poll(() => page.locator('h1').textContent(), { timeout: PAGE_WAIT_MS }).toBe('1. Connection metrics');
    }));

  it('leads from the last lesson to the completion page, and no further', () =>
    withPage(async (page) => {
      await open(page, `/course/connection-states`);
      await expect.poll(() => nextLink(page).textContent()).toContain('You finished the course');
      await nextLink(page).click();
      await expect.poll(() => page.locator('h1').textContent(), { timeout: PAGE_WAIT_MS }).toBe('You finished the course');
      expect(await page.locator('article').textContent()).toContain('What you can now tell');
      expect(await nextLink(page).count()).toBe(0);
    }));

  it("keeps the authoring guide out of the learner's sidebar, one click away in the footer", () =>
    withPage(async (page) => {
      await open(page, `/course/connection-metrics`);
      const learner = (await sidebar(page).innerText()).split('\n').map((l) => l.trim());
      expect(learner).toEqual(expect.arrayContaining(['Welcome to Patchbay', 'Connections in a service mesh', '1. Connection metrics', 'You finished the course']));
      expect(learner.filter((l) => /author|writing lessons|lab definition/i.test(l))).toEqual([]);
      await page.locator('footer').getByRole('link', { name: /authoring guide/i }).click();
      await expect.poll(() => page.locator('h1').textContent(), { timeout: PAGE_WAIT_MS }).toBe('Writing lessons');
      const guide = (await sidebar(page).innerText()).split('\n').map((l) => l.trim());
      expect(guide).toEqual(expect.arrayContaining(['Writing lessons', 'Components', 'Porting a Shipyard lesson']));
      expect(guide.filter((l) => /connection metrics|welcome/i.test(l))).toEqual([]);
    }));

  it('keeps the keyboard in the challenge after "Show answer"', () =>
    withPage(async (page) => {
      await open(page, `/`);
      const { box, input } = await findChallenge(page, CHALLENGE_ID);
      await typeQuery(input, 'envoy_listener_downstream_cx_active');
      await box.getByRole('button', { name: 'Check' }).click();
      await expect.poll(() => box.locator('[data-verdict]').getAttribute('data-verdict')).toBe('fail');
      // Keyboard only: from Check, Tab past Explain to "Show answer" and press Enter.
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Explain');
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Show answer');
      await page.keyboard.press('Enter');
      await box.getByTestId('challenge-reference').waitFor();
      // The button is gone; the keyboard is on the answer it revealed, not back at the top of the page.
      expect(await page.evaluate(() => document.activeElement?.closest('[data-testid="challenge-reference"]') !== null)).toBe(true);
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Put it in the editor');
    }));

  it('closes the completion list when the answer is checked, and draws it where it is seen, never over the terminal dock', () =>
    // Completion asks for names seen in the last hours before "now": the page's clock is set to the
    // fixture's end.
    withPageAt(PREFIX, site!.gw, site!.set.offline.end * 1000, async (page) => {
      await open(page, `/`);
      const { box, input } = await findChallenge(page, CHALLENGE_ID);
      const list = page.locator('.cm-tooltip-autocomplete');
      const dockTop = () => page.getByTestId('terminal-dock').evaluate((el) => el.getBoundingClientRect().top);
      /** Scrolls the page so the editor's bottom edge is `y` pixels from the top of the window. */
      const editorBottomAt = (y: number) => input.evaluate((el, to) => window.scrollBy(0, el.getBoundingClientRect().bottom - to), y);
      const openList = async (where: 'click' | 'in place' = 'click') => {
        // In place: the keyboard focus without a click, which Playwright would first scroll to a spot it can hit.
        if (where === 'click') await input.click();
        else await input.evaluate((el) => el.focus({ preventScroll: true }));
        await page.keyboard.press('Control+A');
        await page.keyboard.press('Backspace');
        await page.keyboard.type('envoy_cluster_upstream_cx');
        await list.waitFor();
      };

      // Ctrl+Enter checks the answer: the list closes.
      await input.scrollIntoViewIfNeeded();
      await openList();
      await page.keyboard.press('Control+Enter');
      await box.locator('[data-verdict]').waitFor();
      await expect.poll(() => list.count()).toBe(0);
      // So does the Check button.
      await openList();
      await box.getByRole('button', { name: 'Check' }).click();
      await expect.poll(() => list.count()).toBe(0);

      // An editor just above the dock: the list opens above it, not down over the terminal.
      // The challenge may sit near the end of the page, where it cannot scroll that far: room is added
      // below the content first (the page's layout above the editor is unchanged).
      await page.evaluate(() => {
        document.body.style.paddingBottom = `${window.innerHeight}px`;
      });
      // Scrolled again until it stays: the box above may still grow as the last check's graphs load.
      let settled = 0;
      await expect
        .poll(async () => {
          await editorBottomAt((await dockTop()) - 10);
          await page.waitForTimeout(100);
          const off = Math.abs((await input.evaluate((el) => el.getBoundingClientRect().bottom)) - ((await dockTop()) - 10));
          settled = off < 2 ? settled + 1 : 0;
          return settled >= 3 ? 'in place' : `${off.toFixed(0)} px off`;
        })
        .toBe('in place');
      await openList('in place');
      // The list, the editor and the dock read at one instant per poll: completions arriving later redraw
      // and move the list, and typing may scroll the editor.
      const placement = () =>
        input.evaluate((editor) => {
          const list = document.querySelector('.cm-tooltip-autocomplete')?.getBoundingClientRect();
          const dock = document.querySelector('[data-testid="terminal-dock"]')!.getBoundingClientRect();
          const top = editor.getBoundingClientRect().top;
          if (!list) return 'closed';
          return `${list.bottom <= dock.top ? 'clear of the dock' : 'over the dock'}, ${list.top < top ? 'above the editor' : 'not above the editor'} (list ${list.top}-${list.bottom}, editor top ${top}, dock top ${dock.top})`;
        });
      await expect.poll(placement).toMatch(/^clear of the dock, above the editor/);
      // Its editor scrolled behind the dock: the list goes with it instead of floating over the terminal.
      await page.mouse.move(300, 200);
      await page.mouse.wheel(0, -300);
      await expect.poll(() => input.evaluate((el) => el.getBoundingClientRect().top)).toBeGreaterThan(await dockTop());
      await expect.poll(async () => {
        const b = await list.boundingBox().catch(() => null);
        return b === null || b.y + b.height <= 0 || b.y >= page.viewportSize()!.height;
      }).toBe(true);
    }));
});
