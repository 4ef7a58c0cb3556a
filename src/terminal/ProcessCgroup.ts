/**
 * A cgroup that holds every process a terminal (or a lab instance) starts, including `setsid`/`nohup`
 * jobs that leave the shell's process group, with a process cap, a memory cap and a CPU weight.
 * Teardown freezes forking (pids.max=0) and SIGKILLs everything in the cgroup and below until it is
 * empty, so nothing escapes. Chosen over a PID namespace alone because the caps need a cgroup anyway
 * and lab resolvers that `nsenter` still work.
 *
 * cgroup v2 where its hierarchy has the `pids` controller (`pids.max`, `memory.max`, `cpu.weight`);
 * otherwise v1, one hierarchy per controller, with the same meaning (`pids.max`,
 * `memory.limit_in_bytes` and `memory.memsw.limit_in_bytes` so swap does not stretch the cap,
 * `cpu.shares` from the weight) and the same relative path in each. Machines like this one mount v1
 * per controller and a v2 hierarchy with no controller that matters, so v1 is what runs here.
 *
 * A process joins before it execs (`joinCommand`, `joinArgv`), so there is no window in which a child
 * could fork outside.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isAlive, parseOwnerName } from './processIdentity.ts';

export const CGROUP_MOUNT = '/sys/fs/cgroup';
/** Where cgroup v1's pids controller is mounted on Linux. */
export const PIDS_CGROUP_ROOT = join(CGROUP_MOUNT, 'pids');
/**
 * How long SIGKILL rounds and removal attempts go on before giving up. Killing takes a round or two, but
 * on a busy machine an emptied cgroup can refuse rmdir (EBUSY) for a second or more while its last tasks
 * finish exiting: a 1 s budget left an empty instance cgroup behind once in CI.
 */
const KILL_BUDGET_MS = 5_000;
/** Pause between kill rounds: lets the kernel reap what was killed. */
const KILL_ROUND_MS = 20;

/** The three caps, in cgroup v2's terms. */
export interface CgroupLimits {
  /** Tasks (processes and threads) at once: `pids.max`. */
  pidsMax: number;
  /** Bytes of memory (swap not added): `memory.max`, or v1's `memory.limit_in_bytes` (+ memsw). */
  memoryBytes: number;
  /** Share of CPU under contention, 1-10000 with 100 the default: `cpu.weight`, or v1 `cpu.shares` = weight × 10.24. */
  cpuWeight: number;
}

/** Where each controller's hierarchy is mounted (one directory for all on v2); null: not available. */
export interface CgroupHierarchy {
  version: 1 | 2;
  pids: string;
  memory: string | null;
  cpu: string | null;
}

/** The hierarchy under `mount`: v2 (pure, or hybrid's `unified`) when it has `pids`, else v1; null when neither. */
export function detectHierarchy(mount = CGROUP_MOUNT): CgroupHierarchy | null {
  for (const root of [mount, join(mount, 'unified')]) {
    const controllers = readText(join(root, 'cgroup.controllers'))?.split(/\s+/);
    if (!controllers?.includes('pids')) continue;
    return { version: 2, pids: root, memory: controllers.includes('memory') ? root : null, cpu: controllers.includes('cpu') ? root : null };
  }
  if (!existsSync(join(mount, 'pids', 'cgroup.procs'))) return null;
  const v1 = (name: string, file: string) => (existsSync(join(mount, name, file)) ? join(mount, name) : null);
  return { version: 1, pids: join(mount, 'pids'), memory: v1('memory', 'memory.limit_in_bytes'), cpu: v1('cpu', 'cpu.shares') };
}

let systemHierarchyCache: CgroupHierarchy | null | undefined;
/** This machine's hierarchy (detected once). */
export function systemHierarchy(): CgroupHierarchy | null {
  if (systemHierarchyCache === undefined) systemHierarchyCache = detectHierarchy();
  return systemHierarchyCache;
}

/** v1 cpu.shares for a v2 cpu.weight (100 ↔ 1024, each the default). */
export function sharesFromWeight(weight: number): number {
  return Math.min(262_144, Math.max(2, Math.round((weight * 1024) / 100)));
}

