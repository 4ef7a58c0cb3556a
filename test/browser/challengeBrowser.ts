/**
 * Chromium for the challenge browser tests: /usr/bin/chromium through playwright-core with the project's
 * flags and a fresh profile directory, both gone after close().
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(prefix: string): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), `${prefix}-chrome-`));
  // Playwright takes the user-data-dir only through a persistent context (not as a flag).
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: [...FLAGS], viewport: { width: 1280, height: 1000 } });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
