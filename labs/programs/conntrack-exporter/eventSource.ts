/**
 * The kernel's conntrack event stream, read from the Debian `conntrack` tool (`conntrack -E`), which
 * subscribes to the netfilter netlink groups of the network namespace it runs in. One child process;
 * its lines are handed over in batches. When it reports lost events (the kernel's ENOBUFS) or stops,
 * the owner is told, so it can resync and restart it.
 *
 * Batches: the tool writes one line per event. Read through a stream, every line woke this thread
 * for a read of its own (about 6,000 wake-ups a second under churn of 1,000 connections a second).
 * Instead, its stdout is a FIFO that this side drains every Tunables.eventReadIntervalMs without
 * blocking, so each wake-up takes all the lines written meanwhile.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tunables } from './tunables.ts';

export interface EventSourceHandlers {
  lines(lines: string[]): void;
  /** The kernel dropped events (socket buffer overrun): the copy of the table has drifted. */
  lost(): void;
  /**
   * The tool has subscribed to the kernel's events: it says so on stderr, after opening its netlink
   * socket, when it sets the buffer size (`-b`). Events from now on will arrive.
   */
  subscribed(): void;
  /** The process ended, or never started (`error` says why when it could not be spawned). */
  exit(reason: string): void;
}

/**
 * Arguments for the event stream: TCP only, with timestamps, the address family and the entry id on each line, and a
 * large netlink receive buffer (Tunables.eventBufferBytes) so a busy moment does not lose events.
 */
export const EVENT_ARGS = ['-E', '-p', 'tcp', '-o', 'timestamp,extended,id', '-b', String(Tunables.eventBufferBytes)] as const;

export class EventSource {
  private child: ChildProcess | undefined;
  private ended = false;
  /** Closes the current child's FIFO (the read end and its timer). */
  private closeFifo: (() => void) | undefined;
  /** Hands over the current child's pending lines now. */
  private drainFifo: (() => void) | undefined;
  private readonly buf = Buffer.allocUnsafe(Tunables.eventReadBytes);

  constructor(
    private readonly command: string,
    private readonly handlers: EventSourceHandlers,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    this.ended = false;
    let fifo: [number, number];
    try {
      fifo = openFifo();
    } catch (err) {
      this.ended = true;
      queueMicrotask(() => this.handlers.exit(`cannot make a FIFO for the event stream: ${(err as Error).message}`));
      return;
    }
    const [readFd, writeFd] = fifo;
    // conntrack writes through stdio, which buffers 4 KiB blocks into a pipe: events would arrive
    // late and in bursts. stdbuf (coreutils) makes its stdout line-buffered.
    const child = spawn('stdbuf', ['-oL', this.command, ...EVENT_ARGS], { stdio: ['ignore', writeFd, 'pipe'] });
    closeSync(writeFd); // the child has its copy; once it ends, the FIFO reads end-of-file
    this.child = child;
    let rest = '';
    /** Hands over the complete lines written so far; false when there was nothing. */
    const drain = (): boolean => {
      const text = this.readAvailable(readFd);
      if (text === '') return false;
      const lines = (rest + text).split('\n');
      rest = lines.pop() ?? '';
      if (lines.length > 0) this.handlers.lines(lines);
      return true;
    };
    // Drain every eventReadIntervalMs while lines come; after an empty read, wait twice as long,
    // up to eventReadIdleMs, so a table at rest costs two reads a second (one per eventReadIdleMs).
    let wait: number = Tunables.eventReadIntervalMs;
    let timer: NodeJS.Timeout;
    const tick = () => {
      wait = drain() ? Tunables.eventReadIntervalMs : Math.min(wait * 2, Tunables.eventReadIdleMs);
      timer = setTimeout(tick, wait);
    };
    timer = setTimeout(tick, wait);
    let open = true;
    const closeFifo = () => {
      if (!open) return;
      open = false;
      clearTimeout(timer);
      closeSync(readFd);
    };
    this.closeFifo = closeFifo;
    this.drainFifo = () => {
      if (open) drain();
    };
    let errText = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      if (chunk.includes('ENOBUFS')) this.handlers.lost();
      if (chunk.includes('buffer size has been set')) this.handlers.subscribed();
      errText = (errText + chunk).slice(-500);
    });
    const end = (reason: string) => {
      if (open) drain(); // lines written before it ended
      closeFifo();
      if (this.ended) return;
      this.ended = true;
      if (this.child === child) this.child = undefined;
      this.handlers.exit(reason);
    };
    child.on('error', (err) => end(`${this.command}: ${err.message}`));
    child.on('close', (code, signal) => {
      const why = errText.trim().split('\n').filter((l) => !l.includes('flow events have been shown')).pop();
      end(`${this.command} -E exited (${signal ?? `code ${code}`})${why ? `: ${why}` : ''}`);
    });
  }

  /**
   * Hands over, now, the lines the child has written since the last drain. A resync calls this before
   * each slice of the table, so that the dump is compared with a table that has every event up to
   * that moment (an event still in the FIFO would otherwise count as a correction).
   */
  drain(): void {
    this.drainFifo?.();
  }

  /** Everything the child has written so far, read without waiting. */
  private readAvailable(fd: number): string {
    let text = '';
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, this.buf, 0, this.buf.length, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return text; // nothing more for now
        throw err; // a bug: the FIFO is ours
      }
      if (n === 0) return text; // the child has ended; its close event follows
      text += this.buf.toString('latin1', 0, n);
    }
  }

  /** Stops the child, if running, and waits for it to end. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    this.ended = true;
    this.closeFifo?.();
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('close', () => resolve());
      child.kill('SIGTERM');
    });
  }
}

/**
 * A FIFO in a private temporary directory, opened for reading (without blocking) and for writing; the
 * name is removed at once, the open descriptors keep the pipe. Returns [read end, write end].
 */
function openFifo(): [number, number] {
  const dir = mkdtempSync(join(tmpdir(), 'conntrack-exporter-'));
  try {
    const path = join(dir, 'events');
    execFileSync('mkfifo', ['-m', '600', path]);
    // The read end first: opening a FIFO to write blocks until it has a reader.
    const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    return [readFd, openSync(path, constants.O_WRONLY)];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
