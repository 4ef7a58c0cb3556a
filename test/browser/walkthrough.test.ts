/**
 * The course as a learner takes it: the built site behind a real gateway with a live connections lab
 * (prefix pbxw), each lesson opened in Chromium, every run-command button clicked in order (waiting for
 * its commands to finish in the terminal), every challenge answered with its reference through the page
 * (a panel challenge by building its reference panel on the lesson's dashboard), every graph read for
 * data (no error box), and, at the end of each lesson, keys typed by hand into each of its terminals read
 * back from the screen: a terminal that stopped echoing fails here.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { startLabWithCleanHome, type LabWithCleanHome } from '../helpers/labWithCleanHome.ts';
import { ensureSiteBuilt, SITE_DIR } from './siteBuild.ts';
import { launchBrowser, type TestBrowser } from './challengeBrowser.ts';
import { waitForScreen as waitForTerminal } from './terminalScreen.ts';
import { addPanel, describePanel, findDashboard, typedQueries } from './dashboardPage.ts';
import { referencePanel } from '../../src/checker/checkPanel.ts';
import { panelCheckPath } from '../../src/protocol/panelChallenges.ts';
import { prometheusProxyRoutes } from '../../src/server/routes/prometheus.ts';
import { challengeRoutes } from '../../src/server/routes/challenges.ts';
import { dashboardRoutes } from '../../src/server/routes/dashboards.ts';
import { DashboardStore } from '../../src/server/dashboardStore.ts';
import { loadChallenges, type ChallengeSet } from '../../src/checker/challenges.ts';
import { PrometheusClient } from '../../src/checker/prometheusClient.ts';
import { ProgressStore } from '../../src/server/progressStore.ts';
import { listLessons } from '../../src/lessons/discoverLessons.ts';
import { readLesson } from '../../src/lessons/readLesson.ts';
import { challengeSteps, commandSteps, graphSteps, type LessonPlan } from '../../src/lessons/lessonPlan.ts';

/** This file's own prefix (lesson runs elsewhere remove their own prefix's leftovers). */
const PREFIX = 'pbxw';
const LAB = 'connections';
/** Building the site takes a couple of minutes here; the lab a few seconds. */
const SETUP_TIMEOUT_MS = 600_000;
/** A page load, a terminal connecting, a challenge check on a busy 2-core machine. */
const WAIT_MS = 30_000;
/**
 * A graph's first data: the lab's scrape interval, a `rate()` range of a few scrapes, and a poll every
 * 5 s; the lab has been up for the lesson's commands by then.
 */
const GRAPH_DATA_MS = 60_000;
/** Added to the sum of a button's command timeouts (as the runner counts them) to wait for it. */
const BUTTON_SLACK_MS = 30_000;
const DEFAULT_COMMAND_SECONDS = 60;

let lab: LabWithCleanHome;
let gw: TestGateway;
let browser: TestBrowser;
let page: Page;
let set: ChallengeSet;
const temp: string[] = [];
/** Everything the page has typed into each terminal (Input frames on its socket), by terminal id. */
const typed = new Map<string, string>();
/** Uncaught errors in the page, shown when a step fails. */
const pageErrors: string[] = [];
/** The dock's Enter (src/components/dock/dockStore.ts). */
const ENTER = '\r';

