/** Reading a terminal of the dock off the screen, as the learner does, while the shell behind it runs. */
import type { Page } from 'playwright-core';
import { screenText } from './chromium.ts';
import { PAGE_WAIT_MS } from './siteInChromium.ts';

/** How often the screen is read: xterm renders on animation frames, with no event to wait on from outside the page. */
const SCREEN_POLL_MS = 50;

/** The screen of terminal `terminalId` once `test` holds for it; throws with the screen after `timeoutMs`. */
export async function waitForScreen(page: Page, terminalId: string, test: (text: string) => boolean, what: string, timeoutMs = PAGE_WAIT_MS): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await screenText(page, terminalId);
    if (test(text)) return text;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; screen:\n${text}`);
    await page.waitForTimeout(SCREEN_POLL_MS);
  }
}

/** How many times `needle` stands in `text`: a command typed twice shows twice. */
export function occurrences(text: string, needle: string): number {
  return text.split(needle).length - 1;
}
