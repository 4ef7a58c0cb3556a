/**
 * One shell on a pty, alive across sockets, with at most one client (socket) attached at a time. The
 * session wires its parts and owns them, and everything they start, through one DisposableStore that
 * teardown releases newest first:
 * - ShellProcess: the pty in its cgroup; disposing it kills the whole process tree.
 * - ScreenMirror: the server's copy of the screen, replayed on reattach (parsed in a worker, or inline).
 * - FlowGate: byte-counted flow control that pauses the pty (acks, the socket's buffer, the copy's backlog).
 * - AttachedClient: the socket that owns the terminal, and the output on its way to it (OutputBatcher).
 * - Watchdogs: the ack stall, input stall, idle and lifetime limits.
 * - InputPacer: backpressure on the client's input while a program reads it.
 */
import { CloseCode, closeCodeOf, terminalError, type TerminalErrorCode } from '../protocol/errors.ts';
import {
  ClientMessage,
  InputLimits,
  ObserverLimits,
  ServerMessage,
  clampSize,
  decodeClientFrame,
  encodeJsonFrame,
  type TerminalExit,
  type TerminalSize,
  type TerminalHello,
} from '../protocol/terminal.ts';
import type { SpawnSpec } from './target.ts';
import type { TerminalClient } from './TerminalClient.ts';
import { fitScreen, terminalCgroupLimits, type TerminalLimits } from './TerminalLimits.ts';
import { FlowGate } from './FlowGate.ts';
import { HeadlessScreen } from './HeadlessScreen.ts';
import type { OpenScreen, ScreenMirror } from './ScreenMirror.ts';
import { ShellProcess } from './ShellProcess.ts';
import type { ProcessCgroup } from './ProcessCgroup.ts';
import { PromptTracker } from './PromptTracker.ts';
import { AttachedClient } from './AttachedClient.ts';
import { Watchdogs } from './Watchdogs.ts';
import { InputPacer } from './InputPacer.ts';
import { DisposableStore, disposableTimeout } from './lifecycle.ts';

/**
 * Output a terminal may produce while no socket is attached before its pty is paused until one is:
 * a `yes` left running in a closed tab must not burn a core for the whole grace period. The screen
 * copy still shows the latest output (1 MB is many screens).
 */
const UNWATCHED_OUTPUT_BYTES = 1_000_000;

export interface TerminalSessionOptions {
  terminalId: string;
  spec: SpawnSpec;
  cols: number;
  rows: number;
  limits: TerminalLimits;
  /** cgroup directory (under the pids controller) that holds this gateway's terminals; null: none. */
  cgroupParent: string | null;
  /** Makes the server's screen copy (default: parsed inline; the registry passes its worker pool's). */
  openScreen?: OpenScreen;
  /** Called once when the terminal has ended (shell exit, limit, or dispose); the owner forgets it. */
  onEnd: (session: TerminalSession) => void;
}

export class TerminalSession {
  readonly terminalId: string;
  readonly spec: SpawnSpec;
  private readonly store = new DisposableStore();
  private readonly screen: ScreenMirror;
  private readonly shell: ShellProcess;
  private readonly gate = new FlowGate();
  /** Where a shell that marks prompts stands; replayed after the screen on reattach. */
  private readonly prompts = new PromptTracker();
  private readonly watchdogs: Watchdogs;
  private readonly pacer: InputPacer;
  private link: AttachedClient | null = null;
  /** Read-only watchers (the instructor's view), each with a flow gate of its own: never the learner's. */
  private readonly watchers = new Map<TerminalClient, { link: AttachedClient; gate: FlowGate }>();
  /** Output produced since the last client left. */
  private unwatchedBytes = 0;
  private cols: number;
  private rows: number;
  /** Lines of scrollback the screen copy keeps at this size (fitScreen: the copy stays within its share). */
  private scrollback: number;
  private attaches = 0;
  /** Set once the shell's trailing output has drained (ShellProcess.hasExited is set at once). */
  private exited: TerminalExit | null = null;
  private ended = false;
  /** Teardown has begun: output is drained and dropped, the pty no longer paused. */
  private tornDown = false;
  private disposing: Promise<void> | null = null;

