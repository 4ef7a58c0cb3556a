/**
 * The built site (a private copy) behind a real gateway whose challenge routes check answers against the
 * offline Prometheus on the connections fixture: what the Chromium tests of challenges, graphs and course
 * pages open. Everything it makes is named after the test file's prefix and is gone after close().
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { startOfflineLab, type OfflineLab } from '../checker/offline.ts';
import { LocalTargetResolver } from '../../src/terminal/LocalTargetResolver.ts';
import { challengeRoutes } from '../../src/server/routes/challenges.ts';
import { offlineWindow } from '../../src/checker/checkAnswer.ts';
import { ProgressStore } from '../../src/server/progressStore.ts';
import type { PrometheusClient, RangeWindow } from '../../src/checker/prometheusClient.ts';
import { copyBuiltSite, type SiteCopy } from './challengeSite.ts';

export interface OfflineChallengeSite extends OfflineLab {
  gw: TestGateway;
  /**
   * Another gateway on the same site, workspace and progress, whose checks ask `prometheus` (null: the
   * lab is not running) over the offline window. The caller closes it.
   */
  anotherGateway(prometheus: () => PrometheusClient | null): Promise<TestGateway>;
  close(): Promise<void>;
}

export interface OfflineChallengeSiteOptions {
  /** A stretch of the fixture for the checks to evaluate over instead of the offline window, when it returns one. */
  window?: () => RangeWindow | null;
}

export async function startOfflineChallengeSite(prefix: string, options: OfflineChallengeSiteOptions = {}): Promise<OfflineChallengeSite> {
  const made: { site?: SiteCopy; lab?: OfflineLab; dirs: string[]; gw?: TestGateway } = { dirs: [] };
  const close = async () => {
    await made.gw?.close();
    await made.lab?.prometheus.stop();
    for (const dir of made.dirs) rmSync(dir, { recursive: true, force: true });
    made.site?.remove();
  };
  try {
    const site = (made.site = copyBuiltSite(prefix));
    const lab = (made.lab = await startOfflineLab(prefix));
    const dataDir = mkdtempSync(join(tmpdir(), `${prefix}-progress-`));
    const workspace = mkdtempSync(join(tmpdir(), `${prefix}-ws-`));
    made.dirs.push(dataDir, workspace);
    const gateway = (prometheus: () => PrometheusClient | null, window: () => RangeWindow) =>
      startGateway({
        siteDir: site.dir,
        resolver: new LocalTargetResolver({ workspace }),
        cgroupParent: `${prefix}-${randomBytes(4).toString('hex')}`,
        routes: challengeRoutes({ set: lab.set, prometheus, progress: new ProgressStore(dataDir), window }),
        // As a running lab's health does: graphs take the scrape interval from it (`$__rate_interval`).
        healthProvider: () => (prometheus() ? { name: lab.set.lab, instance: 'offline', state: 'ready', hosts: [], failing: [], scrapeIntervalSeconds: lab.set.scrapeInterval } : null),
      });
    const gw = (made.gw = await gateway(
      () => lab.prometheus.client,
      () => options.window?.() ?? offlineWindow(lab.set),
    ));
    return { ...lab, gw, anotherGateway: (prometheus) => gateway(prometheus, () => offlineWindow(lab.set)), close };
  } catch (e) {
    await close();
    throw e;
  }
}
