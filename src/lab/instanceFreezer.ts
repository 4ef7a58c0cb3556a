/**
 * Pausing an instance nobody uses: every process of its cgroup tree (instanceCgroup.ts; its path) is moved into a
 * cgroup of the v1 freezer hierarchy (`/sys/fs/cgroup/freezer/patchbay-labs/<instance>`, mirroring its
 * path) and frozen. A frozen instance costs no CPU at all (background traffic, sidecars, Prometheus'
 * scrapes stop together, so nothing inside it sees a peer vanish); thawing takes a few milliseconds and
 * everything resumes where it was. Prometheus simply has no samples for the paused time.
 *
 * Frozen tasks do not act on SIGKILL until thawed, so teardown thaws first (`thawAndRemove`, called by
 * removeInstanceCgroup for every stop and stale cleanup). Without a writable freezer hierarchy every
 * function is a no-op that says so (false): instances then simply keep running.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProcessCgroup } from '../terminal/ProcessCgroup.ts';

export const FREEZER_ROOT = '/sys/fs/cgroup/freezer';
/** Passes over the instance's processes when moving them: one forked during the first is caught by the next. */
const MOVE_PASSES = 3;
/** FREEZING turns into FROZEN once every task stopped; this many 1 ms polls at most (it takes well under that). */
const STATE_POLLS = 200;

function dirOf(instanceCgroup: string): string {
  return join(FREEZER_ROOT, instanceCgroup);
}

export function freezerAvailable(): boolean {
  return existsSync(join(FREEZER_ROOT, 'cgroup.procs'));
}

/** Freezes every process of the instance's cgroup tree; false when there is no freezer (nothing changed). */
export async function freezeInstance(instanceCgroup: string): Promise<boolean> {
  if (!freezerAvailable()) return false;
  const dir = dirOf(instanceCgroup);
  try {
    mkdirSync(dir, { recursive: true });
    for (let pass = 0; pass < MOVE_PASSES; pass++) {
      const inside = new Set(readPids(join(dir, 'cgroup.procs')));
      const outside = (ProcessCgroup.at(instanceCgroup)?.allPids() ?? []).filter((p) => !inside.has(p));
      if (!outside.length) break;
      for (const pid of outside) {
        try {
          writeFileSync(join(dir, 'cgroup.procs'), String(pid));
        } catch {
          // Ended meanwhile.
        }
      }
    }
    writeFileSync(join(dir, 'freezer.state'), 'FROZEN');
    for (let i = 0; i < STATE_POLLS && state(dir) !== 'FROZEN'; i++) await new Promise((r) => setTimeout(r, 1));
    return state(dir) === 'FROZEN';
  } catch {
    return false;
  }
}

/** Thaws the instance (a no-op when it is not frozen); its processes stay in the freezer cgroup for the next freeze. */
export function thawInstance(instanceCgroup: string): void {
  const dir = dirOf(instanceCgroup);
  try {
    if (existsSync(dir) && state(dir) !== 'THAWED') writeFileSync(join(dir, 'freezer.state'), 'THAWED');
  } catch {
    // No freezer, or the cgroup went away with the instance.
  }
}

export function isFrozen(instanceCgroup: string): boolean {
  const dir = dirOf(instanceCgroup);
  return existsSync(dir) && state(dir) === 'FROZEN';
}

/** Before teardown kills the instance: thawed, so SIGKILL is acted on. */
export function thawForTeardown(instanceCgroup: string | null | undefined): void {
  if (instanceCgroup) thawInstance(instanceCgroup);
}

/** After teardown: the freezer cgroup, empty by now, is removed (and its empty parents under the root). */
export function removeFreezerCgroup(instanceCgroup: string | null | undefined): void {
  if (!instanceCgroup) return;
  try {
    rmdirSync(dirOf(instanceCgroup));
  } catch {
    // Never made (no pause happened), or still has a process: stale cleanup retries.
  }
}

function state(dir: string): string {
  return readFileSync(join(dir, 'freezer.state'), 'utf8').trim();
}

function readPids(file: string): number[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