  constructor(private readonly options: TerminalSessionOptions) {
    this.terminalId = options.terminalId;
    this.spec = options.spec;
    const { limits } = options;
    ({ cols: this.cols, rows: this.rows, scrollback: this.scrollback } = this.fit(options.cols, options.rows));
    try {
      const size = { cols: this.cols, rows: this.rows, scrollback: this.scrollback };
      const onConsumed = (bytes: number) => {
        this.gate.parserDone(bytes);
        this.updatePause();
      };
      this.screen = this.store.add(options.openScreen ? options.openScreen(size, onConsumed) : new HeadlessScreen(size, onConsumed));
      const { cgroupParent } = options;
      const { killGraceMs } = limits;
      const cgroupLimits = terminalCgroupLimits(limits);
      this.shell = this.store.add(new ShellProcess({ spec: this.spec, cols: this.cols, rows: this.rows, cgroupParent, cgroupLimits, killGraceMs }));
      this.store.add(this.shell.onData((data) => this.onOutput(data)));
      this.store.add(this.shell.onExit((exit) => this.onExit(exit)));
      this.watchdogs = this.store.add(
        new Watchdogs(limits, {
          attached: () => this.link !== null,
          queuedInput: () => this.shell.queuedInput(),
          acceptedInput: () => this.shell.acceptedInput(),
          dropClient: (code, ...args) => {
            if (this.link) this.reject(this.link.client, code, ...args);
          },
          end: (code, ...args) => this.end(code, ...args),
        }),
      );
      this.pacer = this.store.add(
        new InputPacer({
          queued: () => this.shell.queuedInput(),
          accepted: () => this.shell.acceptedInput(),
          pauseSocket: (paused) => {
            this.link?.client.pauseInput?.(paused);
            this.updatePause();
          },
        }),
      );
    } catch (error) {
      // Nothing started before the failure outlives it (a cgroup, a screen copy in the worker).
      void this.store.dispose();
      throw error;
    }
  }

  get pid(): number {
    return this.shell.pid;
  }

  get attached(): boolean {
    return this.link !== null;
  }

  get hasEnded(): boolean {
    return this.ended;
  }

  /** Flow-control state, for tests and the bench. */
  get flow(): { unacked: number; paused: boolean; parserPending: number } {
    return { unacked: this.gate.unacked, paused: this.shell.isPaused, parserPending: this.gate.parserPending };
  }

  /** The terminal's cgroup (null when cgroups are off), for tests and the bench. */
  get cgroup(): ProcessCgroup | null {
    return this.shell.cgroupOf;
  }

  /** Processes that belong to this terminal (the cgroup's, else the shell alone). */
  processIds(): number[] {
    return this.shell.processIds();
  }

  /**
   * Makes `client` the owner. A previous owner is closed with TakenOver before the new one gets a byte,
   * so input is never doubled. The new client gets Hello, then (on a resume) the screen as Replay.
   */
  attach(client: TerminalClient, size?: { cols: number; rows: number }): void {
    if (this.ended) {
      client.close(CloseCode.Normal, 'terminal ended');
      return;
    }
    const previous = this.link;
    this.link = null;
    previous?.close(CloseCode.TakenOver, 'terminal taken over by another tab');
    this.gate.resetClient();
    this.pacer.reset();
    this.watchdogs.ackPaused(false);
    this.unwatchedBytes = 0;
    if (size) this.resize(size.cols, size.rows);
    const resumed = this.attaches++ > 0;
    const link = new AttachedClient(client, this.gate, () => this.updatePause());
    this.link = link;
    const { host, shell, user, workdir } = this.spec;
    const { cols, rows, scrollback } = this;
    const hello: TerminalHello = { terminalId: this.terminalId, host, shell, user, workdir, resumed, cols, rows, scrollback, promptMarks: this.shell.promptMarks };
    link.sendJson(ServerMessage.Hello, hello);
    if (resumed) {
      // The serialized screen includes every byte written so far (a snapshot waits for the copy to catch up);
      // the prompt marks as of now follow it, since a serialized screen has none.
      const marks = this.shell.promptMarks ? this.prompts.replayMarks() : '';
      link.replay(this.screen.snapshot().then((screen) => screen + marks), () => {
        if (this.exited) this.sendExit();
      });
    }
    this.updatePause();
  }

  /** The client's socket closed. The terminal lives on (the registry starts the grace period). */
  detach(client: TerminalClient): boolean {
    if (this.link?.client !== client) return false;
    this.link.dispose();
    this.link = null;
    this.gate.resetClient();
    this.pacer.reset();
    this.updatePause();
    return true;
  }

