import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PIDS_CGROUP_ROOT } from '../terminal/ProcessCgroup.ts';
import { removeStaleLeftovers } from './staleLeftovers.ts';

/** This file's own prefix: a lesson run elsewhere (prefix pbxr, pbxw) removes its own prefix's stale leftovers, never these fixtures. */
const PREFIX = 'pbxs';
const made: string[] = [];

/** A pid that just exited: nothing runs under it (reuse within the test is practically impossible). */
function deadPid(): number {
  return Number(spawnSync('/bin/sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim());
}

afterEach(() => {
  for (const p of made.splice(0)) {
    if (p.startsWith(PIDS_CGROUP_ROOT)) {
      try {
        rmdirSync(p);
      } catch {
        /* already removed */
      }
    } else rmSync(p, { recursive: true, force: true });
  }
});

describe('removeStaleLeftovers', () => {
  it('removes the HOME and cgroup of a run whose process is gone, and keeps a live run’s', () => {
    const dead = deadPid();
    const staleHome = mkdtempSync(join(tmpdir(), `${PREFIX}-home-${dead}-`));
    const liveHome = mkdtempSync(join(tmpdir(), `${PREFIX}-home-${process.pid}-`));
    const staleCgroup = join(PIDS_CGROUP_ROOT, `${PREFIX}-lessons-${dead}`);
    mkdirSync(staleCgroup);
    made.push(staleHome, liveHome, staleCgroup);

    const removed = removeStaleLeftovers(PREFIX);
    expect(removed).toEqual(expect.arrayContaining([staleHome, staleCgroup]));
    expect(existsSync(staleHome)).toBe(false);
    expect(existsSync(staleCgroup)).toBe(false);
    expect(existsSync(liveHome)).toBe(true);
  });
});
