/**
 * A gateway that starts after a SIGKILLed predecessor removes that predecessor's terminal cgroups and
 * every process in them, `nohup` and `setsid` jobs included, and leaves a live gateway's alone. The
 * predecessor is a real process (test/fixtures/gateway/terminalOwner.ts: the gateway's registry with a
 * terminal), killed with SIGKILL so nothing of its own teardown runs.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { TerminalRegistry } from '../../src/terminal/TerminalRegistry.ts';
import { LocalTargetResolver } from '../../src/terminal/LocalTargetResolver.ts';
import { ProcessCgroup } from '../../src/terminal/ProcessCgroup.ts';
import { InProcessTerminal } from '../helpers/inProcessTerminal.ts';
import { TEST_PREFIX } from '../helpers/gateway.ts';
import { alive, cmdline } from '../helpers/procfs.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** Starts the predecessor and waits for its terminal's jobs; returns its process, cgroup and the terminal's pids. */
async function startPredecessor(parent: string, workspace: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/gateway/terminalOwner.ts', parent, workspace], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  cleanup.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    const check = setInterval(() => {
      const m = /^ready .*$/m.exec(out);
      if (m) {
        clearInterval(check);
        resolve(m[0]);
      } else if (child.exitCode !== null) {
        clearInterval(check);
        reject(new Error(`the predecessor exited: ${out}`));
      }
    }, 20);
  });
  const [, rel, ...pids] = line.split(' ');
  return { child, exited, rel: rel!, pids: pids.map(Number) };
}

describe('crash cleanup', () => {
  it("a new gateway removes a SIGKILLed gateway's terminal cgroups and every process in them, and leaves a live one's", async () => {
    const parent = `${TEST_PREFIX}-crash-${randomBytes(4).toString('hex')}`;
    const workspace = mkdtempSync(join(tmpdir(), `${TEST_PREFIX}-crash-`));
    cleanup.push(() => rmSync(workspace, { recursive: true, force: true }));
    cleanup.push(() => ProcessCgroup.at(parent)?.killAll());
    // A live gateway (this process) with a terminal of its own, under the same parent.
    const live = new TerminalRegistry({ resolver: new LocalTargetResolver({ workspace }), cgroupParent: parent });
    cleanup.push(() => live.close());
    const liveTerminal = await InProcessTerminal.open(live, 'live', 'live');

    const old = await startPredecessor(parent, workspace);
    const jobs = old.pids.filter((pid) => /^sleep 102[12]$/.test(cmdline(pid)));
    expect(jobs).toHaveLength(2);
    old.child.kill('SIGKILL');
    await old.exited;
    // Nothing of the dead gateway's teardown ran: the shell died with its pty, the jobs and cgroups did not.
    for (const pid of jobs) expect(alive(pid)).toBe(true);
    const oldDirs = ProcessCgroup.at(old.rel)!.dirs;
    for (const dir of oldDirs) expect(existsSync(dir)).toBe(true);

    // The successor: a new gateway's registry on the same parent (this process is live, so its own directory stays).
    const successor = new TerminalRegistry({ resolver: new LocalTargetResolver({ workspace }), cgroupParent: parent });
    cleanup.push(() => successor.close());
    const swept = await successor.swept;
    expect(swept).toEqual([old.rel.split('/').slice(0, 2).join('/')]);
    for (const pid of old.pids) expect(alive(pid)).toBe(false);
    for (const dir of oldDirs) expect(existsSync(dir)).toBe(false);
    // The live gateway's terminal is untouched and still answers.
    liveTerminal.type('echo "still-$((6*7))"\r');
    await liveTerminal.waitForText(/still-42/);
    expect(liveTerminal.session.processIds()).toContain(liveTerminal.session.pid);
  });
});
