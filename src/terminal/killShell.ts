/**
 * The first half of a terminal's teardown: its shell's process group. SIGHUP and SIGTERM go to the group
 * (bash passes SIGHUP on to its jobs; SIGCONT first wakes stopped ones so they can act on it), then,
 * after the grace period or as soon as the shell is gone, SIGKILL. What left the group (`setsid`, a
 * daemon) is the second half's: the terminal's cgroup is emptied right after (ProcessCgroup.killAll,
 * released after the pty by ShellProcess's store).
 */
import { readFileSync } from 'node:fs';

/** How often to look whether the shell has exited during the grace period. */
const EXIT_POLL_MS = 20;

export interface KillShellOptions {
  /** How long the shell may take to exit after SIGHUP/SIGTERM before everything is SIGKILLed. */
  graceMs: number;
  /** The shell still runs: false skips straight to SIGKILL (only its jobs can be left). */
  running: boolean;
}

/** Resolves once SIGKILL has gone to the group of `pid` (the shell, its process group's leader). */
export async function killShell(pid: number, options: KillShellOptions): Promise<void> {
  if (options.running) {
    for (const signal of ['SIGHUP', 'SIGCONT', 'SIGTERM'] as const) signalGroup(pid, signal);
    const deadline = Date.now() + options.graceMs;
    while (isAlive(pid) && Date.now() < deadline) await delay(EXIT_POLL_MS);
  }
  signalGroup(pid, 'SIGKILL');
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* group already gone */
  }
}

/** Alive and not a zombie: the shell is node-pty's child and stays a zombie until reaped, which counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
