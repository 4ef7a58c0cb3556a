import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { PIDS_CGROUP_ROOT, ProcessCgroup } from '../../src/terminal/ProcessCgroup.ts';
import { onLoopbackIp, printedSignInUrl, signIn, TerminalTestClient } from '../helpers/gateway.ts';
import { alive, cmdline } from '../helpers/procfs.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const site = mkdtempSync(join(tmpdir(), 'pba-serve-site-'));
/** The gateway's secrets: this test's own, not the project's var/auth. */
const authDir = mkdtempSync(join(tmpdir(), 'pba-serve-auth-'));
afterAll(() => {
  rmSync(site, { recursive: true, force: true });
  rmSync(authDir, { recursive: true, force: true });
});

describe('patchbay serve', () => {
  it('prints its URL and sign-in link, serves terminals, and on SIGTERM ends them all and exits 0', async () => {
    const cgroupParent = `pba-serve-${randomBytes(4).toString('hex')}`;
    const child = spawn(process.execPath, ['bin/patchbay.mjs', 'serve', '--no-lab', '--port', '0', '--site-dir', site], {
      cwd: REPO,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PATCHBAY_CGROUP_PARENT: cgroupParent, PATCHBAY_AUTH_DIR: authDir, PATCHBAY_DATABASE: join(authDir, 'patchbay.db') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 60_000);
        const check = () => {
          const m = /serving on http:\/\/localhost:(\d+)/.exec(out);
          if (m && printedSignInUrl(out)) {
            clearTimeout(timer);
            resolve(Number(m[1]));
          } else setTimeout(check, 50);
        };
        check();
      });
      const url = `http://localhost:${port}`;
      const link = printedSignInUrl(out)!;
      expect(link).toMatch(new RegExp(`^http://localhost:${port}/\\?token=[A-Za-z0-9_-]{43}$`));
      const cookie = await signIn(onLoopbackIp(link));
      const res = await fetch(`http://127.0.0.1:${port}/api/health`, { headers: { cookie } });
      expect(await res.json()).toMatchObject({ status: 'ok', lab: null });
      const gw = { url: `http://127.0.0.1:${port}`, origin: url, cookie };
      const t = await TerminalTestClient.open(gw, 'served');
      t.type('setsid nohup sleep 1004 >/dev/null 2>&1 & echo "sh=[$$]"\r');
      await t.waitForText(/sh=\[(\d+)\]/);
      const cgroupDir = join(PIDS_CGROUP_ROOT, cgroupParent);
      // Every process of the terminal, the setsid job included, from its cgroup (the job starts in
      // the background, so wait for it to appear).
      const cgroupPids = () => ProcessCgroup.at(cgroupParent)!.allPids();
      const deadline = Date.now() + 15_000;
      while (!cgroupPids().some((pid) => cmdline(pid) === 'sleep 1004')) {
        if (Date.now() > deadline) throw new Error('the setsid job never appeared in the cgroup');
        await new Promise((r) => setTimeout(r, 20));
      }
      const pids = cgroupPids();
      // The shell's own $$ is its PID inside its sandbox's PID namespace: find it in the cgroup by command.
      expect(pids.map(cmdline).some((command) => /^(\/usr)?\/bin\/bash\b/.test(command))).toBe(true);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect((await t.closed).code).toBe(1001);
      for (const pid of pids) expect(alive(pid)).toBe(false);
      expect(existsSync(cgroupDir)).toBe(false);
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      // Cleanup after a failed run: kill what is left in our own cgroups and remove them.
      await ProcessCgroup.at(cgroupParent)!.killAll();
    }
  });
});