  /**
   * Adds a read-only watcher: Hello (`readOnly`), the screen as Replay, then live output. Nothing it
   * sends reaches the pty, and it never pauses the terminal: it has its own flow gate and is dropped
   * (PB_OBSERVER_SLOW) when it falls ObserverLimits.MAX_UNACKED_BYTES behind. False when refused.
   */
  observe(client: TerminalClient): boolean {
    if (this.ended || this.watchers.size >= ObserverLimits.MAX_PER_TERMINAL) {
      client.close(CloseCode.Normal, this.ended ? 'terminal ended' : 'too many watchers');
      return false;
    }
    const gate = new FlowGate(ObserverLimits.MAX_UNACKED_BYTES, ObserverLimits.MAX_UNACKED_BYTES);
    const link = new AttachedClient(client, gate, () => this.checkWatcher(client));
    this.watchers.set(client, { link, gate });
    const { host, shell, user, workdir } = this.spec;
    const { cols, rows, scrollback } = this;
    const hello: TerminalHello = { terminalId: this.terminalId, host, shell, user, workdir, resumed: true, cols, rows, scrollback, promptMarks: this.shell.promptMarks, readOnly: true };
    link.sendJson(ServerMessage.Hello, hello);
    const marks = this.shell.promptMarks ? this.prompts.replayMarks() : '';
    link.replay(this.screen.snapshot().then((screen) => screen + marks), () => {
      if (this.exited) this.sendWatcherExit(client);
    });
    return true;
  }

