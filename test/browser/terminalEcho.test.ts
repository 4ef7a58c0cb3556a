/**
 * The terminal keeps echoing what the learner types after lesson 3's load run: the built site behind a
 * real gateway with a live connections lab (prefix pbi), lesson 3 opened in Chromium, its run buttons
 * clicked in order up to the one that waits for the background load to end, then a command typed by
 * hand into the Tools terminal and read off the screen. The load generator is a Node program started in
 * the background; Node writes back the terminal modes it found at start when it exits (with echo off,
 * as readline had them then), which the gateway's prompt hook undoes before the next prompt.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startLabWithCleanHome, type LabWithCleanHome } from '../helpers/labWithCleanHome.ts';
import { openSiteInChromium, SITE_SETUP_TIMEOUT_MS, type SiteInChromium } from './siteInChromium.ts';
import { waitForScreen as waitForTerminal } from './terminalScreen.ts';
import { readLesson } from '../../src/lessons/readLesson.ts';
import { commandSteps } from '../../src/lessons/lessonPlan.ts';

const PREFIX = 'pbi';
const LESSON = 'docs/course/03-pools-and-circuit-breaking.mdx';
const URL_PATH = '/course/pools-and-circuit-breaking';
const TERMINAL = 'tools';
/** A page load, a terminal connecting, a block with `sleep 5` or a `wait` for a 20 s load, on a busy 2-core machine. */
const WAIT_MS = 60_000;

let lab: LabWithCleanHome;
let app: SiteInChromium;
let page: Page;

const waitForScreen = (test: (text: string) => boolean, what: string) => waitForTerminal(page, TERMINAL, test, what, WAIT_MS);

beforeAll(async () => {
  lab = await startLabWithCleanHome('connections', PREFIX);
  app = await openSiteInChromium(PREFIX, { resolver: lab.resolver, healthProvider: () => lab.instance.health() });
  page = app.page;
}, SITE_SETUP_TIMEOUT_MS);

afterAll(async () => {
  await app?.close();
  await lab?.stop();
});

describe('lesson 3 in a real browser with a live lab', () => {
  it('still echoes what the learner types after the background load run has ended', async () => {
    const plan = readLesson(readFileSync(LESSON, 'utf8'), LESSON);
    const steps = commandSteps(plan);
    // Every block up to the one that waits for the background load (`wait`), as a learner clicks them.
    const waitBlock = steps.find((s) => s.text === 'wait')!.button;
    await page.goto(`${app.gw.url}${URL_PATH}`);
    await page.locator(`[data-terminal-tab="${TERMINAL}"][data-state="connected"]`).waitFor({ timeout: WAIT_MS });
    const blocks = page.locator('[data-testid="run-command"]');
    for (let n = 1; n <= waitBlock; n++) {
      const block = blocks.nth(n - 1);
      await block.scrollIntoViewIfNeeded();
      const button = block.locator('button[aria-label="Run in terminal tools"]');
      await button.click();
      // The block has ended when its button reads Run again; none of these fails.
      await page.waitForFunction((b) => b?.textContent === '▶ Run', await button.elementHandle(), { timeout: WAIT_MS });
      expect(await block.locator('[data-testid="run-outcome"]').count(), `block ${n}: ${await block.innerText()}`).toBe(0);
    }
    // The load's report was read: it has ended.
    await waitForScreen((t) => /^Sockets used: /m.test(t), 'the load run’s report');
    await page.locator(`.pb-xterm[data-terminal-id="${TERMINAL}"]`).click();
    await page.keyboard.type('echo typed-$((6*7))');
    await waitForScreen((t) => /[#$] echo typed-\$\(\(6\*7\)\)\s*$/.test(t.trimEnd()), 'the typed command echoed on the prompt line');
    await page.keyboard.press('Enter');
    await waitForScreen((t) => /^typed-42$/m.test(t), 'its output');
  }, 300_000);

  it('still echoes after a load the learner started in the background by hand ends during a later command', async () => {
    // The load starts while the shell waits at its prompt (readline has echo off then), as it does when
    // typed by hand, and its first line shows it has started; it ends while `wait` runs.
    await page.goto(`${app.gw.url}${URL_PATH}`);
    await page.locator(`[data-terminal-tab="${TERMINAL}"][data-state="connected"]`).waitFor({ timeout: WAIT_MS });
    await typeLine(`clear; load -c 1 -qps 2 -t 3s http://ingress:20000/ &`);
    await waitForScreen((t) => /Fortio-like load \(patchbay\) running/.test(t), 'the load starting');
    await typeLine('wait');
    await waitForScreen((t) => /^All done /m.test(t) && /[#$]\s*$/.test(t.trimEnd()), 'the load’s end and the prompt');
    await page.keyboard.type('echo again-$((6*7))');
    await waitForScreen((t) => /[#$] echo again-\$\(\(6\*7\)\)\s*$/.test(t.trimEnd()), 'the typed command echoed on the prompt line');
    await page.keyboard.press('Enter');
    await waitForScreen((t) => /^again-42$/m.test(t), 'its output');
  }, 120_000);
});

/** Types a line by hand into the Tools terminal, then Enter. */
async function typeLine(line: string): Promise<void> {
  await page.locator(`.pb-xterm[data-terminal-id="${TERMINAL}"]`).click();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}
