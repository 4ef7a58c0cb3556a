/**
 * The <Challenge> UI end to end: the built site served by a real gateway with the challenge routes,
 * checked against the offline Prometheus (promtool-backfilled fixture), driven in real Chromium.
 * A wrong answer fails with the expected hint; "Show answer" reveals the reference; the reference passes;
 * after a reload the challenge is marked done and the page summary counts it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { LocalTargetResolver } from '../../src/terminal/LocalTargetResolver.ts';
import { loadChallenges, type Challenge } from '../../src/checker/challenges.ts';
import { startOfflinePrometheus, type OfflinePrometheus } from '../../src/checker/offlinePrometheus.ts';
import { challengeRoutes } from '../../src/server/routes/challenges.ts';
import { offlineWindow } from '../../src/checker/checkAnswer.ts';
import { ProgressStore } from '../../src/checker/progressStore.ts';
import { SITE_DIR, ensureSiteBuilt } from './challenge-site.ts';
import { launchBrowser, type TestBrowser } from './challenge-browser.ts';

const PREFIX = 'pbg';
/** The challenge on the welcome page, and the answer that must fail with a label-filter hint. */
const CHALLENGE_ID = 'api-active-connections';
const SCREENSHOT = '/tmp/pbg-challenge.png';

describe('<Challenge> in the browser', () => {
  let prometheus: OfflinePrometheus | undefined;
  let gw: TestGateway | undefined;
  let browser: TestBrowser | undefined;
  let challenge: Challenge;
  let dataDir: string;
  let workspace: string;

  beforeAll(async () => {
    ensureSiteBuilt();
    const loaded = await loadChallenges('connections');
    if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
    const found = loaded.set.challenges.find((c) => c.id === CHALLENGE_ID);
    if (!found) throw new Error(`challenge ${CHALLENGE_ID} is not in labs/connections/challenges.yaml`);
    challenge = found;
    const started = await startOfflinePrometheus(loaded.set, { prefix: PREFIX });
    if (!started.ok) throw new Error(started.message);
    prometheus = started.prometheus;
    dataDir = mkdtempSync(join(tmpdir(), `${PREFIX}-progress-`));
    workspace = mkdtempSync(join(tmpdir(), `${PREFIX}-ws-`));
    gw = await startGateway({
      siteDir: SITE_DIR,
      resolver: new LocalTargetResolver({ workspace }),
      cgroupParent: `${PREFIX}-${randomBytes(4).toString('hex')}`,
      routes: challengeRoutes({ set: loaded.set, prometheus: () => prometheus!.client, progress: new ProgressStore(dataDir), window: () => offlineWindow(loaded.set) }),
    });
    browser = await launchBrowser(PREFIX);
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    await prometheus?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  it('fails a wrong answer with its hint, reveals the answer, passes the reference and stays done after a reload', async () => {
    const page = await browser!.context.newPage();
    await page.goto(`${gw!.url}/`);
    const box = page.locator(`[data-challenge="${CHALLENGE_ID}"]`);
    const input = box.getByTestId('promql-input');
    await input.waitFor();
    expect(await box.getByRole('heading').textContent()).toContain(challenge.title);
    // A fresh learner: not done yet.
    expect(await box.locator('[data-passed]').getAttribute('data-passed')).toBe('false');
    expect(await box.getByTestId('challenge-done').count()).toBe(0);

    const wrong = challenge.mustFail.find((f) => f.hint === 'label-filter');
    expect(wrong, 'a must-fail answer with the label-filter hint').toBeDefined();
    await typeQuery(page, input, wrong!.query);
    await box.getByRole('button', { name: 'Check' }).click();
    const verdict = box.locator('[data-verdict]');
    await verdict.waitFor();
    expect(await verdict.getAttribute('data-verdict')).toBe('fail');
    await expect.poll(() => box.locator('[data-hint="label-filter"]').count()).toBe(1);
    // The verdict is announced: it sits in a polite live region.
    expect(await box.locator('[role="status"][aria-live="polite"] [data-verdict]').count()).toBe(1);

    await box.getByRole('button', { name: 'Show answer' }).click();
    await expect.poll(() => box.getByTestId('challenge-reference').textContent()).toContain(challenge.reference);

    // The reference, submitted with the keyboard (Ctrl+Enter).
    await typeQuery(page, input, challenge.reference);
    await page.keyboard.press('Control+Enter');
    await expect.poll(() => verdict.getAttribute('data-verdict')).toBe('pass');
    await box.getByTestId('challenge-done').waitFor();
    await box.getByTestId('challenge-graphs').locator('.uplot').first().waitFor();
    const summary = page.getByTestId('challenge-progress');
    await expect.poll(() => summary.textContent()).toContain('1 of 1 done');
    // The whole page: the dock is fixed to the bottom of the viewport and would hide the graphs otherwise.
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    await page.reload();
    await box.getByTestId('challenge-done').waitFor();
    await expect.poll(() => summary.textContent()).toContain('1 of 1 done');
    expect(await box.locator('[data-verdict]').count()).toBe(0);
    await page.close();
  });
});

/** Replaces the editor's text by typing, as a learner would (brackets and quotes auto-close and are typed over). */
async function typeQuery(page: Page, input: ReturnType<Page['locator']>, text: string): Promise<void> {
  await input.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Backspace');
  await page.keyboard.type(text);
  await page.keyboard.press('Escape'); // close the completion list, if open
  await expect.poll(() => input.textContent()).toBe(text);
}
