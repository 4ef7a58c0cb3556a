/**
 * Signing in, in Chromium against the built site: without the printed link the page is the gateway's
 * sign-in page and no terminal opens; opening the link (as a learner does from the server's output)
 * lands on the site with a working terminal, typed into by hand and read off the screen.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openSiteInChromium, PAGE_WAIT_MS, SITE_SETUP_TIMEOUT_MS, type SiteInChromium } from './siteInChromium.ts';
import { waitForScreen } from './terminalScreen.ts';

const PREFIX = 'pbsi';

let app: SiteInChromium;
let page: Page;

beforeAll(async () => {
  app = await openSiteInChromium(PREFIX, {}, { signIn: false });
  page = app.page;
}, SITE_SETUP_TIMEOUT_MS);

afterAll(() => app?.close());

describe('signing in', () => {
  it('shows the sign-in page and no terminal to a browser that has not opened the link', async () => {
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    const response = await page.goto(`${app.gw.url}/`);
    expect(response?.status()).toBe(401);
    expect(await page.locator('h1').innerText()).toBe('Sign in to Patchbay');
    expect(await page.locator('body').innerText()).toContain('?token=');
    expect(await page.locator('.pb-xterm').count()).toBe(0);
    expect(await page.locator('input[name="token"]').count()).toBe(1);
    expect(sockets).toEqual([]);
  });

  it('a wrong pasted token keeps the sign-in page and says why', async () => {
    await page.locator('input[name="token"]').fill('not-the-token');
    await page.locator('button[type="submit"]').click();
    await page.locator('[data-code="PB_BAD_TOKEN"]').waitFor({ timeout: PAGE_WAIT_MS });
    expect(await page.locator('.pb-xterm').count()).toBe(0);
  });

  it('opening the printed link signs in, drops the token from the address, and gives a working terminal', async () => {
    await page.goto(app.gw.signInUrl);
    expect(new URL(page.url()).search).toBe('');
    expect(await page.locator('article h1').innerText()).toBe('Welcome to Patchbay');
    await page.locator('[data-terminal-tab="tools"][data-state="connected"]').waitFor({ timeout: PAGE_WAIT_MS });
    await page.locator('.pb-xterm[data-terminal-id="tools"]').click();
    await page.keyboard.type('echo signed-in-$((6*7))');
    await page.keyboard.press('Enter');
    await waitForScreen(page, 'tools', (t) => t.includes('signed-in-42'), 'the typed command output');
    // The cookie is the gateway's alone: no script of the page can read it.
    expect(await page.evaluate(() => document.cookie)).toBe('');
  });
});
