/**
 * A lab per learner in two real browsers (two Chromium profiles, each signed in through the printed
 * link): lesson 3's Tools terminal opens on each learner's own `connections` instance (a file one makes
 * is not there for the other, each sees their own address), and one learner's graph data is theirs
 * alone; with room for one instance, the second learner's page shows their place in the queue, the
 * first's shows the idle warning with Stay, then that the lab was reclaimed, the second gets the lab,
 * and "Reset my lab" (after its confirmation) says the new lab is fresh.
 */
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { GatewayLab } from '../../src/server/gatewayLab.ts';
import type { PoolTunables } from '../../src/lab/poolTunables.ts';
import type { LearnerLabStatus } from '../../src/protocol/learnerLab.ts';
import type { TestGateway } from '../helpers/gateway.ts';
import { startClassroomGateway, type ClassroomGateway } from '../helpers/classroomGateway.ts';
import { FIXTURES } from '../lab/helpers.ts';
import { copyBuiltSite, type SiteCopy } from './challengeSite.ts';
import { launchChromium, type TestBrowser } from './chromium.ts';
import { signInBrowser } from './signIn.ts';
import { PAGE_WAIT_MS, SITE_SETUP_TIMEOUT_MS } from './siteInChromium.ts';
import { waitForScreen } from './terminalScreen.ts';

const PREFIX = 'pbm';
const HOUR = 3_600_000;
const LESSON = '/course/pools-and-circuit-breaking';
const WAIT_MS = 60_000;

interface Room {
  gw: TestGateway;
  lab: GatewayLab;
  learners: TestBrowser[];
  close(): Promise<void>;
}

const rooms: Room[] = [];
afterEach(async () => {
  for (const r of rooms.splice(0)) await r.close();
});

async function room(lab: string, tunables: Partial<PoolTunables>): Promise<Room> {
  const made: { site?: SiteCopy; classroom?: ClassroomGateway; learners: TestBrowser[] } = { learners: [] };
  const close = async () => {
    for (const b of made.learners) await b.close();
    await made.classroom?.close();
    made.site?.remove();
  };
  try {
    const site = (made.site = copyBuiltSite(PREFIX));
    const classroom = (made.classroom = await startClassroomGateway({
      prefix: PREFIX,
      lab,
      tunables,
      gateway: () => ({ siteDir: site.dir, cgroupParent: `${PREFIX}-${randomBytes(4).toString('hex')}` }),
    }));
    for (let i = 0; i < 2; i++) {
      const b = await launchChromium(PREFIX);
      made.learners.push(b);
      await signInBrowser(b.context, classroom.gw);
    }
    const r: Room = { gw: classroom.gw, lab: classroom.lab, learners: made.learners, close };
    rooms.push(r);
    return r;
  } catch (e) {
    await close();
    throw e;
  }
}

/** GET or POST in the page, as its own code does (same origin, the page's cookie). */
function api<T>(page: Page, path: string, method = 'GET'): Promise<T> {
  return page.evaluate(async ([p, m]) => (await fetch(p!, { method: m, credentials: 'same-origin' })).json(), [path, method]) as Promise<T>;
}

