/**
 * The terminal keeps echoing what the learner types after lesson 3's load run: the built site behind a
 * real gateway with a live connections lab (prefix pbi), lesson 3 opened in Chromium, its run buttons
 * clicked in order up to the one that waits for the background load to end, then a command typed by
 * hand into the Tools terminal and read off the screen. The load generator is a Node program started in
 * the background; Node writes back the terminal modes it found at start when it exits (with echo off,
 * as readline had them then), which the gateway's prompt hook undoes before the next prompt.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { copyBuiltSite, type SiteCopy } from './challengeSite.ts';
import { launchChromium, screenText as readScreen, type TestBrowser } from './chromium.ts';
import { startLab } from '../../src/lab/startLab.ts';
import type { LabInstance } from '../../src/lab/types.ts';
import type { TargetResolver } from '../../src/terminal/target.ts';
import { readLesson } from '../../src/lessons/readLesson.ts';
import { commandSteps } from '../../src/lessons/lessonPlan.ts';

const PREFIX = 'pbi';
const LESSON = 'docs/course/03-pools-and-circuit-breaking.mdx';
const URL_PATH = '/course/pools-and-circuit-breaking';
const TERMINAL = 'tools';
/** Building the site takes a couple of minutes here; the lab a few seconds. */
const SETUP_TIMEOUT_MS = 600_000;
/** A page load, a terminal connecting, a block with `sleep 5` or a `wait` for a 20 s load, on a busy 2-core machine. */
const WAIT_MS = 60_000;

let lab: LabInstance;
let gw: TestGateway;
let site: SiteCopy;
let browser: TestBrowser;
let page: Page;
const temp: string[] = [];

function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${PREFIX}-${name}-`));
  temp.push(dir);
  return dir;
}

const screen = () => readScreen(page, TERMINAL);

async function waitForScreen(test: (text: string) => boolean, what: string): Promise<string> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const text = await screen();
    if (test(text)) return text;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; screen:\n${text}`);
    // xterm renders on animation frames: there is no event to wait on from outside the page.
    await page.waitForTimeout(100);
  }
}

beforeAll(async () => {
  site = copyBuiltSite(PREFIX);
  const started = await startLab({ lab: 'connections', prefix: PREFIX, runtimeDir: tempDir('run') });
  if (!started.ok) throw new Error(`lab did not start: ${started.message}`);
  lab = started.instance;
  const ready = await lab.ready();
  if (!ready.ok) throw new Error(`lab not ready: ${ready.message}`);
  // The lab's own terminals, with a clean HOME as lesson validation gives them.
  const home = tempDir('home');
  const resolver: TargetResolver = {
    async resolve(request) {
      const r = await lab.resolver.resolve(request);
      return r.ok ? { ok: true, spec: { ...r.spec, env: { ...r.spec.env, HOME: home } } } : r;
    },
  };
  gw = await startGateway({ siteDir: site.dir, cgroupParent: `${PREFIX}-${randomBytes(4).toString('hex')}`, resolver, healthProvider: () => lab.health() });
  browser = await launchChromium(PREFIX);
  page = browser.page;
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await gw?.close();
  await lab?.stop();
  site?.remove();
  for (const dir of temp) rmSync(dir, { recursive: true, force: true });
});

describe('lesson 3 in a real browser with a live lab', () => {
  it('still echoes what the learner types after the background load run has ended', async () => {
    const plan = readLesson(readFileSync(LESSON, 'utf8'), LESSON);
    const steps = commandSteps(plan);
    // Every block up to the one that waits for the background load (`wait`), as a learner clicks them.
    const waitBlock = steps.find((s) => s.text === 'wait')!.button;
    await page.goto(`${gw.url}${URL_PATH}`);
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
    await page.goto(`${gw.url}${URL_PATH}`);
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
