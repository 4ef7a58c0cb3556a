import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LessonTerminal } from './lessonTerminal.ts';
import type { SpawnSpec } from '../terminal/target.ts';

// A bash on the machine itself (no lab): the driver's behaviour does not depend on namespaces.
let dir: string;
let terminal: LessonTerminal;

/**
 * A bash that reads a startup file, as the lab's shells do (Debian's reads /etc/bash.bashrc): bash 5.2
 * started with --norc keeps no PIPESTATUS once the inherited prompt hook runs first.
 */
function localSpec(cwd: string): SpawnSpec {
  const rc = join(cwd, 'prompt.rc');
  writeFileSync(rc, "PS1='$ '\n");
  return {
    host: 'local',
    file: '/bin/bash',
    args: ['--rcfile', rc, '-i'],
    env: { TERM: 'xterm-256color', HOME: cwd, PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', LANG: 'C.UTF-8', PS1: '$ ' },
    cwd,
    shell: '/bin/bash',
    user: 'root',
    workdir: cwd,
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pbh-term-'));
  const opened = await LessonTerminal.open({ terminalId: 'pbh-test', spec: localSpec(dir), cgroupParent: null });
  if (!opened.ok) throw new Error(opened.message);
  terminal = opened.terminal;
});

afterAll(async () => {
  await terminal?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('LessonTerminal', () => {
  it('reports a command that succeeds with exit status 0 and shows its output', async () => {
    expect(await terminal.run('echo pbh-hello-$((6*7))', 10_000)).toEqual({ kind: 'exited', exitCode: 0, pipeStatus: [0] });
    expect((await terminal.lastLines()).join('\n')).toContain('pbh-hello-42');
  });

  it('reports how each stage of a pipeline ended', async () => {
    expect(await terminal.run('(exit 23) | cat | grep -c .', 10_000)).toEqual({ kind: 'exited', exitCode: 1, pipeStatus: [23, 0, 1] });
    expect(await terminal.run('true', 10_000)).toEqual({ kind: 'exited', exitCode: 0, pipeStatus: [0] });
  });

  it('types a command once, at a drawn prompt, so the screen shows it once', async () => {
    await terminal.run('clear', 10_000);
    await terminal.run('echo pbh-once', 10_000);
    expect((await terminal.lastLines()).filter((l) => l.includes('echo pbh-once'))).toEqual(['$ echo pbh-once']);
  });

  it('finds typing echoed on a clean prompt line', async () => {
    expect(await terminal.checkTyping()).toEqual({ ok: true });
    // Ctrl-U took the marker back: the next command runs as typed.
    expect(await terminal.run('echo pbh-after-check', 10_000)).toMatchObject({ kind: 'exited', exitCode: 0 });
    expect((await terminal.lastLines()).at(-2)).toBe('pbh-after-check');
  });

  it('says so when typing no longer shows, and when output stands before the prompt', async () => {
    const opened = await LessonTerminal.open({ terminalId: 'pbh-echo', spec: localSpec(dir), cgroupParent: null });
    if (!opened.ok) throw new Error(opened.message);
    const t = opened.terminal;
    try {
      await t.run('printf pbh-no-newline', 10_000);
      expect(await t.checkTyping()).toEqual({ ok: false, message: expect.stringContaining('"pbh-no-newline" stands before it') });
      await t.run('echo', 10_000);
      expect(await t.checkTyping()).toEqual({ ok: true });
      // Echo off as readline sets up to read (the prompt hook's own restoring of the modes runs before).
      await t.run("PS1='$(stty -echo)$ '", 10_000);
      expect(await t.checkTyping()).toEqual({ ok: false, message: expect.stringMatching(/^typing at the prompt no longer shows/) });
    } finally {
      await t.dispose();
    }
  });

  it('starts a command that keeps running, and stops it with Ctrl-C', async () => {
    const started = performance.now();
    expect(await terminal.start('echo pbh-serving; sleep 600', 10_000)).toEqual({ kind: 'running' });
    // It returned once the program printed, not after the settle time.
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(await terminal.interrupt()).toMatchObject({ kind: 'command-end', exitCode: 130 });
    expect(await terminal.start('sleep 600', 300)).toEqual({ kind: 'running' });
    expect(await terminal.interrupt()).toMatchObject({ exitCode: 130 });
    expect(await terminal.start('(exit 3)', 10_000)).toEqual({ kind: 'exited', exitCode: 3, pipeStatus: [3] });
  });

  it('does not take a command that printed an error and ended at once for one that keeps running, nor its mark for the next command\'s', async () => {
    // As `tail -f /nonexistent`: an error in one output frame, the shell's mark in a later one.
    expect(await terminal.start('(echo pbh-cannot-open >&2; sleep 0.05; exit 3)', 10_000)).toEqual({ kind: 'exited', exitCode: 3, pipeStatus: [3] });
    expect(await terminal.run('(exit 5)', 10_000)).toMatchObject({ kind: 'exited', exitCode: 5 });
  });

  it('judges a command that was running when start returned but ended before Ctrl-C by its own mark', async () => {
    expect(await terminal.start('echo pbh-starting; sleep 0.6; (exit 4)', 10_000)).toEqual({ kind: 'running' });
    expect(terminal.typedCommandEnd()).toBeNull();
    await expect.poll(() => terminal.typedCommandEnd(), { timeout: 10_000 }).toEqual({ kind: 'exited', exitCode: 4, pipeStatus: [4] });
    expect(await terminal.run('(exit 6)', 10_000)).toMatchObject({ kind: 'exited', exitCode: 6 });
  });

  it('leaves no mark of a Ctrl-C for the next command to take', async () => {
    expect(await terminal.start('echo pbh-looping; sleep 600', 10_000)).toEqual({ kind: 'running' });
    expect(await terminal.interrupt()).toMatchObject({ exitCode: 130 });
    expect(await terminal.run('(exit 8)', 10_000)).toMatchObject({ kind: 'exited', exitCode: 8 });
  });

  it('follows a nested bash and an `exec bash`, whose prompt counters start again at 1', async () => {
    const opened = await LessonTerminal.open({ terminalId: 'pbh-nested', spec: localSpec(dir), cgroupParent: null });
    if (!opened.ok) throw new Error(opened.message);
    const t = opened.terminal;
    try {
      for (let i = 0; i < 3; i++) await t.run('true', 10_000);
      // The nested shell's first prompt (its own seq 1) ends the command that started it.
      expect(await t.run(`bash --rcfile ${join(dir, 'prompt.rc')} -i`, 10_000)).toMatchObject({ kind: 'exited', exitCode: 0 });
      expect(await t.run('(exit 9)', 10_000)).toMatchObject({ kind: 'exited', exitCode: 9 });
      expect(await t.run('exit 0', 10_000)).toMatchObject({ kind: 'exited', exitCode: 0 });
      expect(await t.run('(exit 10)', 10_000)).toMatchObject({ kind: 'exited', exitCode: 10 });
      // Same process id, a new shell with its own counter.
      expect(await t.run(`exec bash --rcfile ${join(dir, 'prompt.rc')} -i`, 10_000)).toMatchObject({ kind: 'exited', exitCode: 0 });
      expect(await t.run('(exit 11)', 10_000)).toMatchObject({ kind: 'exited', exitCode: 11 });
    } finally {
      await t.dispose();
    }
  });

  it('reports the exact non-zero exit status of a failing command', async () => {
    expect(await terminal.run('(exit 7)', 10_000)).toMatchObject({ kind: 'exited', exitCode: 7 });
    expect(await terminal.run('ls /pbh-does-not-exist', 10_000)).toMatchObject({ kind: 'exited', exitCode: 2 });
  });

  it('keeps shell state between commands, as one terminal in the browser does', async () => {
    await terminal.run('export PBH_VALUE=kept; cd /tmp', 10_000);
    expect(await terminal.run('test "$PBH_VALUE" = kept && test "$PWD" = /tmp', 10_000)).toMatchObject({ kind: 'exited', exitCode: 0 });
  });

  it('interrupts a command that runs past its timeout and leaves the shell usable', async () => {
    expect(await terminal.run('sleep 600', 300)).toEqual({ kind: 'timeout', interrupted: true });
    expect(await terminal.run('true', 10_000)).toMatchObject({ kind: 'exited', exitCode: 0 });
  });

  it('sees the end of a command whose output is larger than the flow-control window', async () => {
    expect(await terminal.run('head -c 3000000 /dev/zero | od -v | tail -c 100000', 30_000)).toEqual({ kind: 'exited', exitCode: 0, pipeStatus: [0, 0, 0] });
  });

  it('refuses a shell whose prompts it cannot see, saying why', async () => {
    const sh = await LessonTerminal.open({ terminalId: 'pbh-sh', spec: { ...localSpec(dir), file: '/bin/sh', args: ['-i'], shell: '/bin/sh' }, cgroupParent: null });
    expect(sh).toMatchObject({ ok: false, message: expect.stringContaining('/bin/sh does not mark prompts') });
    const own = localSpec(dir);
    own.env.PROMPT_COMMAND = 'true';
    expect(await LessonTerminal.open({ terminalId: 'pbh-own', spec: own, cgroupParent: null })).toMatchObject({ ok: false, message: expect.stringContaining('PROMPT_COMMAND') });
  });

  it('says the shell ended when a command exits it', async () => {
    const opened = await LessonTerminal.open({ terminalId: 'pbh-exit', spec: localSpec(dir), cgroupParent: null });
    if (!opened.ok) throw new Error(opened.message);
    try {
      const outcome = await opened.terminal.run('exit 4', 10_000);
      expect(outcome.kind).toBe('shell-ended');
      expect(await opened.terminal.run('true', 1_000)).toMatchObject({ kind: 'shell-ended' });
    } finally {
      await opened.terminal.dispose();
    }
  });
});