async function typeLine(page: Page, line: string): Promise<void> {
  await page.locator('.pb-xterm[data-terminal-id="tools"]').click();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

describe('a lab per learner, in two browsers', () => {
  it('opens each learner’s terminal on their own instance', async () => {
    const r = await room('connections', { maxInstances: 2, warm: 0, idleMs: HOUR, warnMs: 60_000, maxLifetimeMs: 8 * HOUR });
    const [a, b] = r.learners.map((l) => l.page) as [Page, Page];
    for (const page of [a, b]) {
      await page.goto(`${r.gw.url}${LESSON}`);
      await page.locator('[data-terminal-tab="tools"][data-state="connected"]').waitFor({ timeout: WAIT_MS });
    }
    const [la, lb] = [await api<LearnerLabStatus>(a, '/api/lab'), await api<LearnerLabStatus>(b, '/api/lab')];
    expect(la.phase).toBe('ready');
    expect(lb.phase).toBe('ready');
    expect(la.instance).not.toBe(lb.instance);
    await typeLine(a, 'echo "a-$((6*7))" > /tmp/pbm-mark; cat /tmp/pbm-mark');
    await waitForScreen(a, 'tools', (t) => /^a-42$/m.test(t), 'A’s file', WAIT_MS);
    await typeLine(b, 'cat /tmp/pbm-mark 2>/dev/null || echo "absent-$((6*7))"');
    await waitForScreen(b, 'tools', (t) => /^absent-42$/m.test(t), 'no such file for B', WAIT_MS);
    // Load one learner makes shows in their own graphs only: the ingress' request count, as a graph asks for it.
    const requests = async (page: Page) => {
      const q = encodeURIComponent('sum(envoy_http_downstream_rq_total{envoy_http_conn_manager_prefix="ingress"})');
      const body = await api<{ data?: { result: { value: [number, string] }[] } }>(page, `/api/prometheus/api/v1/query?query=${q}`);
      return Number(body.data?.result[0]?.value[1] ?? 0);
    };
    await typeLine(a, 'for i in $(seq 400); do curl -s -o /dev/null http://ingress:20000/; done; echo "load-$((6*7))"');
    await waitForScreen(a, 'tools', (t) => /^load-42$/m.test(t), 'A’s load', WAIT_MS);
    await expect.poll(async () => (await requests(a)) - (await requests(b)), { timeout: WAIT_MS, interval: 1000 }).toBeGreaterThanOrEqual(300);
  }, SITE_SETUP_TIMEOUT_MS);

  it('shows the queue, the idle warning with Stay, the reclaim, and a fresh lab after a reset', async () => {
    const r = await room(join(FIXTURES, 'mini'), { maxInstances: 1, warm: 0, idleMs: 10_000, warnMs: 7_000, maxLifetimeMs: 8 * HOUR });
    const [a, b] = r.learners.map((l) => l.page) as [Page, Page];
    await a.goto(`${r.gw.url}/`);
    // What the page's buttons do: A asks for a lab and gets the only one.
    await api(a, '/api/lab', 'POST');
    await b.goto(`${r.gw.url}/`);
    await api(b, '/api/lab', 'POST');
    const pill = (page: Page) => page.locator('[data-testid="lab-status"]').first();
    await expect.poll(() => pill(b).innerText(), { timeout: PAGE_WAIT_MS }).toMatch(/queued, #1/);
    await expect.poll(() => b.locator('[data-testid="lab-queue"]').innerText(), { timeout: PAGE_WAIT_MS }).toMatch(/number 1 in the queue/);

    // A's idle warning, and Stay.
    const warning = a.locator('[data-testid="lab-warning"]');
    await warning.waitFor({ timeout: PAGE_WAIT_MS });
    expect(await warning.innerText()).toMatch(/reclaimed in 0:0[0-7]/);
    await warning.getByRole('button', { name: 'Stay' }).click();
    await warning.waitFor({ state: 'detached', timeout: PAGE_WAIT_MS });
    // Left alone, it comes back, then the lab is reclaimed and A's page says so; B gets the lab.
    await warning.waitFor({ timeout: PAGE_WAIT_MS });
    const reclaimed = a.locator('[data-testid="lab-reclaimed"]');
    await reclaimed.waitFor({ timeout: PAGE_WAIT_MS });
    expect(await reclaimed.innerText()).toMatch(/reclaimed after 10 s without activity/);
    await expect.poll(() => pill(b).innerText(), { timeout: WAIT_MS }).toMatch(/ready/);
    // A asks again: queued behind B now.
    await reclaimed.getByRole('button', { name: 'Start my lab' }).click();
    await expect.poll(() => pill(a).innerText(), { timeout: PAGE_WAIT_MS }).toMatch(/queued, #1/);

    // B resets: a confirmation first, then a fresh lab that says so.
    const before = (await api<LearnerLabStatus>(b, '/api/lab')).instance;
    await b.getByRole('button', { name: 'Reset my lab' }).click();
    const confirm = b.locator('[data-testid="lab-reset-confirm"]');
    await confirm.getByRole('button', { name: 'Reset' }).click();
    const fresh = b.locator('[data-testid="lab-fresh"]');
    await fresh.waitFor({ timeout: WAIT_MS });
    expect(await fresh.innerText()).toMatch(/fresh lab: you reset it/);
    expect((await api<LearnerLabStatus>(b, '/api/lab')).instance).not.toBe(before);
    await fresh.getByRole('button', { name: 'OK' }).click();
    await fresh.waitFor({ state: 'detached' });
  }, SITE_SETUP_TIMEOUT_MS);
});
