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
  context.on('page', retryNavigationOnNetworkChange);
  for (const p of context.pages()) retryNavigationOnNetworkChange(p);
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

/**
 * Chromium aborts a navigation with net::ERR_NETWORK_CHANGED when the machine's interfaces change, and
 * a lab instance starting or stopping on this machine (tests run labs beside the browser) adds or
 * removes the interfaces its subnet is reached by. Such a navigation is tried again, at most twice.
 */
function retryNavigationOnNetworkChange(page: Page): void {
  const again = async <T>(navigate: () => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await navigate();
      } catch (error) {
        if (attempt >= 2 || !String(error).includes('net::ERR_NETWORK_CHANGED')) throw error;
      }
    }
  };
  const goto = page.goto.bind(page);
  const reload = page.reload.bind(page);
  page.goto = (url, options) => again(() => goto(url, options));
  page.reload = (options) => again(() => reload(options));
}

/** Visible text of a terminal's rows (xterm's DOM renderer uses no-break spaces). */
export async function screenText(page: Page, terminalId: string): Promise<string> {
  const rows = page.locator(`.pb-xterm[data-terminal-id="${terminalId}"] .xterm-rows`);
  return (await rows.innerText()).replace(/\u00a0/g, ' ');
}
