/**
 * A per-terminal cgroup (v1 `pids` controller) that holds every process a shell starts, including
 * `setsid`/`nohup` jobs that leave the shell's process group. Teardown freezes forking (pids.max=0) and
 * SIGKILLs cgroup.procs until it is empty, so nothing escapes. Chosen over a PID namespace because the
 * shell keeps ordinary PID semantics (it is not PID 1) and lab resolvers that `nsenter` still work.
 *
 * The shell joins its cgroup before it execs (see `joinCommand`), so there is no window in which a
 * child could fork outside it.
 */
import { mkdirSync, readFileSync, rmdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Where cgroup v1's pids controller is mounted on Linux. */
export const PIDS_CGROUP_ROOT = '/sys/fs/cgroup/pids';
/** Rounds of SIGKILL before giving up on an (in practice impossible) unkillable cgroup. */
const MAX_KILL_ROUNDS = 50;
/** Pause between kill rounds: lets the kernel reap what was killed. */
const KILL_ROUND_MS = 20;

export class ProcessCgroup {
  private constructor(readonly path: string) {}

  /**
   * Makes `<root>/<parent>/<prefix>-<random>`; null when cgroups are not writable (not root, no v1
   * pids controller): then teardown falls back to process-group signals alone.
   */
  static create(parent: string, prefix = 't', root = PIDS_CGROUP_ROOT): ProcessCgroup | null {
    try {
      const parentPath = join(root, parent);
      mkdirSync(parentPath, { recursive: true });
      const path = join(parentPath, `${prefix}-${randomBytes(6).toString('hex')}`);
      mkdirSync(path);
      return new ProcessCgroup(path);
    } catch {
      return null;
    }
  }

  get procsFile(): string {
    return join(this.path, 'cgroup.procs');
  }

  /** Wraps a command so the process moves itself into this cgroup, then execs the command. */
  joinCommand(file: string, args: string[]): { file: string; args: string[] } {
    return { file: '/bin/sh', args: ['-c', 'echo $$ > "$0" && exec "$@"', this.procsFile, file, ...args] };
  }

  pids(): number[] {
    try {
      return readFileSync(this.procsFile, 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  }

  /** SIGKILLs every process in the cgroup until none is left, then removes it. */
  async killAll(): Promise<void> {
    try {
      // Stops forks racing the kill loop (a fork bomb cannot outrun it).
      writeFileSync(join(this.path, 'pids.max'), '0');
    } catch {
      /* the kill loop still wins, just more slowly */
    }
    for (let round = 0; round < MAX_KILL_ROUNDS; round++) {
      const pids = this.pids();
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

  /** True when the cgroup directory is gone (rmdir fails with EBUSY while a task is still exiting). */
  tryRemove(): boolean {
    try {
      rmdirSync(this.path);
    } catch {
      /* EBUSY, or already removed */
    }
    return !existsSync(this.path);
  }
}

/** Removes `<root>/<parent>` when it is empty (a test's own parent cgroup). */
export function removeCgroupParent(parent: string, root = PIDS_CGROUP_ROOT): void {
  try {
    rmdirSync(join(root, parent));
  } catch {
    /* not empty or not there */
  }
}
