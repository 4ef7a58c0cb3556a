/**
 * A task checked on a host, as a learner does it: the built site behind a real gateway with a live
 * connections lab (prefix pbht) and the task API on it, lesson 3 opened in Chromium. The learner's first
 * Check fails with the author's hint; "Show solution" shows what to type; the learner types it by hand
 * into the dock's Tools terminal; Check again holds, and the task stays done after a reload.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startLabWithCleanHome, type LabWithCleanHome } from '../helpers/labWithCleanHome.ts';
import { openSiteInChromium, SITE_SETUP_TIMEOUT_MS, type SiteInChromium } from './siteInChromium.ts';
import { waitForScreen as waitForTerminal } from './terminalScreen.ts';
import { loadTasks, type Task } from '../../src/lab/tasks.ts';
import { taskRoutes } from '../../src/server/routes/tasks.ts';
import { ProgressStore } from '../../src/server/progressStore.ts';

const PREFIX = 'pbht';
const URL_PATH = '/course/pools-and-circuit-breaking';
const TASK = 'ingress-breaker-five';
const TERMINAL = 'tools';
/** A page load, a terminal connecting, a check on a busy 2-core machine. */
const WAIT_MS = 60_000;

let lab: LabWithCleanHome;
let app: SiteInChromium;
let page: Page;
let task: Task;
let progressDir = '';

beforeAll(async () => {
  const loaded = await loadTasks('connections');
  if (!loaded.ok) throw new Error('labs/connections/tasks.yaml has errors');
  task = loaded.set.byId.get(TASK)!;
  progressDir = mkdtempSync(join(tmpdir(), `${PREFIX}-progress-`));
  lab = await startLabWithCleanHome('connections', PREFIX);
  const routes = taskRoutes({ set: loaded.set, instance: () => Promise.resolve({ ok: true, instance: lab.instance }), progress: new ProgressStore(progressDir) });
  app = await openSiteInChromium(PREFIX, { resolver: lab.resolver, healthProvider: () => lab.instance.health(), routes });
  page = app.page;
}, SITE_SETUP_TIMEOUT_MS);

afterAll(async () => {
  await app?.close();
  await lab?.stop();
  if (progressDir) rmSync(progressDir, { recursive: true, force: true });
});

describe('a host task in lesson 3', () => {
  it('fails with the hint, then holds once the learner typed the solution into the terminal by hand', async () => {
    await page.goto(`${app.gw.url}${URL_PATH}`);
    const box = page.locator(`section[data-task="${TASK}"]`);
    const checkButton = box.getByRole('button', { name: 'Check' });
    await checkButton.waitFor({ timeout: WAIT_MS });
    await expect(box.locator('h3').innerText()).resolves.toContain(task.title);
    await page.locator(`[data-terminal-tab="${TERMINAL}"][data-state="connected"]`).waitFor({ timeout: WAIT_MS });

    // Nothing done yet: the check fails, with the author's hint.
    await checkButton.scrollIntoViewIfNeeded();
    await checkButton.click();
    const verdict = box.locator('[data-testid="task-verdict"]');
    await verdict.waitFor({ timeout: WAIT_MS });
    expect(await verdict.getAttribute('data-verdict')).toBe('fails');
    expect(await verdict.innerText()).toContain('does not allow exactly 5 connections yet');
    expect(await box.locator('[data-testid="task-done"]').count()).toBe(0);

    // After a failed check the solution may be shown; the learner reads it and types it by hand.
    await box.getByRole('button', { name: 'Show solution' }).click();
    const solution = box.locator('[data-testid="task-solution"]');
    await solution.waitFor({ timeout: WAIT_MS });
    expect(await solution.innerText()).toContain(task.solution);

    // labctl gives the sidecar's admin API 3 s; on a busy machine a learner may see "cannot reach" and type it again.
    for (let attempt = 1; ; attempt++) {
      await page.locator(`.pb-xterm[data-terminal-id="${TERMINAL}"]`).click();
      await page.keyboard.type(task.solution);
      await page.keyboard.press('Enter');
      const answered = (t: string) => t.slice(t.lastIndexOf(task.solution)).trimEnd();
      const after = answered(await waitForTerminal(page, TERMINAL, (t) => /^(ingress: cluster api: |labctl: cannot reach)/m.test(answered(t)) && /[#$]$/.test(answered(t)), 'labctl’s answer and the prompt', WAIT_MS));
      if (/^ingress: cluster api: /m.test(after)) break;
      if (attempt === 3) throw new Error(`labctl failed three times:\n${after}`);
    }

    // Checked again: it holds on this lab, and the task is done.
    await checkButton.scrollIntoViewIfNeeded();
    await checkButton.click();
    await box.locator('[data-testid="task-verdict"][data-verdict="holds"]').waitFor({ timeout: WAIT_MS });
    await box.locator('[data-testid="task-done"]').waitFor({ timeout: WAIT_MS });

    // Kept with the learner's progress: still done after a reload.
    await page.reload();
    await page.locator(`section[data-task="${TASK}"] [data-testid="task-done"]`).waitFor({ timeout: WAIT_MS });
  }, 300_000);
});
