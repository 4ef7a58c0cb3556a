/** Reading processes from /proc in tests: is a PID still running, and what command is it. */
import { readFileSync } from 'node:fs';

/** True while the process exists and is not a zombie (a zombie has exited; only its parent's wait is left). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

/** The process's command line with spaces between arguments, or '' once it is gone. */
export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return '';
  }
}
