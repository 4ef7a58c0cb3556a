/**
 * The instructor's view in Chromium, against a real gateway with the built site, a real roster and a lab
 * pool of the `tiny` fixture: a learner types by hand in the welcome page's terminal; the instructor
 * signs in with the operator token on /instructor, sees the learner, watches their terminal read-only
 * (typing there changes nothing in the learner's shell), and ends the learner's lab after confirming.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { openDatabase, learnerKey, type Database } from '../../src/server/database.ts';
import { Roster } from '../../src/server/roster.ts';
import { DatabaseSessionStore } from '../../src/server/rosterSessionStore.ts';
import { LabPool } from '../../src/lab/LabPool.ts';
import { LocalTargetResolver } from '../../src/terminal/LocalTargetResolver.ts';
import type { Gateway } from '../../src/server/createGateway.ts';
import { instructorRoutes } from '../../src/server/routes/instructor.ts';
import { learnerIdOf, startGateway, type TestGateway } from '../helpers/gateway.ts';
import { FIXTURES } from '../lab/helpers.ts';
import { copyBuiltSite, type SiteCopy } from './challengeSite.ts';
import { launchChromium, screenText, type TestBrowser } from './chromium.ts';
import { signInBrowser } from './signIn.ts';
import { PAGE_WAIT_MS, SITE_SETUP_TIMEOUT_MS } from './siteInChromium.ts';
import { waitForScreen } from './terminalScreen.ts';

const PREFIX = 'pbin';

let dir: string;
let db: Database;
let pool: LabPool;
let site: SiteCopy;
let gw: TestGateway;
let gateway: Gateway | undefined;
let learnerBrowser: TestBrowser;
let instructorBrowser: TestBrowser;
let learner: Page;
let instructor: Page;
let learnerId: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), `${PREFIX}-`));
  db = openDatabase(join(dir, 'patchbay.db'));
  const roster = new Roster(db);
  pool = new LabPool({ lab: { lab: join(FIXTURES, 'tiny'), prefix: PREFIX, runtimeDir: join(dir, 'run') }, tunables: { warm: 0, maxInstances: 2, idleMs: 3_600_000, maxLifetimeMs: 3_600_000 } });
  site = copyBuiltSite(PREFIX);
  const home = join(dir, 'home');
  gw = await startGateway({
    siteDir: site.dir,
    cgroupParent: `${PREFIX}-${randomBytes(4).toString('hex')}`,
    resolver: new LocalTargetResolver({ workspace: dir, env: { HOME: home } }),
    auth: { store: new DatabaseSessionStore(db) },
    routes: instructorRoutes({ roster, pool, gateway: () => gateway ?? null }),
  });
  gateway = gw.gateway;
  learnerBrowser = await launchChromium(`${PREFIX}-l`);
  instructorBrowser = await launchChromium(`${PREFIX}-i`);
  await signInBrowser(learnerBrowser.context, gw);
  await signInBrowser(instructorBrowser.context, gw);
  learner = learnerBrowser.page;
  instructor = instructorBrowser.page;
  const cookie = (await learnerBrowser.context.cookies(gw.url)).find((c) => c.name.startsWith('patchbay_session_'))!;
  learnerId = learnerIdOf(`${cookie.name}=${cookie.value}`);
  const got = await pool.acquire(learnerId);
  if (!got.ok) throw new Error(got.message);
  roster.assignInstance(learnerId, got.instance.id);
}, SITE_SETUP_TIMEOUT_MS);

afterAll(async () => {
  await learnerBrowser?.close();
  await instructorBrowser?.close();
  await gw?.close();
  await pool?.close();
  db?.close();
  site?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the instructor's view in Chromium", () => {
  it('lists the learner and shows their terminal read-only; typing there reaches nothing', async () => {
    await learner.goto(`${gw.url}/`);
    await learner.locator('[data-terminal-tab="tools"][data-state="connected"]').waitFor({ timeout: PAGE_WAIT_MS });
    await learner.locator('.pb-xterm[data-terminal-id="tools"]').click();
    await learner.keyboard.type('echo typed-by-the-learner-$((40+2))');
    await learner.keyboard.press('Enter');
    await waitForScreen(learner, 'tools', (t) => t.includes('typed-by-the-learner-42'), 'the learner command');

    // A learner session alone does not open the view: it asks for the token.
    await instructor.goto(`${gw.url}/instructor`);
    const form = instructor.locator('[data-testid="instructor-sign-in"]');
    await form.waitFor({ timeout: PAGE_WAIT_MS });
    await form.locator('input').fill('not-the-token');
    await form.locator('button[type="submit"]').click();
    await form.getByText('That is not the operator token.').waitFor({ timeout: PAGE_WAIT_MS });
    await form.locator('input').fill(gw.gateway.operatorToken);
    await form.locator('button[type="submit"]').click();

    const row = instructor.locator(`[data-testid="learner"][data-learner="${learnerKey(learnerId)}"]`);
    await row.waitFor({ timeout: PAGE_WAIT_MS });
    expect(await row.locator('[data-testid="instance"]').innerText()).toContain(pool.instanceOf(learnerId)!.id);
    await row.locator('[data-testid="watch-terminal"][data-terminal="tools"]').click();
    await waitForScreen(instructor, 'watch-tools', (t) => t.includes('typed-by-the-learner-42'), 'the learner screen in the view');
    await instructor.locator('[data-testid="watch-state"][data-state="connected"]').waitFor({ timeout: PAGE_WAIT_MS });

    // Live output follows.
    await learner.keyboard.type('echo live-$((50+5))');
    await learner.keyboard.press('Enter');
    await waitForScreen(instructor, 'watch-tools', (t) => t.includes('live-55'), 'live output in the view');

    // The instructor types into the view: nothing reaches the learner shell.
    await instructor.locator('.pb-xterm[data-terminal-id="watch-tools"]').click();
    await instructor.keyboard.type('echo instructor-typed-$((6*7)) > instructor-was-here');
    await instructor.keyboard.press('Enter');
    await learner.keyboard.type('echo after-$((60+6)); ls');
    await learner.keyboard.press('Enter');
    const learnerScreen = await waitForScreen(learner, 'tools', (t) => t.includes('after-66'), 'the learner next command');
    expect(learnerScreen).not.toContain('instructor-typed');
    expect(learnerScreen).not.toContain('instructor-was-here');
    await waitForScreen(instructor, 'watch-tools', (t) => t.includes('after-66'), 'the view after the typing');
    expect(await screenText(instructor, 'watch-tools')).not.toContain('instructor-typed');
  });

  it("follows the learner's resizes: what they print wraps in the view where it wraps for them", async () => {
    let asked = 0;
    const sizeOf = async () => {
      const mark = `size-${++asked}-`;
      await learner.keyboard.type(`stty size | sed "s/^/${mark}/"`);
      await learner.keyboard.press('Enter');
      const pattern = new RegExp(`^${mark}(\\d+) (\\d+)\\s*$`, 'm');
      const [, rows, cols] = pattern.exec(await waitForScreen(learner, 'tools', (t) => pattern.test(t), 'stty size'))!;
      return { rows: Number(rows), cols: Number(cols) };
    };
    await learner.locator('.pb-xterm[data-terminal-id="tools"]').click();
    const before = await sizeOf();
    const viewport = learner.viewportSize()!;
    await learner.setViewportSize({ width: viewport.width - 260, height: viewport.height - 120 });
    // The dock refits to the smaller window and tells the gateway; stty sees the new size once it has.
    let after = await sizeOf();
    for (const deadline = Date.now() + PAGE_WAIT_MS; after.cols === before.cols && Date.now() < deadline; ) after = await sizeOf();
    expect(after.cols).not.toBe(before.cols);
    // cols + 3 of W: one full row, then 3 on the next, in the learner's dock and in the view alike.
    await learner.keyboard.type(`printf 'W%.0s' $(seq 1 ${after.cols + 3}); echo`);
    await learner.keyboard.press('Enter');
    const wrapped = (text: string) => text.split('\n').map((l) => l.trimEnd()).filter((l) => /^W+$/.test(l));
    await waitForScreen(learner, 'tools', (t) => wrapped(t).length === 2, 'the Ws on the learner screen');
    expect(wrapped(await screenText(learner, 'tools')).map((l) => l.length)).toEqual([after.cols, 3]);
    await waitForScreen(instructor, 'watch-tools', (t) => wrapped(t).length === 2, 'the Ws in the view');
    expect(wrapped(await screenText(instructor, 'watch-tools')).map((l) => l.length)).toEqual([after.cols, 3]);
    await learner.setViewportSize(viewport);
  });

  it("ends the learner's lab after a confirmation", async () => {
    const row = instructor.locator(`[data-testid="learner"][data-learner="${learnerKey(learnerId)}"]`);
    await row.locator('[data-testid="end"]').click();
    expect(pool.instanceOf(learnerId)).not.toBeNull(); // asked, not yet confirmed
    await row.locator('[data-testid="confirm"]').click();
    await instructor.locator('[data-testid="notice"]').getByText('their lab was ended').waitFor({ timeout: PAGE_WAIT_MS });
    expect(pool.instanceOf(learnerId)).toBeNull();
    await row.locator('[data-testid="instance"]').getByText('no lab').waitFor({ timeout: PAGE_WAIT_MS });
  });

  it('offers the progress CSV as a download', async () => {
    const [download] = await Promise.all([instructor.waitForEvent('download'), instructor.locator('[data-testid="progress-csv"]').click()]);
    expect(download.suggestedFilename()).toMatch(/^patchbay-progress-.*\.csv$/);
    const file = await download.path();
    const { readFileSync } = await import('node:fs');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^learner,name,address,lesson,/);
    expect(lines.some((l) => l.startsWith(learnerKey(learnerId)))).toBe(true);
  });
});
