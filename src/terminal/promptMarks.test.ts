import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

/** A real shell on a pty, started with the gateway's environment for it; collects what it prints. */
class Shell {
  output = '';
  private readonly pty: pty.IPty;
  private readonly exited: Promise<void>;

  constructor(s: SpawnSpec) {
    this.pty = pty.spawn(s.file, s.args, { cols: 80, rows: 24, cwd: s.cwd, env: withPromptMarks(s).env });
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

  async close(): Promise<void> {
    this.pty.kill('SIGKILL');
    await this.exited;
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
        { kind: 'command-end', exitCode: 0, seq: 1 },
        { kind: 'prompt-start' },
        { kind: 'command-end', exitCode: 7, seq: 2 },
        { kind: 'prompt-start' },
        // An empty line repeats the status, as `$?` does.
        { kind: 'command-end', exitCode: 7, seq: 3 },
        { kind: 'prompt-start' },
        { kind: 'command-end', exitCode: 0, seq: 4 },
        { kind: 'prompt-start' },
      ]);
      // A starts the prompt, after readline's bracketed-paste switch (readline reads from then on), and `$?`
      // is still the command's. (This bash has --norc, which on bash 5.2 leaves PIPESTATUS empty once a
      // PROMPT_COMMAND from the environment runs first: the mark then carries no stage statuses.)
      expect(shell.output).toMatch(/\x1b\]133;D;7;2;(7)?\x07(\x1b\[\?2004h)?\x1b\]133;A\x07\[7\]\$ /);
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
        { kind: 'command-end', exitCode: 0, seq: 2, pipeStatus: [3, 0, 0] },
        { kind: 'command-end', exitCode: 4, seq: 3, pipeStatus: [0, 4] },
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
      // The job ends while the shell waits at its prompt; bash reports it after the next command,
      // between PROMPT_COMMAND and the prompt.
      await new Promise((r) => setTimeout(r, 500));
      shell.type('true\r');
      await shell.waitFor(/Done.*\[0\]\$ $/s);
      // Input sent at A is read by readline; sent before its set-up, the tty would echo it first and
      // readline again, in the middle of "[1]+ Done …".
      expect(shell.output).toMatch(/\x1b\]133;D;0;3;?\x07\[1\]\+ +Done +sleep 0\.2\r\n(\x1b\[\?2004h)?\x1b\]133;A\x07\[0\]\$ $/);
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
