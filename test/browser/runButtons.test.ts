/**
 * Run buttons as a learner uses them, in a real Chromium against the built site and a real gateway with
 * real shells: the blocks of the "Try it" section of the authoring guide's components page (a command
 * that takes a while, a background job, a failing command, one that keeps running), clicked, with the
 * terminal and the block read off the screen.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { screenText } from './chromium.ts';
import { openSiteInChromium, PAGE_WAIT_MS, SITE_SETUP_TIMEOUT_MS, type SiteInChromium } from './siteInChromium.ts';
import { occurrences, waitForScreen } from './terminalScreen.ts';

const PREFIX = 'pbb';
const TERMINAL = 'try';
/** The block's "Running…" is read this often while it runs. */
const POLL_MS = 50;
/**
 * After a reload, a block runs within this much of the page's own time: well under the dock's
 * first-prompt fallback (15 s, FIRST_PROMPT_MAX_MS), which only a page that missed the replay waits for.
 */
const REPLAY_PAGE_MS = 3_000;
/** The page's clock is moved this much at a time, with up to REAL_STEP_MS of real time after each step. */
const PAGE_STEP_MS = 100;
const REAL_STEP_MS = 500;

let app: SiteInChromium;
let page: Page;

const screen = () => screenText(page, TERMINAL);

/** The n-th block of the page that runs in the Try-it terminal, by the first command it shows. */
async function block(firstCommand: string): Promise<{ button: Locator; outcome: Locator }> {
  const blocks = page.locator(`[data-testid="run-command"][data-target="${TERMINAL}"]`).filter({ hasText: firstCommand });
  await blocks.first().scrollIntoViewIfNeeded();
  return { button: blocks.locator('button[aria-label="Run in terminal try"]'), outcome: blocks.locator('[data-testid="run-outcome"]') };
}

