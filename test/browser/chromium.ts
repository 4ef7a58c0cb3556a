/** Debian's Chromium through playwright-core, with the project's flags and a fresh profile per launch. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** Default viewport: wide enough for the page and the dock side by side with the sidebar. */
const VIEWPORT = { width: 1280, height: 900 };

export async function launchChromium(prefix: string, viewport = VIEWPORT): Promise<TestBrowser> {
  const userDataDir = mkdtempSync(join(tmpdir(), `${prefix}-chromium-`));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Visible text of a terminal's rows (xterm's DOM renderer uses no-break spaces). */
export async function screenText(page: Page, terminalId: string): Promise<string> {
  const rows = page.locator(`.pb-xterm[data-terminal-id="${terminalId}"] .xterm-rows`);
  return (await rows.innerText()).replace(/\u00a0/g, ' ');
}
