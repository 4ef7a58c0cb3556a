/** A learner's hands on a <Challenge> in Chromium: finding its editor, typing into it, a page with its own clock. */
import { expect } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import type { TestGateway } from '../helpers/gateway.ts';
import { launchBrowser } from './challengeBrowser.ts';

export interface ChallengeBox {
  box: Locator;
  /** Its PromQL editor. */
  input: Locator;
}

/** The challenge `id` on the page, once its editor (loaded lazily) is shown. */
export async function findChallenge(page: Page, id: string): Promise<ChallengeBox> {
  const box = page.locator(`[data-challenge="${id}"]`);
  const input = box.getByTestId('promql-input');
  await input.waitFor();
  return { box, input };
}

/** Replaces the editor's text by typing, as a learner would (brackets and quotes auto-close and are typed over). */
export async function typeQuery(input: Locator, text: string): Promise<void> {
  const { keyboard } = input.page();
  await input.click();
  await keyboard.press('Control+A');
  await keyboard.press('Backspace');
  await keyboard.type(text);
  await keyboard.press('Escape'); // close the completion list, if open
  await expect.poll(() => input.textContent()).toBe(text);
}

/**
 * Runs `run` on a page whose clock starts at `timeMs` and then runs on, in a browser of its own (a fake
 * clock applies to a whole context), closed afterwards.
 */
export async function withPageAt(prefix: string, gw: Pick<TestGateway, 'signInUrl' | 'url'>, timeMs: number, run: (page: Page) => Promise<void>): Promise<void> {
  // Signed in (on the real clock) before the page's clock is set.
  const own = await launchBrowser(prefix, gw);
  try {
    const page = await own.context.newPage();
    await page.clock.install({ time: timeMs });
    await run(page);
  } finally {
    await own.close();
  }
}
