/**
 * Screenshots for a person to look at, never for a test to judge: written only when
 * PATCHBAY_TEST_SCREENSHOTS names a directory, so a test run leaves no file behind.
 */
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';

export async function screenshot(what: Page | Locator, name: string): Promise<void> {
  const dir = process.env.PATCHBAY_TEST_SCREENSHOTS;
  if (dir) await what.screenshot({ path: join(dir, `${name}.png`) });
}
