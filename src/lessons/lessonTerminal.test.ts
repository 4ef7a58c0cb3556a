import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LessonTerminal } from './lessonTerminal.ts';
import type { SpawnSpec } from '../terminal/target.ts';

// A bash on the machine itself (no lab): the driver's behaviour does not depend on namespaces.
let dir: string;
let terminal: LessonTerminal;

function localSpec(cwd: string): SpawnSpec {
  return {
    host: 'local',
    file: '/bin/bash',
    args: ['--norc', '--noprofile', '-i'],
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
    expect(await terminal.run('echo pbh-hello-$((6*7))', 10_000)).toEqual({ kind: 'exited', exitCode: 0 });
    expect((await terminal.lastLines()).join('\n')).toContain('pbh-hello-42');
  });

  it('reports the exact non-zero exit status of a failing command', async () => {
    expect(await terminal.run('(exit 7)', 10_000)).toEqual({ kind: 'exited', exitCode: 7 });
    expect(await terminal.run('ls /pbh-does-not-exist', 10_000)).toEqual({ kind: 'exited', exitCode: 2 });
  });

  it('keeps shell state between commands, as one terminal in the browser does', async () => {
    await terminal.run('export PBH_VALUE=kept; cd /tmp', 10_000);
    expect(await terminal.run('test "$PBH_VALUE" = kept && test "$PWD" = /tmp', 10_000)).toEqual({ kind: 'exited', exitCode: 0 });
  });

  it('interrupts a command that runs past its timeout and leaves the shell usable', async () => {
    expect(await terminal.run('sleep 600', 300)).toEqual({ kind: 'timeout', interrupted: true });
    expect(await terminal.run('true', 10_000)).toEqual({ kind: 'exited', exitCode: 0 });
  });

  it('sees the end of a command whose output is larger than the flow-control window', async () => {
    expect(await terminal.run('head -c 3000000 /dev/zero | od -v | tail -c 100000', 30_000)).toEqual({ kind: 'exited', exitCode: 0 });
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
