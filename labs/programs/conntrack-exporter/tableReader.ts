/**
 * Reads the whole kernel table from `<procRoot>/net/nf_conntrack` (the /proc root is injectable so
 * tests can read fixture files). Chosen over `conntrack -L` by measurement (see README): the same
 * entries, less CPU, and no child process.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseTableLine, type ConntrackEntry } from './conntrackLine.ts';
import type { TableStatus } from './tableStatus.ts';
import { Tunables } from './tunables.ts';

/** Where a read's time went, for the debug log and the bench (milliseconds of wall time). */
interface ReadTimes {
  /** In read(2) on the table file: the kernel formatting entries. */
  readMs: number;
  /** Decoding, splitting, parsing and handing each entry to onEntry (the table update). */
  parseMs: number;
  /** Read calls made: /proc returns at most one page per call, whatever the buffer size. */
  reads: number;
}

export type TableRead =
  | { kind: 'ok'; count: number; parseErrors: number; times: ReadTimes }
  | { kind: 'unreadable'; status: Exclude<TableStatus, 'ok' | 'starting'>; detail: string };

/**
 * Reads and parses the table, handing each TCP entry to onEntry as it is read (the table is never held
 * whole in memory). beforeSlice runs before each slice is read (the collector applies pending events
 * there).
 *
 * The file is read synchronously, into one buffer reused for the whole read, in slices of
 * Tunables.procSliceBytes; between slices the thread yields, so events keep being applied during a
 * long read. Why not a read stream: /proc/net/nf_conntrack is a seq_file, which returns at most one
 * page (about 27 entries) per read(2) call however large the buffer. A stream with a 1 MiB buffer made
 * some 4,350 reads at 100k entries, each a round trip through libuv's thread pool and each allocating
 * a fresh 1 MiB buffer (4.3 GB per resync): hundreds of garbage collections, and on busy cores
 * thousands of thread hand-offs that each waited for a CPU (resyncs took up to 7 s instead of 0.5 s).
 */
export async function readTable(procRoot: string, onEntry: (e: ConntrackEntry) => void, beforeSlice: () => void = () => {}): Promise<TableRead> {
  const path = join(procRoot, 'net/nf_conntrack');
  let count = 0;
  let parseErrors = 0;
  const times: ReadTimes = { readMs: 0, parseMs: 0, reads: 0 };
  const take = (line: string) => {
    if (line === '') return;
    const r = parseTableLine(line);
    if (r.kind === 'ok') {
      count++;
      onEntry(r.value);
    } else if (r.kind === 'error') parseErrors++;
  };
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    return unreadable(path, err);
  }
  try {
    const buf = Buffer.allocUnsafe(Tunables.procSliceBytes);
    let rest = '';
    for (;;) {
      beforeSlice();
      // Fill the buffer (one page per call) until it is nearly full or the file ends.
      const t0 = performance.now();
      let filled = 0;
      let n = 1;
      try {
        while (n > 0 && buf.length - filled >= Tunables.procMinReadBytes) {
          n = readSync(fd, buf, filled, buf.length - filled, null);
          filled += n;
          times.reads++;
        }
      } catch (err) {
        return unreadable(path, err);
      }
      const t1 = performance.now();
      times.readMs += t1 - t0;
      const lines = (rest + buf.toString('latin1', 0, filled)).split('\n');
      // The last piece may be a partial line, kept for the next slice; once the file has ended it is whole.
      rest = n === 0 ? '' : (lines.pop() ?? '');
      for (const line of lines) take(line);
      times.parseMs += performance.now() - t1;
      if (n === 0) break;
      await yieldToEvents();
    }
  } finally {
    closeSync(fd);
  }
  return { kind: 'ok', count, parseErrors, times };
}

/** Why the table could not be read, from the error of opening or reading it. */
function unreadable(path: string, err: unknown): TableRead {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return { kind: 'unreadable', status: 'not_loaded', detail: path };
  if (code === 'EACCES' || code === 'EPERM') return { kind: 'unreadable', status: 'no_permission', detail: path };
  return { kind: 'unreadable', status: 'read_error', detail: `${path}: ${(err as Error).message}` };
}

/** Lets the event loop run (events, messages, timers) before the next slice of a long read. */
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * True when this namespace has TCP sockets that are not listening while the table has none: the
 * sign that nothing asks the kernel to track connections here. Reads /proc/net/tcp and tcp6, which
 * is cheap exactly when it matters (an empty table); called only then.
 */
export async function hasTcpSockets(procRoot: string): Promise<boolean> {
  for (const file of ['net/tcp', 'net/tcp6']) {
    let text: string;
    try {
      text = await readFile(join(procRoot, file), 'latin1');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // Fields: sl local_address rem_address st …; st 0A is LISTEN.
      const st = line.trim().split(/\s+/)[3];
      if (st !== undefined && st !== '0A') return true;
    }
  }
  return false;
}
