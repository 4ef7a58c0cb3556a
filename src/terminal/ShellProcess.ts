/**
 * A terminal's shell: a pty running the resolved spawn spec, inside a cgroup of its own with its caps when
 * cgroups are writable (ProcessCgroup), with the resolver's complete environment (plus the prompt-mark hook for
 * bash) and nothing of the gateway's. Disposing it tears the whole tree down, newest first: the process
 * group (killShell), then whatever is left in the cgroup; it resolves when nothing is left.
 */
import * as pty from 'node-pty';
import type { TerminalExit } from '../protocol/terminal.ts';
import type { SpawnSpec } from './target.ts';
import { ProcessCgroup, type CgroupLimits } from './ProcessCgroup.ts';
import { withPromptMarks } from './promptMarks.ts';
import { killShell } from './killShell.ts';
import { DisposableStore, toDisposable, type Disposable } from './lifecycle.ts';

export interface ShellProcessOptions {
  spec: SpawnSpec;
  cols: number;
  rows: number;
  /** cgroup (relative to each controller's root) under which this shell's own is made; null: none. */
  cgroupParent: string | null;
  /** Caps of the shell's cgroup (TerminalLimits' pidsMax, memory, CPU weight); null: none. */
  cgroupLimits?: CgroupLimits | null;
  /** TerminalLimits.killGraceMs. */
  killGraceMs: number;
}

/** node-pty's private write queue (node-pty 1.x has no public accessor). */
interface PtyWriteStream {
  _writeQueue?: { buffer: Buffer; offset: number }[];
  dispose?: () => void;
}

export class ShellProcess implements Disposable {
  /** The shell marks its prompts (promptMarks.ts). */
  readonly promptMarks: boolean;
  private readonly pty: pty.IPty;
  private readonly cgroup: ProcessCgroup | null;
  private readonly store = new DisposableStore();
  private exited = false;
  private paused = false;
  /** Input bytes handed to node-pty so far; less what it still queues, what the pty took. */
  private writtenInput = 0;

  constructor(options: ShellProcessOptions) {
    const { spec } = options;
    const cgroup = options.cgroupParent === null ? null : ProcessCgroup.create(options.cgroupParent, 't', options.cgroupLimits ?? null);
    this.cgroup = cgroup;
    if (cgroup) this.store.add(toDisposable(() => cgroup.killAll()));
    const command = cgroup ? cgroup.joinCommand(spec.file, spec.args) : spec;
    const shellEnv = withPromptMarks(spec);
    this.promptMarks = shellEnv.promptMarks;
    try {
      this.pty = pty.spawn(command.file, command.args, {
        name: spec.env.TERM ?? 'xterm-256color',
        cols: options.cols,
        rows: options.rows,
        cwd: spec.cwd,
        // The complete environment comes from the resolver; node-pty adds nothing of the gateway's.
        env: shellEnv.env,
        // Bytes, not strings: flow control counts bytes and the output is passed through untouched.
        encoding: null,
      });
    } catch (error) {
      void this.store.dispose();
      throw error;
    }
    // Registered before anyone else's listener, so `hasExited` is true by the time theirs run.
    this.store.add(this.pty.onExit(() => (this.exited = true)));
    this.store.add(toDisposable(() => this.kill(options.killGraceMs)));
  }

  get pid(): number {
    return this.pty.pid;
  }

  /** The shell has exited: writes and resizes are ignored. */
  get hasExited(): boolean {
    return this.exited;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** The shell's cgroup (null when cgroups are off), for tests and the bench. */
  get cgroupOf(): ProcessCgroup | null {
    return this.cgroup;
  }

  /** Processes of this terminal (the cgroup's, else the shell alone). */
  processIds(): number[] {
    return this.cgroup ? this.cgroup.pids() : [this.pty.pid];
  }

  /** Output as it is read from the pty (at most 4 KiB a read), as bytes. */
  onData(listener: (data: Uint8Array) => void): Disposable {
    return this.pty.onData((data) => listener(data as unknown as Buffer));
  }

  onExit(listener: (exit: TerminalExit) => void): Disposable {
    return this.pty.onExit(({ exitCode, signal }) => listener({ exitCode, ...(signal ? { signal } : {}) }));
  }

  /** Writes input as bytes: invalid UTF-8 is passed through (a pty is a byte device; programs decide). */
  write(data: Uint8Array): void {
    if (this.exited || data.byteLength === 0) return;
    this.writtenInput += data.byteLength;
    this.pty.write(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }

  resize(cols: number, rows: number): void {
    if (this.exited) return;
    this.pty.resize(cols, rows);
  }

  /** Stops (or resumes) reading the pty, so a program that floods it blocks instead of the gateway buffering. */
  setPaused(paused: boolean): void {
    if (paused === this.paused) return;
    this.paused = paused;
    if (paused) this.pty.pause();
    else this.pty.resume();
  }

  /** Bytes node-pty has queued for the pty but not written. 0 when the queue's shape is unknown, which only disables the input caps. */
  queuedInput(): number {
    const queue = this.writeStream()?._writeQueue;
    if (!Array.isArray(queue)) return 0;
    let total = 0;
    for (const task of queue) total += task.buffer.byteLength - task.offset;
    return total;
  }

  /** Input bytes the pty has taken so far (monotonic while the shell runs): progress of a program reading. */
  acceptedInput(): number {
    return this.writtenInput - this.queuedInput();
  }

  dispose(): Promise<void> {
    return this.store.dispose();
  }

  private writeStream(): PtyWriteStream | undefined {
    return (this.pty as unknown as { _writeStream?: PtyWriteStream })._writeStream;
  }

  private async kill(graceMs: number): Promise<void> {
    // Forget input node-pty still holds, and stop its retry loop (else it writes to a closed fd).
    const stream = this.writeStream();
    if (Array.isArray(stream?._writeQueue)) stream._writeQueue.length = 0;
    stream?.dispose?.();
    // Drain whatever the shell still writes, so it is not blocked on a paused pty and node-pty sees EOF.
    this.setPaused(false);
    await killShell(this.pty.pid, { graceMs, running: !this.exited });
    try {
      this.pty.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
}
