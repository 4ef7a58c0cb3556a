/**
 * A process named so that a reused PID is not mistaken for it: its PID plus its start time (field 22 of
 * /proc/PID/stat, clock ticks since boot). Lab runtimes record theirs (instanceState.ts); each gateway
 * names its terminals' cgroup parent after its own (`gw-<pid>-<start>`), so a successor can tell a dead
 * owner's leftovers from a live gateway's.
 */
import { readFileSync } from 'node:fs';

/** Field 22 of /proc/PID/stat, or null if the process is gone (or a zombie, which has exited). */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // A zombie has exited; its parent may be slow to reap it (a detached runtime's parent is init).
    if (fields[0] === 'Z' || fields[0] === 'X') return null;
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

export interface ProcessIdentity {
  pid: number;
  startTime: string;
}

export function selfIdentity(): ProcessIdentity {
  return { pid: process.pid, startTime: processStartTime(process.pid) ?? '' };
}

export function isAlive(identity: ProcessIdentity): boolean {
  return processStartTime(identity.pid) === identity.startTime;
}

const OWNER_NAME = /^gw-(\d+)-(\d+)$/;

/** The cgroup directory name of a gateway's terminals: `gw-<pid>-<start time>`. */
export function ownerName(identity: ProcessIdentity = selfIdentity()): string {
  return `gw-${identity.pid}-${identity.startTime}`;
}

/** The owner a directory name stands for, or null when it is not an owner's name. */
export function parseOwnerName(name: string): ProcessIdentity | null {
  const m = OWNER_NAME.exec(name);
  return m ? { pid: Number(m[1]), startTime: m[2]! } : null;
}
