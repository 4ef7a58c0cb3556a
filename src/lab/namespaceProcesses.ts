/**
 * Processes inside an instance's network namespaces, found through /proc/PID/ns/net. This is how
 * teardown makes sure nothing of the instance survives (double forks, terminals, a dead runtime's
 * children) and how it knows a PID is ours: it lives in one of our namespaces.
 */
import { readdirSync, readlinkSync, statSync } from 'node:fs';

/** Time a process gets to exit on SIGTERM before SIGKILL. */
export const TERM_GRACE_MS = 1_500;
const POLL_MS = 20;

export function netnsInode(name: string): number | null {
  try {
    return statSync(`/run/netns/${name}`).ino;
  } catch {
    return null;
  }
}

export function pidsInNamespaces(inodes: ReadonlySet<number>): number[] {
  if (inodes.size === 0) return [];
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const link = readlinkSync(`/proc/${entry}/ns/net`);
      const ino = Number(/\[(\d+)\]/.exec(link)?.[1]);
      if (inodes.has(ino)) pids.push(Number(entry));
    } catch {
      // Exited meanwhile, or a kernel thread.
    }
  }
  return pids;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM every process in the namespaces, SIGKILL what is left after the grace period. */
export async function killNamespaceProcesses(inodes: ReadonlySet<number>, graceMs = TERM_GRACE_MS): Promise<void> {
  let pids = pidsInNamespaces(inodes);
  if (!pids.length) return;
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (pids.length && Date.now() < deadline) {
    await sleep(POLL_MS);
    pids = pidsInNamespaces(inodes);
  }
  for (let round = 0; pids.length && round < 50; round++) {
    for (const pid of pids) signal(pid, 'SIGKILL');
    await sleep(POLL_MS);
    pids = pidsInNamespaces(inodes);
  }
}
