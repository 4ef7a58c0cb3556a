/**
 * The kernel's conntrack event stream, read from the Debian `conntrack` tool (`conntrack -E`), which
 * subscribes to the netfilter netlink groups of the network namespace it runs in. One child process;
 * its lines are handed over in batches (one per pipe read). When it reports lost events (the
 * kernel's ENOBUFS) or stops, the owner is told, so it can resync and restart it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
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

  constructor(
    private readonly command: string,
    private readonly handlers: EventSourceHandlers,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    this.ended = false;
    // conntrack writes through stdio, which buffers 4 KiB blocks into a pipe: events would arrive
    // late and in bursts. stdbuf (coreutils) makes its stdout line-buffered.
    const child = spawn('stdbuf', ['-oL', this.command, ...EVENT_ARGS], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let rest = '';
    child.stdout!.setEncoding('latin1');
    child.stdout!.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      if (lines.length > 0) this.handlers.lines(lines);
    });
    let errText = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      if (chunk.includes('ENOBUFS')) this.handlers.lost();
      if (chunk.includes('buffer size has been set')) this.handlers.subscribed();
      errText = (errText + chunk).slice(-500);
    });
    const end = (reason: string) => {
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

  /** Stops the child, if running, and waits for it to end. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    this.ended = true;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('close', () => resolve());
      child.kill('SIGTERM');
    });
  }
}
