import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as pty from 'node-pty';
import { PROMPT_MARK_OSC, parsePromptMark, type PromptMark } from '../protocol/promptMarks.ts';
import { withPromptMarks } from './promptMarks.ts';
import type { SpawnSpec } from './target.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pbh-marks-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function spec(shell: string, args: string[], env: Record<string, string> = {}): SpawnSpec {
  return {
    host: 'local',
    file: shell,
    args,
    env: { TERM: 'xterm-256color', HOME: dir, PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', PS1: '[$?]$ ', ...env },
    cwd: dir,
    shell,
    user: 'root',
    workdir: dir,
  };
}

/** Each `D` mark names its shell; the same name for every mark of one shell. */
const SHELL = expect.stringMatching(/^\d+\.\d+$/);
/** A D mark's shell name as printed. */
const AID = ';aid=\\d+\\.\\d+';

/** Until `test` holds, looking every few milliseconds; fails after `timeoutMs`. */
async function until(test: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The processes of a session (the shell on the pty is its leader; its jobs have process groups of their own). */
function sessionMembers(sid: number): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces) in parentheses: state, ppid, pgrp, session.
      const session = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
      if (session === sid) pids.push(Number(name));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

/** A real shell on a pty, started with the gateway's environment for it (or without its hook); collects what it prints. */
class Shell {
  output = '';
  private readonly pty: pty.IPty;
  private readonly exited: Promise<void>;

  constructor(s: SpawnSpec, hook = true) {
    this.pty = pty.spawn(s.file, s.args, { cols: 80, rows: 24, cwd: s.cwd, env: hook ? withPromptMarks(s).env : s.env });
    this.pty.onData((d) => (this.output += d));
    this.exited = new Promise((resolve) => this.pty.onExit(() => resolve()));
  }

  type(text: string): void {
    this.pty.write(text);
  }

  async waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.output)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; output: ${JSON.stringify(this.output.slice(-400))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** The prompt marks printed so far, in order. */
  marks(): (PromptMark | null)[] {
    return [...this.output.matchAll(new RegExp(`\\x1b\\]${PROMPT_MARK_OSC};([^\\x07]*)\\x07`, 'g'))].map((m) => parsePromptMark(m[1]!));
  }

  /** Kills the shell and every process of its session (background jobs included), and waits for them to go. */
  async close(): Promise<void> {
    const sid = this.pty.pid;
    for (const pid of sessionMembers(sid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone meanwhile.
      }
    }
    await this.exited;
    await until(() => sessionMembers(sid).length === 0, `the processes of session ${sid} to end`);
  }
}