/** Clears the screen by hand, so what a test reads is its own block's. */
async function clearScreen(): Promise<void> {
  await page.locator(`.pb-xterm[data-terminal-id="${TERMINAL}"]`).click();
  const marker = `cleared-${randomBytes(3).toString('hex')}`;
  await page.keyboard.type(`clear; echo ${marker}`);
  await page.keyboard.press('Enter');
  await waitForScreen(page, TERMINAL, (t) => new RegExp(`^${marker}$`, 'm').test(t) && /[#$]\s*$/.test(t.trimEnd()), 'the cleared screen');
}

beforeAll(async () => {
  app = await openSiteInChromium(PREFIX);
  page = app.page;
  await page.goto(`${app.gw.url}/authoring/components`);
  await page.locator(`[data-terminal-tab="${TERMINAL}"][data-state="connected"]`).waitFor({ timeout: PAGE_WAIT_MS });
  // The page starts with the dock folded (<TerminalVisor minimized>); its tab unfolds it.
  await page.locator(`[data-terminal-tab="${TERMINAL}"]`).click();
  await page.locator('[data-testid="terminal-dock"][data-minimized="false"]').waitFor({ timeout: PAGE_WAIT_MS });
}, SITE_SETUP_TIMEOUT_MS);

afterAll(() => app?.close());

describe('run buttons in a real browser', () => {
  it('types `echo done` only once `sleep 5` has finished, once, on the next prompt; the button reads Running… until then', async () => {
    await waitForScreen(page, TERMINAL, (t) => /[#$]\s*$/.test(t.trimEnd()), 'the first prompt');
    await clearScreen();
    const { button } = await block('sleep 5');
    await button.click();
    // Until `done` is printed the block is still running, and its button says so; then it says Run again.
    let sawRunning = false;
    for (const deadline = Date.now() + PAGE_WAIT_MS; ; ) {
      const [label, text] = [await button.innerText(), await screen()];
      if (/^done$/m.test(text)) break;
      if (label === 'Running…') sawRunning = true;
      else if (sawRunning) {
        // The block ended (the label follows the shell's marks at once); the rows xterm draws on its next
        // animation frame must then show `done`, or the button stopped saying Running… too early.
        await waitForScreen(page, TERMINAL, (t) => /^done$/m.test(t), '`done` once the button no longer says Running…');
        break;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for done; screen:\n${text}`);
      await page.waitForTimeout(POLL_MS);
    }
    expect(sawRunning).toBe(true);
    await page.waitForFunction((b) => b?.textContent === '▶ Run', await button.elementHandle(), { timeout: PAGE_WAIT_MS });
    const text = await screen();
    // Typed into the running sleep it would show twice: echoed by the tty, then by readline at the prompt.
    expect(occurrences(text, 'echo done'), text).toBe(1);
    const lines = text.split('\n').map((l) => l.trimEnd());
    const sleepAt = lines.findIndex((l) => /[#$] sleep 5$/.test(l));
    expect(sleepAt, text).toBeGreaterThanOrEqual(0);
    expect(lines[sleepAt + 1], text).toMatch(/[#$] echo done$/);
    expect(lines[sleepAt + 2], text).toBe('done');
  }, 60_000);

  it('starts the command after a background job on a clean prompt', async () => {
    await clearScreen();
    const { button } = await block('sleep 3 &');
    await button.click();
    const text = await waitForScreen(page, TERMINAL, (t) => /^\[1\]\+ +Running +sleep 3 &$/m.test(t), 'the output of jobs');
    const lines = text.split('\n').map((l) => l.trimEnd());
    const job = lines.findIndex((l) => /^\[1\] \d+$/.test(l));
    expect(job, text).toBeGreaterThanOrEqual(1);
    expect(lines[job - 1], text).toMatch(/[#$] sleep 3 &$/);
    expect(lines[job + 1], text).toMatch(/[#$] jobs$/);
    expect(occurrences(text, 'jobs'), text).toBe(1);
    await page.waitForFunction((b) => b?.textContent === '▶ Run', await button.elementHandle(), { timeout: PAGE_WAIT_MS });
  }, 60_000);

  it('stops a block at a failing command and says which one and its status', async () => {
    await clearScreen();
    const { button, outcome } = await block('false');
    await button.click();
    await outcome.waitFor({ timeout: PAGE_WAIT_MS });
    expect(await outcome.innerText()).toBe('✗ false exited with status 1; the command after it was not run.');
    expect(await outcome.getAttribute('role')).toBe('alert');
    expect(await button.innerText()).toBe('▶ Run');
    const text = await screen();
    expect(text).toMatch(/[#$] false$/m);
    expect(text).not.toContain('never typed');
  }, 60_000);

  it('types a command that keeps running without waiting for it, and holds the next block until the prompt is back', async () => {
    await clearScreen();
    const loop = await block('while sleep 1');
    await loop.button.click();
    await loop.outcome.waitFor({ timeout: PAGE_WAIT_MS });
    expect(await loop.outcome.innerText()).toBe('while sleep 1; do date +%T; done keeps running; press Ctrl-C in the terminal to stop it.');
    await waitForScreen(page, TERMINAL, (t) => (t.match(/^\d\d:\d\d:\d\d$/gm) ?? []).length >= 2, 'the loop printing');
    const sleeper = await block('sleep 5');
    await sleeper.button.click();
    // Two more ticks of the loop, and still nothing typed into it.
    await waitForScreen(page, TERMINAL, (t) => (t.match(/^\d\d:\d\d:\d\d$/gm) ?? []).length >= 4, 'the loop printing on');
    expect(await sleeper.button.innerText()).toBe('Running…');
    expect(await screen()).not.toContain('sleep 5');
    await page.locator(`.pb-xterm[data-terminal-id="${TERMINAL}"]`).click();
    await page.keyboard.press('Control+C');
    const text = await waitForScreen(page, TERMINAL, (t) => /^done$/m.test(t), 'the block run once the loop stopped');
    expect(occurrences(text, 'sleep 5'), text).toBe(1);
    expect(text).toMatch(/[#$] sleep 5$/m);
  }, 60_000);

  it('runs a block at once after a reload: the gateway replays where the shell stands', async () => {
    // The page's timers run on a clock the test moves, from the click on, in steps (with real time between
    // them for the shell and the socket): the block must end within REPLAY_PAGE_MS of the page's time.
    // Without the replayed marks the page would wait for a prompt that already came until its first-prompt
    // timer (15 s of the page's time) gave up. The real waits (up to 15 s in all) leave a busy machine time.
    await page.clock.install();
    await page.reload();
    await page.locator(`[data-terminal-tab="${TERMINAL}"][data-state="connected"]`).waitFor({ timeout: PAGE_WAIT_MS });
    await page.locator(`[data-terminal-tab="${TERMINAL}"]`).click();
    const { button, outcome } = await block('false');
    await page.clock.pauseAt(Date.now() + 1_000);
    await button.click();
    let pageMs = 0;
    while ((await outcome.count()) === 0) {
      expect(pageMs, 'the page time the block took after the reload').toBeLessThan(REPLAY_PAGE_MS);
      await page.clock.runFor(PAGE_STEP_MS);
      pageMs += PAGE_STEP_MS;
      await outcome.waitFor({ timeout: REAL_STEP_MS }).catch(() => undefined);
    }
    expect(await outcome.innerText()).toBe('✗ false exited with status 1; the command after it was not run.');
  }, 60_000);
});
