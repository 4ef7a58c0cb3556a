/**
 * `patchbay dev` for real: the Docusaurus dev server behind the gateway, one port for the site (with
 * its hot-reload socket), the API and terminals. `docusaurus start` and `docusaurus build` share the
 * generated `.docusaurus/` directory, so the site is built (if stale) before the dev server starts:
 * no other test file then has a reason to build while it runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { onLoopbackIp, printedSignInUrl, refusedUpgrade, signIn, TerminalTestClient } from '../helpers/gateway.ts';
import { freePort } from '../programs/helpers.ts';
import { alive, statFields } from '../helpers/procfs.ts';
import { HEALTH_PATH } from '../../src/protocol/health.ts';
import { ensureSiteBuilt } from '../browser/siteBuild.ts';
import { removeCgroupParent } from '../../src/terminal/ProcessCgroup.ts';

/** The first compile of the whole site on a busy 2-core machine. */
const START_TIMEOUT_MS = 240_000;
const WAIT_MS = 20_000;

let child: ChildProcess;
/** The terminals' parent cgroup: the test's own, removed at the end. */
const cgroupParent = `pbd-${randomBytes(4).toString('hex')}`;
let output = '';
let url = '';
/** The session from the sign-in link the gateway printed. */
let cookie = '';
/** The gateway's secrets: this test's own, not the project's var/auth. */
let authDir = '';

beforeAll(async () => {
  // Built first, so no other test file starts a build while the dev server writes .docusaurus/.
  ensureSiteBuilt();
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  authDir = mkdtempSync(join(tmpdir(), 'pbd-auth-'));
  child = spawn(process.execPath, ['bin/patchbay.mjs', 'dev', '--port', String(port), '--no-lab'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PATCHBAY_CGROUP_PARENT: cgroupParent, PATCHBAY_AUTH_DIR: authDir },
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const link = printedSignInUrl(output);
    if (link && !cookie) cookie = await signIn(onLoopbackIp(link));
    const res = cookie ? await fetch(`${url}/`, { headers: { cookie } }).catch(() => null) : null;
    if (res?.status === 200 && (await res.text()).includes('Docusaurus')) break;
    if (child.exitCode !== null) throw new Error(`patchbay dev exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`the dev site did not come up:\n${output.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}, START_TIMEOUT_MS + 60_000);

afterAll(async () => {
  if (authDir) rmSync(authDir, { recursive: true, force: true });
  if (!child?.pid) return;
  const devServerPid = Number(/Docusaurus dev server started \(pid (\d+)\)/.exec(output)?.[1]);
  // The dev server runs in a process group of its own: found here too in case its pid line never came.
  const groups = new Set([...childrenOf(child.pid), ...(devServerPid > 0 ? [devServerPid] : [])]);
  const exited = new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
  process.kill(child.pid, 'SIGTERM');
  await exited;
  const leftBehind = devServerPid > 0 && alive(devServerPid);
  // Whatever happened above, nothing of it outlives the test.
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  removeCgroupParent(cgroupParent);
  // The gateway stops the dev server (its own process group) before it exits.
  expect(devServerPid).toBeGreaterThan(0);
  expect(leftBehind).toBe(false);
}, 60_000);

/** The pids whose parent is `pid`, from /proc. */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      // After the command name: state, ppid, …
      if (Number(statFields(`/proc/${name}/stat`)[1]) === pid) children.push(Number(name));
    } catch {
      // Exited meanwhile.
    }
  }
  return children;
}

describe('patchbay dev', () => {
  it('serves the dev site and the API on one port to a signed-in browser, and the sign-in page to others', async () => {
    const page = await fetch(`${url}/`, { headers: { cookie } });
    expect(await page.text()).toContain('/main.js');
    const stranger = await fetch(`${url}/`);
    expect(stranger.status).toBe(401);
    expect(await stranger.text()).toContain('Sign in to Patchbay');
    const health = await fetch(`${url}${HEALTH_PATH}`, { headers: { cookie } });
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', lab: null });
  });

  it('proxies the hot-reload socket to the dev server, for a signed-in browser only', async () => {
    expect((await refusedUpgrade(`${url.replace('http', 'ws')}/ws`, { origin: url })).status).toBe(401);
    const ws = new WebSocket(`${url.replace('http', 'ws')}/ws`, { headers: { cookie } });
    const types: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no hot-reload messages; got ${JSON.stringify(types)}`)), WAIT_MS);
      ws.on('message', (data) => {
        types.push((JSON.parse(data.toString()) as { type: string }).type);
        // webpack-dev-server greets a client with the build's hash, then ok (or its errors).
        if (types.includes('hash') && (types.includes('ok') || types.includes('still-ok'))) {
          clearTimeout(timer);
          resolve();
        }
      });
      ws.on('error', reject);
    });
    expect(types).toContain('hot');
    ws.close();
  });

  it("prints the gateway's URL and no other: Docusaurus' own (an internal port) is rewritten", () => {
    const port = new URL(url).port;
    const urls = [...output.matchAll(/https?:\/\/[^\s/]+:\d+/g)].map((m) => m[0]);
    expect(output).toContain(`Patchbay is serving on http://localhost:${port}`);
    expect(output).toContain(`Docusaurus website is running at: http://localhost:${port}/`);
    expect(urls.filter((u) => !u.endsWith(`:${port}`))).toEqual([]);
  });

  it('opens a terminal on the same port', async () => {
    const t = await TerminalTestClient.open({ url, origin: url, cookie }, 'dev-shell');
    t.type('echo dev-$((6*7))\r');
    await t.waitForText('dev-42', WAIT_MS);
    await t.close();
  });
});
