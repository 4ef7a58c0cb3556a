/**
 * What an instance may leave behind, looked up in the kernel and on disk: namespaces, links, mounts,
 * /etc/netns entries, processes in its namespaces, its state dir and subnet claim. Empty = clean.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { netnsInode, pidsInNamespaces } from '../../src/lab/namespaceProcesses.ts';
import { processStartTime, SUBNET_CLAIMS_DIR } from '../../src/lab/instanceState.ts';

export interface ProcessSnapshot {
  pid: number;
  startTime: string;
}

/**
 * Every process in the named namespaces, taken while they are mounted (so their inodes are pinned and
 * not reused by another namespace). After teardown, `leftovers` checks none of them is still alive.
 */
export function processesIn(netnsNames: string[]): ProcessSnapshot[] {
  const inodes = new Set(netnsNames.map(netnsInode).filter((i): i is number => i !== null));
  return pidsInNamespaces(inodes).map((pid) => ({ pid, startTime: processStartTime(pid) ?? '' }));
}

export interface Leftovers {
  netns: string[];
  links: string[];
  mounts: string[];
  etcNetns: string[];
  pids: number[];
  dirs: string[];
  claims: string[];
}

export function leftovers(id: string, processes: ProcessSnapshot[], runtimeDir: string): Leftovers {
  const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter((l) => l.includes(id));
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter((l) => l.includes(id));
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(id));
  const etcNetns = existsSync('/etc/netns') ? readdirSync('/etc/netns').filter((n) => n.includes(id)) : [];
  const claims = existsSync(SUBNET_CLAIMS_DIR)
    ? readdirSync(SUBNET_CLAIMS_DIR).filter((n) => {
        try {
          return readFileSync(join(SUBNET_CLAIMS_DIR, n, 'owner'), 'utf8') === id;
        } catch {
          return false;
        }
      })
    : [];
  return {
    netns,
    links,
    mounts,
    etcNetns,
    pids: processes.filter((p) => processStartTime(p.pid) === p.startTime).map((p) => p.pid),
    dirs: existsSync(join(runtimeDir, id)) ? [join(runtimeDir, id)] : [],
    claims,
  };
}

export const NOTHING: Leftovers = { netns: [], links: [], mounts: [], etcNetns: [], pids: [], dirs: [], claims: [] };