export class ProcessCgroup {
  private constructor(
    readonly hierarchy: CgroupHierarchy,
    /** Path relative to each controller's root, e.g. `patchbay/gw-123-456/t-0a1b2c`. */
    readonly rel: string,
  ) {}

  /**
   * Makes `<parent>/<prefix>-<random>` with `limits` (none: only teardown); null when cgroups are not
   * writable (not root, no pids controller): then teardown falls back to process-group signals alone.
   */
  static create(parent: string, prefix = 't', limits: CgroupLimits | null = null, hierarchy = systemHierarchy()): ProcessCgroup | null {
    return ProcessCgroup.make(join(parent, `${prefix}-${randomBytes(6).toString('hex')}`), limits, hierarchy);
  }

  /** Makes (or reuses) the cgroup at `rel` with `limits`; null when cgroups are not writable. */
  static make(rel: string, limits: CgroupLimits | null = null, hierarchy = systemHierarchy()): ProcessCgroup | null {
    if (!hierarchy) return null;
    const cgroup = new ProcessCgroup(hierarchy, rel);
    try {
      cgroup.makeDirs();
    } catch {
      return null;
    }
    if (limits) cgroup.setLimits(limits);
    return cgroup;
  }

  /** The cgroup at `rel`, whether or not it exists (to kill and remove what another process made). */
  static at(rel: string, hierarchy = systemHierarchy()): ProcessCgroup | null {
    return hierarchy ? new ProcessCgroup(hierarchy, rel) : null;
  }

  /** Its directory in the pids hierarchy (the one that lists its processes). */
  get path(): string {
    return join(this.hierarchy.pids, this.rel);
  }

  /** Its directory in each hierarchy that is used (one on v2). */
  get dirs(): string[] {
    const { pids, memory, cpu } = this.hierarchy;
    return [...new Set([pids, memory, cpu].filter((r): r is string => r !== null))].map((root) => join(root, this.rel));
  }

  /** The files a process writes its PID to, to join (one per v1 hierarchy). */
  get procsFiles(): string[] {
    return this.dirs.map((d) => join(d, 'cgroup.procs'));
  }

  /** Wraps a command so the process moves itself into this cgroup, then execs the command (exit 126 if it cannot join). */
  joinCommand(file: string, args: string[]): { file: string; args: string[] } {
    const script = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 126; shift; done; shift; exec "$@"';
    return { file: '/bin/sh', args: ['-c', script, 'patchbay-cgroup-join', ...this.procsFiles, '--', file, ...args] };
  }

  /** `joinCommand` as one argv. */
  joinArgv(argv: string[]): string[] {
    const { file, args } = this.joinCommand(argv[0]!, argv.slice(1));
    return [file, ...args];
  }

  /** Writes the caps. Best effort per controller: a missing controller leaves that cap off, not the cgroup. */
  setLimits(limits: CgroupLimits): void {
    const { version, pids, memory, cpu } = this.hierarchy;
    const write = (root: string | null, file: string, value: string | number) => {
      if (root === null) return;
      try {
        writeFileSync(join(root, this.rel, file), String(value));
      } catch {
        /* this controller (or file) is unavailable here */
      }
    };
    write(pids, 'pids.max', limits.pidsMax);
    if (version === 2) {
      write(memory, 'memory.max', limits.memoryBytes);
      write(memory, 'memory.swap.max', 0);
      write(cpu, 'cpu.weight', Math.min(10_000, Math.max(1, Math.round(limits.cpuWeight))));
    } else {
      // memsw (memory + swap) must stay ≥ the memory limit, so it is written second.
      write(memory, 'memory.limit_in_bytes', limits.memoryBytes);
      write(memory, 'memory.memsw.limit_in_bytes', limits.memoryBytes);
      write(cpu, 'cpu.shares', sharesFromWeight(limits.cpuWeight));
    }
  }

  /** Processes directly in this cgroup. */
  pids(): number[] {
    return readPids(this.path);
  }