  /** A watcher's socket closed. */
  unobserve(client: TerminalClient): void {
    this.watchers.get(client)?.link.dispose();
    this.watchers.delete(client);
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  /** A frame from a watcher: only its acks count (for its own gate); input and resizes are dropped here. */
  handleWatcherFrame(client: TerminalClient, frame: Uint8Array): void {
    const watcher = this.watchers.get(client);
    if (!watcher) return;
    const message = decodeClientFrame(frame);
    if (message.type === ClientMessage.Ack) watcher.gate.acked(message.bytes);
    else if (message.type === 'invalid') this.dropWatcher(client, 'PB_BAD_FRAME', message.reason);
  }

  private checkWatcher(client: TerminalClient): void {
    const watcher = this.watchers.get(client);
    if (watcher?.gate.paused) this.dropWatcher(client, 'PB_OBSERVER_SLOW', String(ObserverLimits.MAX_UNACKED_BYTES));
  }

  private dropWatcher(client: TerminalClient, errorCode: TerminalErrorCode, ...args: string[]): void {
    const watcher = this.watchers.get(client);
    if (!watcher) return;
    this.unobserve(client);
    const error = terminalError(errorCode, ...args);
    client.send(encodeJsonFrame(ServerMessage.Error, error));
    client.close(closeCodeOf(errorCode), error.message.slice(0, 120));
  }

  private sendWatcherExit(client: TerminalClient): void {
    const watcher = this.watchers.get(client);
    if (!watcher || !this.exited) return;
    watcher.link.flush();
    watcher.link.sendJson(ServerMessage.Exit, this.exited);
    this.unobserve(client);
    client.close(CloseCode.Normal, 'shell exited');
  }

  private closeWatchers(code: typeof CloseCode.Normal | typeof CloseCode.GoingAway, reason: string): void {
    for (const [client, watcher] of [...this.watchers]) {
      if (this.exited && !watcher.link.replaying) this.sendWatcherExit(client);
      else {
        this.unobserve(client);
        client.close(code, reason);
      }
    }
  }

  /** One frame from the owning client. Frames from a client that is no longer the owner are dropped. */
  handleFrame(client: TerminalClient, frame: Uint8Array): void {
    if (this.link?.client !== client) return;
    const message = decodeClientFrame(frame);
    switch (message.type) {
      case ClientMessage.Input:
        this.input(message.data);
        return;
      case ClientMessage.Resize:
        this.resize(message.cols, message.rows);
        return;
      case ClientMessage.Ack:
        this.watchdogs.acked();
        this.gate.acked(message.bytes);
        this.updatePause();
        return;
      case 'invalid':
        this.reject(client, 'PB_BAD_FRAME', message.reason);
        return;
    }
  }

  /** Closes `client` with an Error message first, so the browser can say why. `args` fill the code's message. */
  reject(client: TerminalClient, errorCode: TerminalErrorCode, ...args: string[]): void {
    const error = terminalError(errorCode, ...args);
    client.send(encodeJsonFrame(ServerMessage.Error, error));
    client.close(closeCodeOf(errorCode), error.message.slice(0, 120));
    this.detach(client);
  }

  resize(cols: number, rows: number): void {
    const before = { cols: this.cols, rows: this.rows };
    ({ cols: this.cols, rows: this.rows, scrollback: this.scrollback } = this.fit(cols, rows));
    if (this.shell.hasExited) return;
    this.shell.resize(this.cols, this.rows);
    this.screen.resize(this.cols, this.rows, this.scrollback);
    if (before.cols !== this.cols || before.rows !== this.rows) this.tellWatchersSize();
  }

  /** Watchers lay out what follows at the pty's new size; output sent before it goes first. */
  private tellWatchersSize(): void {
    const size: TerminalSize = { cols: this.cols, rows: this.rows };
    // A watcher still waiting for its Replay gets this after it (AttachedClient keeps the order).
    for (const { link } of this.watchers.values()) {
      link.flush();
      link.sendJson(ServerMessage.Resize, size);
    }
  }

  /** The size asked for, clamped by the protocol and then to the screen copy's share of the memory budget. */
  private fit(cols: number, rows: number): { cols: number; rows: number; scrollback: number } {
    const clamped = clampSize(cols, rows);
    return fitScreen(clamped.cols, clamped.rows, this.options.limits);
  }

  /** The size the terminal has (after clamping) and the scrollback its screen copy keeps. */
  get size(): { cols: number; rows: number; scrollback: number } {
    return { cols: this.cols, rows: this.rows, scrollback: this.scrollback };
  }

  private input(data: Uint8Array): void {
    if (this.shell.hasExited || data.length === 0) return;
    this.watchdogs.input();
    if (this.shell.queuedInput() + data.length > InputLimits.MAX_QUEUED_INPUT_BYTES) {
      if (this.link) this.reject(this.link.client, 'PB_INPUT_OVERFLOW');
      return;
    }
    this.prompts.input(data);
    this.pacer.beforeWrite();
    this.shell.write(data);
    this.pacer.afterWrite();
  }

  private onOutput(data: Uint8Array): void {
    if (this.tornDown) return;
    const bytes = data.byteLength;
    this.gate.parserQueued(bytes);
    this.screen.write(data);
    if (this.shell.promptMarks) this.prompts.output(data);
    if (this.link) this.link.output(data);
    else this.unwatchedBytes += bytes;
    for (const [client, watcher] of this.watchers) {
      watcher.link.output(data);
      if (watcher.gate.paused) this.checkWatcher(client);
    }
    this.updatePause();
  }

  private updatePause(): void {
    // While the pacer holds the socket's input back its acks cannot be read either, so output waits
    // only for the socket's buffer and the screen copy then: else a program echoing a paste (`cat`)
    // would block on its output, stop reading, and the pacer would have to give up on it.
    const waitsForAcks = this.gate.has('ack') && !this.pacer.isPaused;
    this.watchdogs.ackPaused(waitsForAcks);
    if (this.exited || this.tornDown) return;
    const unwatched = !this.link && this.unwatchedBytes > UNWATCHED_OUTPUT_BYTES;
    this.shell.setPaused(waitsForAcks || this.gate.has('socket') || this.gate.has('parser') || unwatched);
  }

  private onExit(exit: TerminalExit): void {
    // Trailing output can still be in flight; give it a moment before telling the client.
    this.store.add(
      disposableTimeout(this.options.limits.exitDrainMs, () => {
        this.exited = exit;
        if (this.link && !this.link.replaying) this.sendExit();
        this.finish();
      }),
    );
  }

  private sendExit(): void {
    const link = this.link;
    if (!link || !this.exited) return;
    link.flush();
    link.sendJson(ServerMessage.Exit, this.exited);
    link.client.close(CloseCode.Normal, 'shell exited');
    this.detach(link.client);
  }

  /** Ends the terminal for a reason other than shell exit: tells the client why, then tears down. */
  end(errorCode: TerminalErrorCode, ...args: string[]): void {
    if (this.ended) return;
    if (this.link) this.reject(this.link.client, errorCode, ...args);
    this.finish();
  }

  private finish(): void {
    if (this.ended) return;
    this.closeWatchers(CloseCode.Normal, 'terminal ended');
    this.ended = true;
    this.options.onEnd(this);
    void this.dispose();
  }

  /**
   * Releases everything the session started, newest first: timers and listeners, then the shell's
   * process tree (ShellProcess: SIGHUP/SIGTERM to its group, SIGKILL after killGraceMs or once the
   * shell is gone, then everything left in its cgroup, `setsid`/`nohup` escapees included), then the
   * screen copy. Resolves when nothing is left.
   */
  dispose(): Promise<void> {
    this.disposing ??= this.teardown();
    return this.disposing;
  }

  private async teardown(): Promise<void> {
    this.closeWatchers(CloseCode.GoingAway, 'gateway shutting down');
    if (!this.ended) {
      this.ended = true;
      this.link?.close(CloseCode.GoingAway, 'gateway shutting down');
      this.link = null;
      this.options.onEnd(this);
    }
    this.tornDown = true;
    await this.store.dispose();
  }
}
