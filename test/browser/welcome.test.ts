/**
 * The learner's path end to end: the built site served by a real gateway, the welcome lesson in a real
 * Chromium, real shells behind the dock. Reads what the learner sees from xterm's DOM rows.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { LabHealth } from '../../src/protocol/health.ts';
import { openSiteInChromium, PAGE_WAIT_MS, SITE_SETUP_TIMEOUT_MS, type SiteInChromium } from './siteInChromium.ts';
import { occurrences, waitForScreen } from './terminalScreen.ts';
import { screenshot } from './screenshot.ts';

const PREFIX = 'pbb';

let app: SiteInChromium;
let page: Page;
/** What GET /api/health reports as the lab; a test changes it to see the navbar follow. */
let labHealth: LabHealth | null = null;

/**
 * Clicks a terminal's tab and waits until its xterm has the keyboard: focus follows a tab a frame
 * later, and keys typed before that would go to the tab button.
 */
async function selectTab(terminalId: string): Promise<void> {
  await page.locator(`[data-terminal-tab="${terminalId}"]`).click();
  await page.waitForFunction(
    (id) => document.activeElement?.closest('[data-terminal-id]')?.getAttribute('data-terminal-id') === id,
    terminalId,
    { timeout: PAGE_WAIT_MS },
  );
}

async function waitConnected(terminalId: string): Promise<void> {
  await page.locator(`[data-terminal-tab="${terminalId}"][data-state="connected"]`).waitFor({ timeout: PAGE_WAIT_MS });
}

beforeAll(async () => {
  app = await openSiteInChromium(PREFIX, { healthProvider: () => labHealth });
  page = app.page;
}, SITE_SETUP_TIMEOUT_MS);

afterAll(() => app?.close());

