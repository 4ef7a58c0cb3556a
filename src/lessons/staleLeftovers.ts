/**
 * What a killed `patchbay test` leaves behind (its runner shells' HOME and their cgroup), found by the
 * pid in their names and removed when that pid is gone. The lab instance itself is cleaned by startLab.
 * Only names with the run's own prefix are touched.
 */
import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PIDS_CGROUP_ROOT, removeCgroupParent } from '../terminal/ProcessCgroup.ts';

export function homePrefix(prefix: string): string {
  return `${prefix}-home-${process.pid}-`;
}

export function cgroupName(prefix: string): string {
  return `${prefix}-lessons-${process.pid}`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Removes leftovers of dead runs with this prefix; returns what was removed. */
export function removeStaleLeftovers(prefix: string): string[] {
  const removed: string[] = [];
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const home = new RegExp(`^${escaped}-home-(\\d+)-`);
  for (const name of list(tmpdir())) {
    const m = home.exec(name);
    if (m && !alive(Number(m[1]))) {
      rmSync(join(tmpdir(), name), { recursive: true, force: true });
      removed.push(join(tmpdir(), name));
    }
  }
  const cgroup = new RegExp(`^${escaped}-lessons-(\\d+)$`);
  for (const name of list(PIDS_CGROUP_ROOT)) {
    const m = cgroup.exec(name);
    if (!m || alive(Number(m[1]))) continue;
    // Per-terminal cgroups inside are empty once their shells are gone; non-empty ones stay.
    for (const child of list(join(PIDS_CGROUP_ROOT, name))) {
      if (child.startsWith('t-')) removeCgroupParent(join(name, child));
    }
    removeCgroupParent(name);
    removed.push(join(PIDS_CGROUP_ROOT, name));
  }
  return removed;
}