function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${PREFIX}-${name}-`));
  temp.push(dir);
  return dir;
}

const lessons: LessonPlan[] = listLessons('docs/course').map((file) => readLesson(readFileSync(file, 'utf8'), file));

beforeAll(async () => {
  ensureSiteBuilt();
  const loaded = await loadChallenges(LAB);
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
  set = loaded.set;
  lab = await startLabWithCleanHome(LAB, PREFIX);
  const prometheus = new PrometheusClient(lab.instance.prometheusUrl!);
  const progress = new ProgressStore(tempDir('progress'));
  gw = await startGateway({
    siteDir: SITE_DIR,
    cgroupParent: `${PREFIX}-${randomBytes(4).toString('hex')}`,
    resolver: lab.resolver,
    healthProvider: () => lab.instance.health(),
    routes: [
      ...prometheusProxyRoutes(() => lab.instance.prometheusUrl),
      ...challengeRoutes({ set, prometheus: () => prometheus, progress }),
      ...dashboardRoutes({ store: new DashboardStore(progress.db) }),
    ],
  });
  browser = await launchBrowser(PREFIX, gw);
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  // The dock types a button's commands one by one, each once the prompt marks say the one before has
  // ended; watching its Input frames tells when it has typed the last one.
  page.on('pageerror', (e) => pageErrors.push(`${e.name}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`);
  });
  page.on('websocket', (ws) => {
    const m = /\/api\/terminals\/([^?]+)/.exec(ws.url());
    if (!m) return;
    const id = decodeURIComponent(m[1]!);
    ws.on('framesent', (frame) => {
      const bytes = typeof frame.payload === 'string' ? Buffer.from(frame.payload) : frame.payload;
      if (bytes[0] === 0x00) typed.set(id, (typed.get(id) ?? '') + bytes.subarray(1).toString('utf8'));
    });
  });
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await gw?.close();
  await lab?.stop();
  for (const dir of temp) rmSync(dir, { recursive: true, force: true });
});

async function waitForTyped(terminalId: string, from: number, text: string): Promise<void> {
  const deadline = Date.now() + BUTTON_SLACK_MS + 60_000;
  while (!(typed.get(terminalId) ?? '').slice(from).includes(text)) {
    if (Date.now() > deadline) throw new Error(`the dock never typed ${JSON.stringify(text)} into ${terminalId}`);
    await page.waitForTimeout(50);
  }
}

async function waitForScreen(terminalId: string, test: RegExp, timeoutMs: number): Promise<void> {
  await waitForTerminal(page, terminalId, (text) => test.test(text), `${test} in terminal ${terminalId}`, timeoutMs);
}

/** Docusaurus' URL for a doc: its directory under docs/ plus its id. */
function urlOf(plan: LessonPlan): string {
  const dir = plan.file.replace(/^docs\//, '').split('/').slice(0, -1).map((d) => d.replace(/^\d+[-_.]/, ''));
  return `${gw.url}/${[...dir, plan.id].join('/')}`;
}

describe.each(lessons.map((l) => [l.title, l] as const))('%s in Chromium', (_title, plan) => {
  it('opens with every declared terminal connected', async () => {
    pageErrors.length = 0;
    await page.goto(urlOf(plan));
    await page
      .locator('article h1')
      .first()
      .waitFor({ timeout: WAIT_MS })
      .catch((e: Error) => {
        throw new Error(`${urlOf(plan)} did not show its title (${e.message}); page errors: ${pageErrors.join(' | ') || 'none'}`);
      });
    for (const t of plan.terminals) {
      await page.locator(`[data-terminal-tab="${t.id}"][data-state="connected"]`).waitFor({ timeout: WAIT_MS });
    }
  }, 60_000);

  it('runs every run-command button in order, each finishing in its terminal', async () => {
    const commands = commandSteps(plan);
    const buttons = page.locator('[data-testid="run-command"]');
    const byButton = new Map<number, typeof commands>();
    for (const c of commands) byButton.set(c.button, [...(byButton.get(c.button) ?? []), c]);
    expect(await buttons.count()).toBe(byButton.size);
    for (const [n, cmds] of byButton) {
      const terminal = cmds[0]!.terminal;
      const block = buttons.nth(n - 1);
      expect(await block.getAttribute('data-target')).toBe(terminal);
      await block.scrollIntoViewIfNeeded();
      const from = (typed.get(terminal) ?? '').length;
      await block.locator('button[aria-label^="Run in terminal"]').click();
      await waitForTyped(terminal, from, cmds.at(-1)!.text + ENTER);
      // The block has ended when its button reads Run again (its last command's prompt mark came back),
      // and none of its commands failed: no outcome under it.
      const budget = cmds.reduce((ms, c) => ms + (c.timeoutSeconds ?? DEFAULT_COMMAND_SECONDS) * 1000, 0);
      const button = block.locator('button[aria-label^="Run in terminal"]');
      await page.waitForFunction((b) => b?.textContent === '▶ Run', await button.elementHandle(), { timeout: Math.min(budget, 120_000) + BUTTON_SLACK_MS });
      expect(await block.locator('[data-testid="run-outcome"]').count(), `block ${n}: ${await block.innerText()}`).toBe(0);
    }
  }, 600_000);

  it('shows data in every graph, with no error box', async () => {
    const graphs = page.getByTestId('metrics-graph');
    expect(await graphs.count()).toBe(graphSteps(plan).length);
    const problems: string[] = [];
    for (const [i, step] of graphSteps(plan).entries()) {
      const graph = graphs.nth(i);
      // Graphs poll only while on screen, as the learner scrolls to them.
      await graph.scrollIntoViewIfNeeded();
      const drawn = await graph
        .getByTestId('chart-legend')
        .locator('li')
        .first()
        .waitFor({ timeout: GRAPH_DATA_MS })
        .then(() => true, () => false);
      const errorBox = graph.locator('[role="status"]');
      const error = (await errorBox.count()) > 0 ? await errorBox.first().textContent() : null;
      if (!drawn || error !== null) {
        problems.push(`${plan.file}:${step.at.line} "${step.title ?? step.query}": ${error ? `error box: ${error}` : `no series (${(await graph.innerText()).replace(/\s+/g, ' ')})`}`);
      }
    }
    expect(problems).toEqual([]);
  }, 600_000);

  it('accepts each challenge\'s reference answer typed into the page', async () => {
    for (const step of challengeSteps(plan)) {
      const panelChallenge = set.panelById.get(step.id);
      const challenge = set.byId.get(step.id);
      expect(challenge ?? panelChallenge, `challenge ${step.id}`).toBeDefined();
      const section = page.locator(`[data-challenge="${step.id}"]`);
      if (panelChallenge) {
        // A panel challenge: the learner builds the reference panel on the lesson's dashboard by hand.
        expect(step.dashboard, `${plan.file}:${step.at.line}: panel challenge ${step.id} names its dashboard`).toBeDefined();
        const dashboard = await findDashboard(page, step.dashboard!, WAIT_MS);
        await dashboard.scrollIntoViewIfNeeded();
        // The panel the checker itself says passes (src/checker/checkPanel.ts), typed by hand.
        const reference = referencePanel(panelChallenge);
        const built = await addPanel(dashboard, reference.title, typedQueries(reference));
        await section.scrollIntoViewIfNeeded();
        const checkPanel = section.getByRole('button', { name: 'Check this panel' });
        await checkPanel.waitFor({ timeout: WAIT_MS });
        const verdict = section.locator('[data-verdict]');
        // A lab this young may not have scraped the panel's data yet: the box says so, and the learner checks again.
        const deadline = Date.now() + GRAPH_DATA_MS;
        let response;
        for (;;) {
          const answered = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(panelCheckPath(step.id)));
          await checkPanel.click();
          response = await answered;
          await verdict.waitFor({ timeout: WAIT_MS });
          if ((await verdict.getAttribute('data-error-kind')) !== 'needs-data' || Date.now() > deadline) break;
          await page.waitForTimeout(2000);
        }
        if ((await verdict.getAttribute('data-verdict')) !== 'pass') throw new Error(`${step.id}: ${await verdict.innerText()}\nthe page's ${await describePanel(built)}\nsent ${response.request().postData()}\nanswered ${await response.text()}`);
      } else {
        await section.scrollIntoViewIfNeeded();
        const editor = section.locator('.cm-content');
        await editor.waitFor({ timeout: WAIT_MS });
        await editor.fill(challenge!.reference.trim());
        await section.getByRole('button', { name: 'Check', exact: true }).click();
      }
      const verdict = section.locator('[data-verdict]');
      await verdict.waitFor({ timeout: WAIT_MS });
      expect(await verdict.getAttribute('data-verdict'), `${step.id}: ${await verdict.innerText()}`).toBe('pass');
      await section.locator('[data-testid="challenge-done"]').waitFor({ timeout: WAIT_MS });
    }
  }, 300_000);

  it('shows what the learner types in each of its terminals at the end of the lesson', async () => {
    for (const t of plan.terminals) {
      // A no-op command: it prints nothing, so the screen shows it only if the terminal echoes the keys.
      const typedText = `: pbh-typed-${randomBytes(3).toString('hex')}`;
      await page.locator(`[data-terminal-tab="${t.id}"]`).click();
      await page.locator(`.pb-xterm[data-terminal-id="${t.id}"]`).click();
      await page.keyboard.type(typedText);
      await waitForScreen(t.id, new RegExp(`${typedText}\\s*$`, 'm'), WAIT_MS).catch((e: Error) => {
        throw new Error(`${plan.file}: typing into terminal ${t.id} at the end of the lesson does not show on its screen (${e.message})`);
      });
      await page.keyboard.press('Enter');
    }
  }, 120_000);
});