  /** Processes in this cgroup and every cgroup below it. */
  allPids(): number[] {
    const pids: number[] = [];
    const walk = (dir: string) => {
      pids.push(...readPids(dir));
      for (const child of subdirs(dir)) walk(join(dir, child));
    };
    walk(this.path);
    return pids;
  }

  /** SIGKILLs every process in the cgroup and below until none is left, then removes them all. */
  async killAll(): Promise<void> {
    try {
      // Stops forks racing the kill loop (a fork bomb cannot outrun it); the cap covers the subtree.
      writeFileSync(join(this.path, 'pids.max'), '0');
    } catch {
      /* the kill loop still wins, just more slowly */
    }
    if (this.hierarchy.version === 2) {
      try {
        writeFileSync(join(this.path, 'cgroup.kill'), '1');
      } catch {
        /* kernels before 5.14: the loop below */
      }
    }
    for (const deadline = Date.now() + KILL_BUDGET_MS; Date.now() < deadline; ) {
      const pids = this.allPids();
      if (pids.length === 0 && this.tryRemove()) return;
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      await new Promise((r) => setTimeout(r, KILL_ROUND_MS));
    }
  }

  /** True when the cgroup (and every cgroup below it) is gone; rmdir fails with EBUSY while a task is still exiting. */
  tryRemove(): boolean {
    let gone = true;
    for (const dir of this.dirs) gone = removeTree(dir) && gone;
    return gone;
  }

  private makeDirs(): void {
    const { version, pids, memory, cpu } = this.hierarchy;
    if (version === 1) {
      // pids first: without it there is nothing to hold the processes, and the caller gets null.
      mkdirSync(join(pids, this.rel), { recursive: true });
      for (const root of [memory, cpu]) {
        if (root === null) continue;
        try {
          mkdirSync(join(root, this.rel), { recursive: true });
        } catch {
          /* that cap stays off */
        }
      }
      return;
    }
    // v2: each level passes the controllers down to its children before the child is made.
    const enable = ['pids', memory && 'memory', cpu && 'cpu'].filter(Boolean).map((c) => `+${c}`).join(' ');
    let dir = pids;
    for (const segment of this.rel.split('/').filter(Boolean)) {
      try {
        writeFileSync(join(dir, 'cgroup.subtree_control'), enable);
      } catch {
        /* already enabled, or not delegated: the caps below will then be missing */
      }
      dir = join(dir, segment);
      if (!existsSync(dir)) mkdirSync(dir);
    }
  }
}

/**
 * Kills and removes the leftovers of dead gateways under `parent`: every `gw-<pid>-<start>` directory
 * whose owner is not that same process any more (a reused PID has another start time). A live
 * gateway's directory is never touched. Returns the relative paths removed.
 */
export async function sweepDeadOwners(parent: string, hierarchy = systemHierarchy()): Promise<string[]> {
  if (!hierarchy) return [];
  const names = new Set<string>();
  for (const dir of ProcessCgroup.at(parent, hierarchy)!.dirs) for (const name of subdirs(dir)) names.add(name);
  const removed: string[] = [];
  for (const name of names) {
    const owner = parseOwnerName(name);
    if (!owner || isAlive(owner)) continue;
    const rel = join(parent, name);
    await ProcessCgroup.at(rel, hierarchy)!.killAll();
    removed.push(rel);
  }
  return removed;
}

/** Removes the cgroup `rel` in every hierarchy when it is empty (a test's own parent cgroup). */
export function removeCgroupParent(parent: string, hierarchy = systemHierarchy()): void {
  if (!hierarchy) return;
  for (const dir of ProcessCgroup.at(parent, hierarchy)!.dirs) {
    try {
      rmdirSync(dir);
    } catch {
      /* not empty or not there */
    }
  }
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function readPids(dir: string): number[] {
  return (readText(join(dir, 'cgroup.procs')) ?? '').split('\n').filter(Boolean).map(Number);
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
}

/** rmdir children first; true when `dir` is gone. */
function removeTree(dir: string): boolean {
  for (const child of subdirs(dir)) removeTree(join(dir, child));
  try {
    rmdirSync(dir);
  } catch {
    /* EBUSY, or already removed */
  }
  return !existsSync(dir);
}
