import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { isAlive } from './killShell.ts';
import { PIDS_CGROUP_ROOT, removeCgroupParent } from './ProcessCgroup.ts';
import { ShellProcess } from './ShellProcess.ts';
import type { SpawnSpec } from './target.ts';

/** This file's own parent cgroup (the test helpers' prefix), removed at the end. */
const CGROUP_PARENT = `pba-shell-${randomBytes(4).toString('hex')}`;
const KILL_GRACE_MS = 3_000;
/** How long after a paused shell's output is written to look for it: the unpaused control sees its output within it. */
const PAUSE_WINDOW_MS = 300;

const spec: SpawnSpec = {
  host: 'tools',
  file: '/bin/bash',
  args: ['--norc', '--noprofile'],
  env: { PATH: '/usr/local/bin:/usr/bin:/bin', TERM: 'xterm-256color', HOME: '/', PB_SPEC_VAR: 'from-spec' },
  cwd: '/',
  shell: '/bin/bash',
  user: 'root',
  workdir: '/',
};

/** A shell with its output collected as text. */
function open(cgroupParent: string | null = CGROUP_PARENT) {
  const shell = new ShellProcess({ spec, cols: 80, rows: 24, cgroupParent, killGraceMs: KILL_GRACE_MS });
  let out = '';
  shell.onData((data) => (out += Buffer.from(data).toString('utf8')));
  const type = (line: string) => shell.write(new TextEncoder().encode(`${line}\r`));
  /** Waits for `pattern` in the output, which the typed command builds from pieces so its echo does not match. */
  const waitFor = async (pattern: RegExp, timeoutMs = 10_000): Promise<RegExpExecArray> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(out);
      if (match) return match;
      if (Date.now() > deadline) throw new Error(`no ${pattern} in ${JSON.stringify(out.slice(-500))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { shell, type, waitFor, output: () => out };
}


const shells: ShellProcess[] = [];
afterEach(async () => {
  await Promise.all(shells.splice(0).map((s) => s.dispose()));
});
afterAll(() => {
  removeCgroupParent(CGROUP_PARENT);
});

describe('ShellProcess', () => {
  it("runs the spec's shell with the spec's environment and the prompt hook, nothing of the gateway's", async () => {
    process.env.PB_GATEWAY_SECRET = 'leaked';
    try {
      const t = open();
      shells.push(t.shell);
      expect(t.shell.promptMarks).toBe(true);
      t.type('echo "env:[$PB_SPEC_VAR][$PB_GATEWAY_SECRET][${PROMPT_COMMAND:+hook}]"');
      await t.waitFor(/env:\[from-spec\]\[\]\[hook\]/);
    } finally {
      delete process.env.PB_GATEWAY_SECRET;
    }
  });

  it('resizes the pty, and stops reading it while paused', async () => {
    const t = open();
    shells.push(t.shell);
    t.shell.resize(100, 30);
    t.type('echo "size:$(stty size)"');
    await t.waitFor(/size:30 100/);
    // Each command says it has run by a file, outside the pty: the window below starts once its output is
    // in the pty for sure. The same window unpaused shows that output, so "nothing while paused" means paused.
    const dir = mkdtempSync(join(tmpdir(), 'pba-pause-'));
    try {
      const ranAndWaited = async (name: string) => {
        await vi.waitFor(() => expect(existsSync(join(dir, name))).toBe(true), { timeout: 10_000, interval: 10 });
        await new Promise((r) => setTimeout(r, PAUSE_WINDOW_MS));
      };
      t.type(`echo "read-""while-running"; touch ${dir}/running`);
      await ranAndWaited('running');
      expect(t.output()).toMatch(/read-while-running/);
      t.shell.setPaused(true);
      expect(t.shell.isPaused).toBe(true);
      t.type(`echo "held-""while-paused"; touch ${dir}/paused`);
      await ranAndWaited('paused');
      expect(t.output()).not.toMatch(/held-while-paused/);
      t.shell.setPaused(false);
      await t.waitFor(/held-while-paused/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('holds every process in its cgroup, and its dispose kills them all, setsid jobs included, and removes the cgroup', async () => {
    const t = open();
    shells.push(t.shell);
    const cgroupDir = join(PIDS_CGROUP_ROOT, CGROUP_PARENT);
    // The escapee says so once it is in a session of its own.
    t.type(`nohup sleep 1001 >/dev/null 2>&1 & echo "job""s $!"; setsid sh -c 'echo "esc""aped $$"; exec sleep 1002' &`);
    const escaped = Number((await t.waitFor(/escaped (\d+)/))[1]);
    const job = Number((await t.waitFor(/jobs (\d+)/))[1]);
    const pids = t.shell.processIds();
    expect(pids).toEqual(expect.arrayContaining([t.shell.pid, escaped, job]));
    expect(readdirSync(cgroupDir).filter((name) => name.startsWith('t-'))).toHaveLength(1);
    await t.shell.dispose();
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    expect(readdirSync(cgroupDir).filter((name) => name.startsWith('t-'))).toHaveLength(0);
    // Twice is harmless.
    await t.shell.dispose();
  });

  it('without a cgroup, its processes are the shell alone', async () => {
    const t = open(null);
    shells.push(t.shell);
    expect(t.shell.processIds()).toEqual([t.shell.pid]);
  });

  it('reports the exit status, then ignores writes and resizes', async () => {
    const t = open();
    shells.push(t.shell);
    const exit = new Promise((resolve) => t.shell.onExit(resolve));
    t.type('exit 7');
    expect(await exit).toEqual({ exitCode: 7 });
    expect(t.shell.hasExited).toBe(true);
    t.shell.write(new TextEncoder().encode('ignored\r'));
    t.shell.resize(90, 20);
    await t.shell.dispose();
    expect(isAlive(t.shell.pid)).toBe(false);
  });
});
