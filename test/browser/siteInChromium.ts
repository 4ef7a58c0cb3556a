/**
 * The built site behind a real gateway, open in Chromium: the set-up of the browser tests of terminals.
 * The site is a private copy (another build empties build/site, which would pull lazy chunks from under
 * the page). Everything it makes is named after the test file's prefix and is gone after close().
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import type { GatewayOptions } from '../../src/server/createGateway.ts';
import { LocalTargetResolver } from '../../src/terminal/LocalTargetResolver.ts';
import { copyBuiltSite, type SiteCopy } from './challengeSite.ts';
import { launchChromium, type TestBrowser } from './chromium.ts';
import { signInBrowser } from './signIn.ts';

/** Building the site takes a couple of minutes on this machine: the timeout of a set-up that may build it. */
export const SITE_SETUP_TIMEOUT_MS = 600_000;
/** How long a test waits on the page: a cold page load and a login shell on a busy 2-core machine. */
export const PAGE_WAIT_MS = 30_000;

export interface SiteInChromium {
  gw: TestGateway;
  browser: TestBrowser;
  page: Page;
  /**
   * The shells' HOME and workspace when the gateway opens local shells (no `resolver` given): a fresh
   * temp dir, so the machine's own dotfiles (slow, shared) stay out of the test.
   */
  home: string | undefined;
  close(): Promise<void>;
}

/**
 * `gateway.resolver`: where terminals open; without one, local shells in a temp HOME. The browser has
 * opened the sign-in link, as a learner does first, unless `signIn` is false.
 */
export async function openSiteInChromium(prefix: string, gateway: Pick<GatewayOptions, 'resolver' | 'healthProvider' | 'routes'> = {}, { signIn = true } = {}): Promise<SiteInChromium> {
  const made: { site?: SiteCopy; home?: string; gw?: TestGateway; browser?: TestBrowser } = {};
  const close = async () => {
    await made.browser?.close();
    await made.gw?.close();
    made.site?.remove();
    if (made.home) rmSync(made.home, { recursive: true, force: true });
  };
  try {
    const site = (made.site = copyBuiltSite(prefix));
    let resolver = gateway.resolver;
    if (!resolver) {
      const home = (made.home = mkdtempSync(join(tmpdir(), `${prefix}-home-`)));
      resolver = new LocalTargetResolver({ workspace: home, env: { HOME: home } });
    }
    const gw = (made.gw = await startGateway({ ...gateway, siteDir: site.dir, cgroupParent: `${prefix}-${randomBytes(4).toString('hex')}`, resolver }));
    const browser = (made.browser = await launchChromium(prefix));
    if (signIn) await signInBrowser(browser.context, gw);
    return { gw, browser, page: browser.page, home: made.home, close };
  } catch (e) {
    await close();
    throw e;
  }
}
