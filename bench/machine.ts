/** What the benches read of the machine and how they print: shared by bench/terminal.ts and bench/classroom.ts. */
import { readFileSync } from 'node:fs';

/** Jiffies the whole machine has spent busy and in total (all cores), from /proc/stat. */
export function machineJiffies(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  // idle + iowait
  return { busy: total - fields[3]! - fields[4]!, total };
}

/** Share of the machine (all cores) busy between two readings of machineJiffies(). */
export function busyShare(before: { busy: number; total: number }, after: { busy: number; total: number }): number {
  return (after.busy - before.busy) / Math.max(1, after.total - before.total);
}

/** USER_HZ on Linux. */
export const CLOCK_TICKS = 100;

/** User + system CPU ticks of these processes (all their threads); a process gone meanwhile counts 0. */
export function cpuTicksOfPids(pids: readonly number[]): number {
  let sum = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      sum += Number(f[11]) + Number(f[12]);
    } catch {
      // Exited meanwhile (a curl of the background traffic).
    }
  }
  return sum;
}

/**
 * Proportional set size of these processes in bytes (/proc/PID/smaps_rollup): each shared page counted
 * once across everything that maps it, so summing over an instance's processes gives its fair share.
 */
export function pssBytes(pids: readonly number[]): number {
  let sum = 0;
  for (const pid of pids) {
    try {
      sum += Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0) * 1024;
    } catch {
      // Exited meanwhile.
    }
  }
  return sum;
}

export function memAvailableMiB(): number {
  return Number(/^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))![1]) / 1024;
}

/** Prints rows as a Markdown table (what the README and the closing note take). */
export function printTable(rows: readonly (readonly string[])[], header: readonly string[] = ['measure', 'value', 'target']): void {
  const width = header.map((h, i) => Math.max(...rows.map((r) => (r[i] ?? '').length), h.length));
  const line = (r: readonly string[]) => `| ${width.map((w, i) => (r[i] ?? '').padEnd(w)).join(' | ')} |`;
  console.log(`\n${line(header)}\n|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}