describe('welcome lesson in a real browser', () => {
  it('opens the dock with a tab per declared terminal, both connected', async () => {
    await page.goto(`${app.gw.url}/`);
    expect(await page.locator('article h1').innerText()).toBe('Welcome to Patchbay');
    const tabs = page.locator('[data-terminal-tab]');
    await waitConnected('tools');
    await waitConnected('scratch');
    expect(await tabs.allInnerTexts()).toEqual(['Tools', 'Scratch']);
    await page.locator('[data-testid="lab-status"]').first().getByText('no lab').waitFor({ timeout: PAGE_WAIT_MS });
  });

  it('gives the shell the size of the terminal the learner sees, from the first prompt', async () => {
    // No resize of any kind first: the size the dock had when it opened is the one the pty must have.
    await page.locator('.pb-xterm[data-terminal-id="tools"]').click();
    await page.keyboard.type('clear; stty size | sed "s/^/pty-size=/"');
    await page.keyboard.press('Enter');
    const text = await waitForScreen(page, 'tools', (t) => /^pty-size=\d+ \d+/m.test(t), 'stty size');
    const [rows, cols] = /^pty-size=(\d+) (\d+)/m.exec(text)!.slice(1).map(Number) as [number, number];
    // A line three longer than the pty's width wraps after exactly that width on the learner's screen,
    // and the screen shows as many rows as the pty has.
    await page.keyboard.type(`printf 'W%.0s' $(seq 1 ${cols + 3}); echo`);
    await page.keyboard.press('Enter');
    const runs = (t: string) => t.split('\n').map((l) => l.trimEnd()).filter((l) => /^W+$/.test(l)).map((l) => l.length);
    const screen = await waitForScreen(page, 'tools', (t) => runs(t).length > 0 && runs(t).reduce((a, b) => a + b) === cols + 3, 'the run of W');
    expect(runs(screen)).toEqual([cols, 3]);
    expect(await page.locator('.pb-xterm[data-terminal-id="tools"] .xterm-rows > div').count()).toBe(rows);
  });

  it('runs a run-command block in its terminal and shows the output', async () => {
    await page.locator('[data-testid="run-command"][data-target="tools"] button[aria-label="Run in terminal tools"]').first().click();
    await waitForScreen(page, 'tools', (text) => text.includes(`hello from ${hostname()}`) && /ls \/\s*\n[\s\S]*\busr\b/.test(text), 'the run-command output');
  });

  it('sends a typed command exactly once and shows its output once', async () => {
    await page.locator('.pb-xterm[data-terminal-id="tools"]').click();
    await page.keyboard.type('echo typed-$((6*7))');
    await page.keyboard.press('Enter');
    const text = await waitForScreen(page, 'tools', (t) => t.includes('typed-42'), 'the typed command output');
    expect(occurrences(text, 'echo typed-$((6*7))')).toBe(1);
    expect(occurrences(text, 'typed-42')).toBe(1);
  });

  it('keeps up with a flood of output (acks flow) and still answers', async () => {
    // About 2 MB: four times the server's high watermark, so it only completes if the page acks.
    await page.keyboard.type('seq 1 300000; echo flood-$((20+3))');
    await page.keyboard.press('Enter');
    await waitForScreen(page, 'tools', (t) => /^300000$/m.test(t) && t.includes('flood-23'), 'the end of the flood');
  });

  it('brings back the same shell and screen after a reload', async () => {
    await page.keyboard.type('clear; echo "pid=$$"');
    await page.keyboard.press('Enter');
    const before = await waitForScreen(page, 'tools', (t) => /pid=\d+/.test(t), 'the shell pid');
    const pid = /pid=(\d+)/.exec(before)![1];
    await screenshot(page, 'welcome');

    await page.reload();
    await waitConnected('tools');
    await waitForScreen(page, 'tools', (t) => t.includes(`pid=${pid}`), 'the replayed screen');
    await page.locator('.pb-xterm[data-terminal-id="tools"]').click();
    await page.keyboard.type('echo "again=$$"');
    await page.keyboard.press('Enter');
    await waitForScreen(page, 'tools', (t) => t.includes(`again=${pid}`), 'the same shell pid after reload');
  });

  it('switches tabs and runs a block in the second terminal', async () => {
    await page.locator('[data-testid="run-command"][data-target="scratch"] button[aria-label="Run in terminal scratch"]').click();
    await page.locator('[data-terminal-tab="scratch"][aria-selected="true"]').waitFor({ timeout: PAGE_WAIT_MS });
    await waitForScreen(page, 'scratch', (t) => /^\/tmp$/m.test(t), 'pwd output in the scratch terminal');
  });

  it('unfolds a minimized dock and focuses the right tab when a block runs', async () => {
    await page.locator('[aria-label="Minimize terminals"]').click();
    await page.locator('[data-testid="terminal-dock"][data-minimized="true"]').waitFor({ timeout: PAGE_WAIT_MS });
    await page.locator('[data-terminal-tab="tools"]').click(); // also restores the dock
    await page.locator('[aria-label="Minimize terminals"]').click();
    await page.locator('[data-testid="run-command"][data-target="scratch"] button[aria-label="Run in terminal scratch"]').click();
    await page.locator('[data-testid="terminal-dock"][data-minimized="false"]').waitFor({ timeout: PAGE_WAIT_MS });
    await page.locator('[data-terminal-tab="scratch"][aria-selected="true"]').waitFor({ timeout: PAGE_WAIT_MS });
    // Let the block finish (its pwd prints /tmp a second time), so typing does not interleave with it.
    await waitForScreen(page, 'scratch', (t) => (t.match(/^\/tmp$/gm) ?? []).length >= 2, 'the block run a second time');
    // No click into the terminal: the keyboard must already be there.
    await page.keyboard.type('echo focus-$((2*4))');
    await page.keyboard.press('Enter');
    await waitForScreen(page, 'scratch', (t) => t.includes('focus-8'), 'typed output in the focused tab');
  });

  it('fits the shell to the dock: full screen gives it more rows, restoring gives them back', async () => {
    const size = async (tag: string) => {
      await page.locator('.pb-xterm[data-terminal-id="scratch"]').click();
      await page.keyboard.type(`clear; echo ${tag}=$(stty size | tr ' ' x)`);
      await page.keyboard.press('Enter');
      const text = await waitForScreen(page, 'scratch', (t) => new RegExp(`^${tag}=\\d+x\\d+`, 'm').test(t), `stty size (${tag})`);
      const [rows, cols] = new RegExp(`^${tag}=(\\d+)x(\\d+)`, 'm').exec(text)!.slice(1).map(Number);
      return { rows: rows!, cols: cols! };
    };
    const docked = await size('docked');
    await page.locator('[aria-label="Full screen"]').click();
    await page.locator('[aria-label="Exit full screen"]').waitFor({ timeout: PAGE_WAIT_MS });
    // The resize reaches the pty asynchronously (ResizeObserver, then a Resize frame): ask until it shows.
    let full = await size('full');
    for (let i = 0; i < 20 && full.rows === docked.rows; i++) full = await size('full');
    expect(full.rows).toBeGreaterThan(docked.rows);
    await page.locator('[aria-label="Exit full screen"]').click();
    let back = await size('back');
    for (let i = 0; i < 20 && back.rows !== docked.rows; i++) back = await size('back');
    expect(back).toEqual(docked);
  });

  it('keeps the same shells when moving to the next page', async () => {
    await selectTab('tools');
    await page.keyboard.type('echo "here=$$"');
    await page.keyboard.press('Enter');
    const here = /here=(\d+)/.exec(await waitForScreen(page, 'tools', (t) => /here=\d+/.test(t), 'pid before moving'))![1];
    await page.evaluate(() => ((window as unknown as { pbbSamePage: boolean }).pbbSamePage = true));
    // Scrolled to the very end, the page's last links sit above the dock, not behind it.
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await screenshot(page, 'page-end');
    await page.locator('a.pagination-nav__link--next').click();
    await page.waitForURL((url) => url.pathname !== '/', { timeout: PAGE_WAIT_MS });
    // A client-side move: the page (and so the dock and its sockets) was never reloaded.
    expect(await page.evaluate(() => (window as unknown as { pbbSamePage?: boolean }).pbbSamePage)).toBe(true);
    await waitConnected('tools');
    await page.locator('.pb-xterm[data-terminal-id="tools"]').click();
    await page.keyboard.type('echo "there=$$"');
    await page.keyboard.press('Enter');
    await waitForScreen(page, 'tools', (t) => t.includes(`there=${here}`), 'the same shell on the next page');
  });

  it('grows the shell when the dock is dragged taller', async () => {
    const rowsOf = async (tag: string) => {
      await page.locator('.pb-xterm[data-terminal-id="tools"]').click();
      await page.keyboard.type(`clear; echo ${tag}=$(stty size | cut -d' ' -f1)`);
      await page.keyboard.press('Enter');
      const text = await waitForScreen(page, 'tools', (t) => new RegExp(`^${tag}=\\d+`, 'm').test(t), `stty rows (${tag})`);
      return Number(new RegExp(`^${tag}=(\\d+)`, 'm').exec(text)![1]);
    };
    const before = await rowsOf('before');
    const dock = page.locator('[data-testid="terminal-dock"]');
    const heightBefore = (await dock.boundingBox())!.height;
    const handle = (await page.locator('[role="separator"][aria-label="Drag to resize the terminals"]').boundingBox())!;
    const x = handle.x + handle.width / 2;
    const y = handle.y + handle.height / 2;
    await page.mouse.move(x, y);
    await page.mouse.down();
    await page.mouse.move(x, y - 200, { steps: 5 });
    await page.mouse.up();
    expect((await dock.boundingBox())!.height).toBeGreaterThan(heightBefore + 150);
    let after = await rowsOf('after');
    for (let i = 0; i < 20 && after === before; i++) after = await rowsOf('after');
    expect(after).toBeGreaterThan(before);
  });

  it('shows the lab state from /api/health in the navbar: starting, ready, degraded with the failing process', async () => {
    const pill = page.locator('.navbar [data-testid="lab-status"]');
    const base: LabHealth = {
      name: 'connections',
      instance: 'pbb1',
      state: 'starting',
      hosts: [{ name: 'api', address: '10.213.9.2', processes: [{ name: 'sidecar', state: 'starting', restarts: 0 }] }],
      failing: [],
    };
    labHealth = base;
    await pill.getByText('connections starting').waitFor({ timeout: PAGE_WAIT_MS });
    labHealth = { ...base, state: 'ready', hosts: [{ ...base.hosts[0]!, processes: [{ name: 'sidecar', state: 'ready', restarts: 0 }] }] };
    await pill.getByText('connections ready').waitFor({ timeout: PAGE_WAIT_MS });
    labHealth = {
      ...base,
      state: 'degraded',
      failing: ['api/sidecar'],
      hosts: [{ ...base.hosts[0]!, processes: [{ name: 'sidecar', state: 'failed', restarts: 5, lastError: 'exited with code 1' }] }],
    };
    await pill.getByText('connections degraded: api/sidecar').waitFor({ timeout: PAGE_WAIT_MS });
    expect(await pill.getAttribute('title')).toContain('exited with code 1');
    await screenshot(page, 'degraded');
  });

  it('reports an ended shell in its tab and starts a new one on restart', async () => {
    await selectTab('scratch');
    // The shell's PID and start time: every sandboxed shell has the same PID in its own namespace.
    await page.keyboard.type('echo "old=$$-$(cut -d" " -f22 /proc/$$/stat)"');
    await page.keyboard.press('Enter');
    const old = /old=(\d+-\d+)/.exec(await waitForScreen(page, 'scratch', (t) => /old=\d+-\d+/.test(t), 'the old pid'))![1];
    await page.keyboard.type('exit');
    await page.keyboard.press('Enter');
    await page.locator('[data-terminal-tab="scratch"][data-state="exited"]').waitFor({ timeout: PAGE_WAIT_MS });
    await waitForScreen(page, 'scratch', (t) => t.includes('[process exited with code 0]'), 'the exit line');
    await page.locator('button[aria-label="Restart terminal Scratch"]').click();
    await waitConnected('scratch');
    await page.locator('.pb-xterm[data-terminal-id="scratch"]').click();
    await page.keyboard.type('echo "new=$$-$(cut -d" " -f22 /proc/$$/stat)"');
    await page.keyboard.press('Enter');
    const fresh = /new=(\d+-\d+)/.exec(await waitForScreen(page, 'scratch', (t) => /new=\d+-\d+/.test(t), 'the new pid'))![1];
    expect(fresh).not.toBe(old);
  });

  it('types a block into a slow-starting shell only at its first prompt, so each command is echoed once', async () => {
    // A login shell that prints, then waits before its first prompt until the test lets it go. Typed
    // during that wait, a command would be echoed twice: by the tty now and by readline later.
    const profile = join(app.home!, '.profile');
    const go = join(app.home!, 'go');
    try {
      await page.goto(`${app.gw.url}/`);
      await waitConnected('scratch');
      await selectTab('scratch');
      await page.keyboard.type('exit');
      await page.keyboard.press('Enter');
      await page.locator('[data-terminal-tab="scratch"][data-state="exited"]').waitFor({ timeout: PAGE_WAIT_MS });
      // ~/go: the shell sees its HOME (this workspace) at its own path inside its sandbox.
      writeFileSync(profile, `echo 'profile: starting'; while [ ! -e ~/go ]; do sleep 0.05; done\n`);
      await page.locator('button[aria-label="Restart terminal Scratch"]').click();
      await page.locator('[data-testid="run-command"][data-target="scratch"] button[aria-label="Run in terminal scratch"]').first().click();
      // Long past the quiet spell (150 ms) after which a page that ignored prompt marks would type.
      await waitForScreen(page, 'scratch', (t) => t.includes('profile: starting'), 'the profile running');
      await page.waitForTimeout(1_000);
      writeFileSync(go, '');
      const text = await waitForScreen(page, 'scratch', (t) => /\n\/tmp\s*\n/.test(t), 'the output of pwd');
      expect(text).toContain('profile: starting');
      expect(occurrences(text, 'cd /tmp')).toBe(1);
      expect(occurrences(text, 'pwd')).toBe(1);
    } finally {
      rmSync(profile, { force: true });
      rmSync(go, { force: true });
    }
  });
});
