/**
 * Chromium for the challenge pages: the one launcher (chromium.ts) with a taller viewport, so a challenge's
 * editor, verdict and graphs fit above the dock.
 */
import { launchChromium, type TestBrowser } from './chromium.ts';

export type { TestBrowser };

const CHALLENGE_VIEWPORT = { width: 1280, height: 1000 };

export function launchBrowser(prefix: string): Promise<TestBrowser> {
  return launchChromium(prefix, CHALLENGE_VIEWPORT);
}
