import * as pty from 'node-pty';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive, killShell } from './killShell.ts';

const GRACE_MS = 800;
const started: number[] = [];


/** A real shell on a pty running `script`; resolves once it printed `ready <pids…>`, with those pids. */
async function shell(script: string): Promise<{ pid: number; printed: number[] }> {
  const term = pty.spawn('/bin/bash', ['--norc', '--noprofile', '-c', script], {
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', TERM: 'dumb' },
    cwd: '/',
  });
  started.push(term.pid);
  let out = '';
  const printed = await new Promise<number[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line in ${JSON.stringify(out)}`)), 10_000);
    term.onData((data) => {
      out += data;
      const ready = /ready([\d ]*)\r?\n/.exec(out);
      if (!ready) return;
      clearTimeout(timer);
      resolve(ready[1]!.trim().split(/\s+/).filter(Boolean).map(Number));
    });
  });
  started.push(...printed);
  return { pid: term.pid, printed };
}

/** SIGKILL is delivered asynchronously: true once `pid` is gone, false if it still runs after a while. */
async function ends(pid: number): Promise<boolean> {
  const deadline = Date.now() + 5_000;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

async function timed(run: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await run();
  return performance.now() - t0;
}

afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

describe('killShell', () => {
  it('lets a shell that ends on SIGHUP go at once, with the jobs of its group', async () => {
    const { pid, printed } = await shell('sleep 1001 & echo ready $!; wait');
    const elapsed = await timed(() => killShell(pid, { graceMs: GRACE_MS * 10, running: true }));
    expect(elapsed).toBeLessThan(GRACE_MS * 5);
    expect(await ends(pid)).toBe(true);
    expect(await ends(printed[0]!)).toBe(true);
  });

  it('SIGKILLs the group after the grace period when the shell ignores SIGHUP and SIGTERM', async () => {
    const { pid, printed } = await shell("trap '' HUP TERM; sleep 1002 & echo ready $!; while :; do sleep 0.05; done");
    const elapsed = await timed(() => killShell(pid, { graceMs: GRACE_MS, running: true }));
    // It waited the grace period out (a timer may fire a fraction of a millisecond early by performance.now).
    expect(elapsed).toBeGreaterThanOrEqual(GRACE_MS - 2);
    expect(await ends(pid)).toBe(true);
    expect(await ends(printed[0]!)).toBe(true);
  });

  it('skips the grace period when the shell is not running any more', async () => {
    const { pid } = await shell("trap '' HUP TERM; echo ready; while :; do sleep 0.05; done");
    const elapsed = await timed(() => killShell(pid, { graceMs: GRACE_MS * 10, running: false }));
    expect(elapsed).toBeLessThan(GRACE_MS * 5);
    expect(await ends(pid)).toBe(true);
  });

  it('leaves a job that left the process group (setsid) to the cgroup', async () => {
    // The job says it is ready only once it is in a session of its own.
    const { pid, printed } = await shell(`setsid sh -c 'echo ready $$; exec sleep 1003' & wait`);
    await killShell(pid, { graceMs: GRACE_MS, running: true });
    expect(await ends(pid)).toBe(true);
    expect(isAlive(printed[0]!)).toBe(true);
  });
});