describe('the gateway’s prompt hook', () => {
  it('marks bash’s prompts with D (the exit status, the sequence number), then A', async () => {
    const shell = new Shell(spec('/bin/bash', ['--norc', '--noprofile', '-i']));
    try {
      await shell.waitFor(/\[0\]\$ $/);
      shell.type('(exit 7)\r');
      await shell.waitFor(/\[7\]\$ $/);
      shell.type('\r');
      await shell.waitFor(/\[7\]\$ \r\n.*\[7\]\$ $/s);
      shell.type('true\r');
      await shell.waitFor(/\[0\]\$ $/);
      expect(shell.marks()).toEqual([
        { kind: 'command-end', exitCode: 0, seq: 1, shell: SHELL },
        { kind: 'prompt-start' },
        { kind: 'command-end', exitCode: 7, seq: 2, shell: SHELL },
        { kind: 'prompt-start' },
        // An empty line repeats the status, as `$?` does.
        { kind: 'command-end', exitCode: 7, seq: 3, shell: SHELL },
        { kind: 'prompt-start' },
        { kind: 'command-end', exitCode: 0, seq: 4, shell: SHELL },
        { kind: 'prompt-start' },
      ]);
      const names = shell.marks().flatMap((m) => (m?.kind === 'command-end' ? [m.shell] : []));
      expect(new Set(names).size).toBe(1);
      // A starts the prompt, after readline's bracketed-paste switch (readline reads from then on), and `$?`
      // is still the command's. (This bash has --norc, which on bash 5.2 leaves PIPESTATUS empty once a
      // PROMPT_COMMAND from the environment runs first: the mark then carries no stage statuses.)
      expect(shell.output).toMatch(new RegExp(`\\x1b\\]133;D;7;2;(7)?${AID}\\x07(\\x1b\\[\\?2004h)?\\x1b\\]133;A\\x07\\[7\\]\\$ `));
    } finally {
      await shell.close();
    }
  });

  it('adds how each stage of the last pipeline ended (PIPESTATUS) to D, in a bash that read a startup file', async () => {
    // As the lab's shells do (Debian's bash reads /etc/bash.bashrc); this rc file sets only the prompt.
    const rc = join(dir, 'prompt-only.rc');
    writeFileSync(rc, "PS1='[$?]$ '\n");
    const shell = new Shell(spec('/bin/bash', ['--rcfile', rc, '-i']));
    try {
      await shell.waitFor(/\[0\]\$ $/);
      shell.type('(exit 3) | cat | true\r');
      await shell.waitFor(/true\r\n.*\[0\]\$ $/s);
      shell.type('true | (exit 4)\r');
      await shell.waitFor(/\[4\]\$ $/);
      expect(shell.marks().filter((m) => m?.kind === 'command-end').slice(1)).toEqual([
        // A pipeline's status is its last stage's; the stages say that the first one failed.
        { kind: 'command-end', exitCode: 0, seq: 2, pipeStatus: [3, 0, 0], shell: SHELL },
        { kind: 'command-end', exitCode: 4, seq: 3, pipeStatus: [0, 4], shell: SHELL },
      ]);
    } finally {
      await shell.close();
    }
  });

  it('prints A only once readline reads: after the shell’s job notices and its terminal set-up', async () => {
    const shell = new Shell(spec('/bin/bash', ['--norc', '--noprofile', '-i']));
    try {
      await shell.waitFor(/\[0\]\$ $/);
      shell.type('sleep 0.2 &\r');
      await shell.waitFor(/\[1\] \d+\r\n.*\[0\]\$ $/s);
      const job = /\[1\] (\d+)/.exec(shell.output)![1];
      // The job ends while the shell waits at its prompt (gone from /proc once bash has reaped it); bash
      // reports it after the next command, between PROMPT_COMMAND and the prompt.
      await until(() => !existsSync(`/proc/${job}`), `job ${job} to end`);
      shell.type('true\r');
      await shell.waitFor(/Done.*\[0\]\$ $/s);
      // Input sent at A is read by readline; sent before its set-up, the tty would echo it first and
      // readline again, in the middle of "[1]+ Done …".
      expect(shell.output).toMatch(new RegExp(`\\x1b\\]133;D;0;3;?${AID}\\x07\\[1\\]\\+ +Done +sleep 0\\.2\\r\\n(\\x1b\\[\\?2004h)?\\x1b\\]133;A\\x07\\[0\\]\\$ $`));
    } finally {
      await shell.close();
    }
  });

  it('marks the prompt a learner sets anew', async () => {
    const shell = new Shell(spec('/bin/bash', ['--norc', '--noprofile', '-i']));
    try {
      await shell.waitFor(/\[0\]\$ $/);
      shell.type("PS1='new> '\r");
      await shell.waitFor(/new> $/);
      expect(shell.output).toMatch(/\x1b\]133;A\x07new> $/);
      expect(shell.marks().filter((m) => m?.kind === 'prompt-start')).toHaveLength(2);
    } finally {
      await shell.close();
    }
  });

  it('puts the terminal’s modes back before each prompt: a background Node program that ends cannot leave it without echo', async () => {
    const shell = new Shell(spec('/bin/bash', ['--norc', '--noprofile', '-i']));
    try {
      await shell.waitFor(/\[0\]\$ $/);
      // Node records the tty's modes as it starts (here while readline has echo off at the prompt) and
      // writes them back as it exits (here during `wait`, when readline has given the tty back).
      shell.type(`(sleep 0.3; exec ${process.execPath} -e 'setTimeout(() => {}, 700)') &\r`);
      await shell.waitFor(/\[1\] \d+\r\n.*\[0\]\$ $/s);
      await new Promise((r) => setTimeout(r, 600));
      shell.type('wait\r');
      await shell.waitFor(/wait\r\n.*\[0\]\$ $/s);
      const before = shell.output.length;
      shell.type('echo typed-$((6*7))');
      await shell.waitFor(/echo typed-\$\(\(6\*7\)\)$/, 3_000).catch(() => {
        throw new Error(`what was typed is not echoed; output since: ${JSON.stringify(shell.output.slice(before))}`);
      });
      shell.type('\r');
      await shell.waitFor(/\rtyped-42\r\n.*\[0\]\$ $/s);
      shell.type('stty -a\r');
      await shell.waitFor(/stty -a\r\n.*\[0\]\$ $/s);
      expect(shell.output.slice(shell.output.lastIndexOf('stty -a'))).toMatch(/(^|\s)icanon\s.*(^|\s)echo\s/s);
    } finally {
      await shell.close();
    }
  });

  /**
   * Types `stty -echo` as a command, then a command line at the next prompt: whether that line was
   * echoed (readline echoes what it reads only when the tty had ECHO on as it set up to read).
   */
  async function echoedAfterSttyMinusEcho(hook: boolean): Promise<boolean> {
    const shell = new Shell(spec('/bin/bash', ['--norc', '--noprofile', '-i']), hook);
    try {
      await shell.waitFor(/\[0\]\$ $/);
      shell.type('stty -echo\r');
      await shell.waitFor(/stty -echo\r\n.*\[0\]\$ $/s);
      const before = shell.output.length;
      shell.type('echo typed-$((6*7))\r');
      await shell.waitFor(/typed-42\r\n.*\[0\]\$ $/s);
      return shell.output.slice(before).includes('echo typed-$((6*7))');
    } finally {
      await shell.close();
    }
  }

  it('puts echo back before the next prompt after a command turned it off', async () => {
    expect(await echoedAfterSttyMinusEcho(true)).toBe(true);
    // The control: the same shell without the hook types blind from then on.
    expect(await echoedAfterSttyMinusEcho(false)).toBe(false);
  });

  it('works in a shell with `set -u` (unset variables are errors) and prints nothing of its own', async () => {
    const shell = new Shell(spec('/bin/bash', ['--norc', '--noprofile', '-u', '-i']));
    try {
      await shell.waitFor(/\[0\]\$ $/);
      shell.type('(exit 5)\r');
      await shell.waitFor(/\[5\]\$ $/);
      expect(shell.output).not.toMatch(/unbound variable/);
      expect(shell.marks().filter((m) => m?.kind === 'command-end')).toEqual([
        { kind: 'command-end', exitCode: 0, seq: 1, shell: SHELL },
        { kind: 'command-end', exitCode: 5, seq: 2, shell: SHELL },
      ]);
    } finally {
      await shell.close();
    }
  });

  it('prints no error at each prompt when stty is not to be found (a learner changed PATH)', async () => {
    const shell = new Shell(spec('/bin/bash', ['--norc', '--noprofile', '-i']));
    try {
      await shell.waitFor(/\[0\]\$ $/);
      shell.type('PATH=/pbh-nowhere\r');
      await shell.waitFor(/nowhere\r\n.*\[0\]\$ $/s);
      shell.type('(exit 6)\r');
      await shell.waitFor(/\[6\]\$ $/);
      expect(shell.output).not.toMatch(/stty/);
      expect(shell.marks().filter((m) => m?.kind === 'command-end').map((m) => m?.kind === 'command-end' && m.exitCode)).toEqual([0, 0, 6]);
    } finally {
      await shell.close();
    }
  });

  it('names each shell in its marks: a nested bash counts from 1 under a name of its own, and so does an `exec bash`', async () => {
    const shell = new Shell(spec('/bin/bash', ['--norc', '--noprofile', '-i']));
    try {
      await shell.waitFor(/\[0\]\$ $/);
      shell.type('bash --norc --noprofile -i\r');
      await shell.waitFor(/--noprofile -i\r\n.*\[0\]\$ $/s);
      shell.type('exec bash --norc --noprofile -i\r');
      await shell.waitFor(/exec bash --norc --noprofile -i\r\n.*\[0\]\$ $/s);
      const ends = shell.marks().flatMap((m) => (m?.kind === 'command-end' ? [m] : []));
      expect(ends.map((m) => m.seq)).toEqual([1, 1, 1]);
      expect(new Set(ends.map((m) => m.shell)).size).toBe(3);
      // The exec'd shell has the process id of the one it replaced.
      expect(ends[2]!.shell!.split('.')[0]).toBe(ends[1]!.shell!.split('.')[0]);
    } finally {
      await shell.close();
    }
  });

  it('leaves a PROMPT_COMMAND from the environment alone, and shells it does not know', () => {
    expect(withPromptMarks(spec('/bin/bash', ['-i'], { PROMPT_COMMAND: 'history -a' }))).toEqual({
      env: expect.objectContaining({ PROMPT_COMMAND: 'history -a' }),
      promptMarks: false,
    });
    const sh = withPromptMarks(spec('/bin/sh', ['-i']));
    expect(sh.promptMarks).toBe(false);
    expect(sh.env.PROMPT_COMMAND).toBeUndefined();
    expect(withPromptMarks(spec('/usr/bin/bash', ['-i'])).promptMarks).toBe(true);
  });

  it('yields to an rc file that sets its own PROMPT_COMMAND: no marks then', async () => {
    const rc = join(dir, 'own-prompt-command.rc');
    writeFileSync(rc, "PROMPT_COMMAND='printf own-hook'\nPS1='[$?]$ '\n");
    const shell = new Shell(spec('/bin/bash', ['--rcfile', rc, '-i']));
    try {
      await shell.waitFor(/own-hook.*\[0\]\$ $/s);
      shell.type('(exit 2)\r');
      await shell.waitFor(/own-hook.*\[2\]\$ $/s);
      expect(shell.marks()).toEqual([]);
    } finally {
      await shell.close();
    }
  });
});
