/**
 * Chromium for the challenge pages: the one launcher (chromium.ts) with a taller viewport, so a challenge's
 * editor, verdict and graphs fit above the dock.
 */
import type { TestGateway } from '../helpers/gateway.ts';
import { launchChromium, type TestBrowser } from './chromium.ts';
import { signInBrowser } from './signIn.ts';

export type { TestBrowser };

const CHALLENGE_VIEWPORT = { width: 1280, height: 1000 };

/** Signed in to each of `gateways` through its sign-in link, as a learner is. */
export async function launchBrowser(prefix: string, ...gateways: Pick<TestGateway, 'signInUrl' | 'url'>[]): Promise<TestBrowser> {
  const browser = await launchChromium(prefix, CHALLENGE_VIEWPORT);
  try {
    await signInBrowser(browser.context, ...gateways);
  } catch (error) {
    await browser.close();
    throw error;
  }
  return browser;
}
