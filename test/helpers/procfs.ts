/** Reading processes from /proc in tests and benches: is a PID still running, what command is it, what CPU has it used. */
import { readdirSync, readFileSync } from 'node:fs';
import { processStartTime } from '../../src/lab/instanceState.ts';

/** Indices into statFields(): proc(5) numbers the fields from 1, and these start at its field 3. */
export const Stat = { utime: 11, stime: 12, cutime: 13, cstime: 14, nice: 16 } as const;

/** The fields of a /proc stat file after the command name (which may hold spaces and parentheses). */
export function statFields(path: string): string[] {
  const stat = readFileSync(path, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** User + system CPU in stat fields, in clock ticks. */
export function cpuTicksOf(fields: string[]): number {
  return Number(fields[Stat.utime]) + Number(fields[Stat.stime]);
}

/** User + system CPU of the waited-for children in stat fields, in clock ticks. */
export function childrenCpuTicksOf(fields: string[]): number {
  return Number(fields[Stat.cutime]) + Number(fields[Stat.cstime]);
}

/** User + system CPU, in clock ticks, of a process (all its threads, ended ones included) or, with tid, of one thread. */
export function cpuTicks(pid: number, tid?: number): number {
  return cpuTicksOf(statFields(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`));
}

/** The process's threads now: id, name (comm) and stat fields. A thread that ends during the listing is left out. */
export function threads(pid: number): { tid: number; name: string; stat: string[] }[] {
  const out: { tid: number; name: string; stat: string[] }[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      out.push({ tid: Number(tid), name, stat: statFields(`/proc/${pid}/task/${tid}/stat`) });
    } catch {
      // ended meanwhile
    }
  }
  return out;
}

/** True while the process exists and is not a zombie (a zombie has exited; only its parent's wait is left). */
export function alive(pid: number): boolean {
  return processStartTime(pid) !== null;
}

/** The process's command line with spaces between arguments, or '' once it is gone. */
export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return '';
  }
}
