/**
 * Signs a browser in as a learner does: it opens the gateway's printed sign-in link, which sets the
 * session cookie and redirects to the page without the token. A page of its own, closed afterwards, so
 * the test's pages start as they would. Cookies are named after the gateway's port, so one browser can
 * be signed in to several gateways at once.
 */
import type { BrowserContext } from 'playwright-core';
import type { TestGateway } from '../helpers/gateway.ts';

export async function signInBrowser(context: BrowserContext, ...gateways: Pick<TestGateway, 'signInUrl' | 'url'>[]): Promise<void> {
  const page = await context.newPage();
  try {
    for (const gw of gateways) {
      // Only the redirect matters: the page it leads to need not finish loading.
      await page.goto(gw.signInUrl, { waitUntil: 'commit' });
      if (page.url().includes('token=')) throw new Error(`signing in at ${gw.url} did not redirect away from the token`);
    }
  } finally {
    await page.close();
  }
}
