/**
 * One shell on a pty, alive across sockets. Owns: the pty, a headless xterm fed with all output (the
 * screen replayed on reattach), the flow-control gate, the timers, and the cgroup that holds every
 * process the shell starts. At most one client (socket) is attached at a time.
 */
import { readFileSync } from 'node:fs';
import * as pty from 'node-pty';
import { CloseCode, closeCodeOf, terminalError, type TerminalErrorCode } from '../protocol/errors.ts';
import {
  ClientMessage,
  InputLimits,
  ServerMessage,
  clampSize,
  decodeClientFrame,
  encodeFrame,
  encodeFrameFromChunks,
  encodeJsonFrame,
  type TerminalExit,
  type TerminalHello,
} from '../protocol/terminal.ts';
import type { SpawnSpec } from './target.ts';
import type { TerminalClient } from './TerminalClient.ts';
import type { TerminalLimits } from './TerminalLimits.ts';
import { FlowGate } from './FlowGate.ts';
import { ProcessCgroup } from './ProcessCgroup.ts';
import { HeadlessScreen } from './HeadlessScreen.ts';
import { withPromptMarks } from './promptMarks.ts';
import type { OpenScreen, ScreenMirror } from './ScreenMirror.ts';

/** How often the watchdogs (ack stall, input stall) look; a fraction of their limits is enough. */
const WATCHDOG_TICK_MS = 1_000;
/**
 * Output a terminal may produce while no socket is attached before its pty is paused until one is:
 * a `yes` left running in a closed tab must not burn a core for the whole grace period. The screen
 * copy still shows the latest output (1 MB is many screens).
 */
const UNWATCHED_OUTPUT_BYTES = 1_000_000;
/** Largest coalesced Output frame: well under the client's ACK/LOW windows' granularity and ws's defaults. */
const OUTPUT_BATCH_MAX_BYTES = 64 * 1024;
/**
 * Output after a quiet spell (a keystroke's echo, a prompt) is sent at the next event-loop turn. Output
 * that follows a frame sent less than STREAMING_GAP_MS ago is a stream: it waits up to
 * STREAM_BATCH_MS to share a frame, because the pty hands over at most 4 KiB per read and a frame per
 * read costs the gateway a socket write and the browser a message and a parse call each.
 */
const STREAMING_GAP_MS = 2;
const STREAM_BATCH_MS = 4;
/** Poll for the shell's exit during teardown. */
const EXIT_POLL_MS = 20;

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
  readonly startedAt = Date.now();
  /** Last input from the learner; the idle limit counts from here. */
  lastInput = Date.now();
  private readonly pty: pty.IPty;
  private readonly screen: ScreenMirror;
  private readonly gate = new FlowGate();
  private readonly cgroup: ProcessCgroup | null;
  private readonly promptMarks: boolean;
  private client: TerminalClient | null = null;
  /** Output read from the pty and not yet sent, for the current client (see onOutput). */
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private batchScheduled = false;
  private batchTimer: NodeJS.Timeout | null = null;
  private lastFlushAt = 0;
  /** Output that arrived while a replay was being prepared; sent right after the replay. */
  private held: Uint8Array[] | null = null;
  private ptyPaused = false;
  /** Output produced since the last client left. */
  private unwatchedBytes = 0;
  private ackPausedSince = 0;
  private lastAckAt = 0;
  private inputQueuedSince = 0;
  private inputQueuedLevel = 0;
  private cols: number;
  private rows: number;
  private attaches = 0;
  private exited: TerminalExit | null = null;
  /** The shell has exited (set at once; `exited` waits for trailing output): no more writes or resizes. */
  private ptyGone = false;
  private ended = false;
  /** Teardown has begun: output is drained and dropped. */
  private tornDown = false;
  private disposing: Promise<void> | null = null;
  private readonly watchdog: NodeJS.Timeout;
  private readonly lifetimeTimer: NodeJS.Timeout;

  constructor(private readonly options: TerminalSessionOptions) {
    this.terminalId = options.terminalId;
    this.spec = options.spec;
    ({ cols: this.cols, rows: this.rows } = clampSize(options.cols, options.rows));
    this.cgroup = options.cgroupParent === null ? null : ProcessCgroup.create(options.cgroupParent);
    const command = this.cgroup ? this.cgroup.joinCommand(this.spec.file, this.spec.args) : this.spec;
    const size = { cols: this.cols, rows: this.rows, scrollback: options.limits.scrollback };
    const onConsumed = (bytes: number) => {
      this.gate.parserDone(bytes);
      this.updatePause();
    };
    this.screen = options.openScreen ? options.openScreen(size, onConsumed) : new HeadlessScreen(size, onConsumed);
    const shellEnv = withPromptMarks(this.spec);
    this.promptMarks = shellEnv.promptMarks;
    this.pty = pty.spawn(command.file, command.args, {
      name: this.spec.env.TERM ?? 'xterm-256color',
      cols: this.cols,
      rows: this.rows,
      cwd: this.spec.cwd,
      // The complete environment comes from the resolver; node-pty adds nothing of the gateway's.
      env: shellEnv.env,
      // Bytes, not strings: flow control counts bytes and the output is passed through untouched.
      encoding: null,
    });
    this.pty.onData((data) => this.onOutput(data as unknown as Buffer));
    this.pty.onExit(({ exitCode, signal }) => this.onExit({ exitCode, ...(signal ? { signal } : {}) }));
    this.watchdog = setInterval(() => this.checkWatchdogs(), WATCHDOG_TICK_MS);
    this.lifetimeTimer = setTimeout(
      () => this.end('PB_LIMIT', 'The terminal reached its maximum lifetime'),
      options.limits.maxLifetimeMs,
    );
  }

  get pid(): number {
    return this.pty.pid;
  }

  get attached(): boolean {
    return this.client !== null;
  }

  get hasEnded(): boolean {
    return this.ended;
  }

  /** Flow-control state, for tests and the bench. */
  get flow(): { unacked: number; paused: boolean; parserPending: number } {
    return { unacked: this.gate.unacked, paused: this.ptyPaused, parserPending: this.gate.parserPending };
  }

  /** Processes that belong to this terminal (the cgroup's, else the shell alone). */
  processIds(): number[] {
    return this.cgroup ? this.cgroup.pids() : [this.pty.pid];
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
    const previous = this.client;
    this.client = null;
    this.dropBatch();
    if (previous) previous.close(CloseCode.TakenOver, 'terminal taken over by another tab');
    this.gate.resetClient();
    this.ackPausedSince = 0;
    this.unwatchedBytes = 0;
    if (size) this.resize(size.cols, size.rows);
    const resumed = this.attaches++ > 0;
    this.client = client;
    const hello: TerminalHello = {
      terminalId: this.terminalId,
      host: this.spec.host,
      shell: this.spec.shell,
      user: this.spec.user,
      workdir: this.spec.workdir,
      resumed,
      cols: this.cols,
      rows: this.rows,
      promptMarks: this.promptMarks,
    };
    client.send(encodeJsonFrame(ServerMessage.Hello, hello));
    if (!resumed) {
      this.updatePause();
      return;
    }
    // The serialized screen must include every byte written so far: wait for the headless parser to
    // catch up, holding back output that arrives meanwhile.
    this.held = [];
    void this.screen.snapshot().then((text) => {
      if (this.client !== client) return;
      const replay = Buffer.from(text);
      const held = this.held ?? [];
      this.held = null;
      this.sendOutput(ServerMessage.Replay, replay);
      for (const chunk of held) this.sendOutput(ServerMessage.Output, chunk);
      if (this.exited) this.sendExit();
    });
    this.updatePause();
  }

  /** The client's socket closed. The terminal lives on (the registry starts the grace period). */
  detach(client: TerminalClient): boolean {
    if (this.client !== client) return false;
    this.client = null;
    this.held = null;
    this.dropBatch();
    this.gate.resetClient();
    this.updatePause();
    return true;
  }

  /** One frame from the owning client. Frames from a client that is no longer the owner are dropped. */
  handleFrame(client: TerminalClient, frame: Uint8Array): void {
    if (this.client !== client) return;
    const message = decodeClientFrame(frame);
    switch (message.type) {
      case ClientMessage.Input:
        this.input(message.data);
        return;
      case ClientMessage.Resize:
        this.resize(message.cols, message.rows);
        return;
      case ClientMessage.Ack:
        this.lastAckAt = Date.now();
        this.gate.acked(message.bytes);
        if (!this.gate.has('ack')) this.ackPausedSince = 0;
        this.updatePause();
        return;
      case 'invalid':
        this.reject(client, 'PB_BAD_FRAME', message.reason);
        return;
    }
  }

  /** Closes `client` with an Error message first, so the browser can say why. */
  reject(client: TerminalClient, errorCode: TerminalErrorCode, ...args: string[]): void {
    const error = terminalError(errorCode, ...args);
    client.send(encodeJsonFrame(ServerMessage.Error, error));
    client.close(closeCodeOf(errorCode), error.message.slice(0, 120));
    this.detach(client);
  }

  resize(cols: number, rows: number): void {
    ({ cols: this.cols, rows: this.rows } = clampSize(cols, rows));
    if (this.ptyGone) return;
    this.pty.resize(this.cols, this.rows);
    this.screen.resize(this.cols, this.rows);
  }

  private input(data: Uint8Array): void {
    if (this.ptyGone || data.length === 0) return;
    this.lastInput = Date.now();
    // Invalid UTF-8 is passed through as bytes: a pty is a byte device and programs decide.
    if (this.queuedInput() + data.length > InputLimits.MAX_QUEUED_INPUT_BYTES) {
      if (this.client) this.reject(this.client, 'PB_INPUT_OVERFLOW');
      return;
    }
    this.pty.write(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }

  /**
   * Bytes node-pty has queued for the pty but not written (its private write queue: node-pty 1.x has no
   * public accessor). 0 when the shape is unknown, which only disables the input caps.
   */
  private queuedInput(): number {
    const queue = this.writeStream()?._writeQueue;
    if (!Array.isArray(queue)) return 0;
    let total = 0;
    for (const task of queue) total += task.buffer.byteLength - task.offset;
    return total;
  }

  private writeStream(): { _writeQueue?: { buffer: Buffer; offset: number }[]; dispose?: () => void } | undefined {
    return (this.pty as unknown as { _writeStream?: ReturnType<TerminalSession['writeStream']> })._writeStream;
  }

  /** Forgets input node-pty still holds, and stops its retry loop (else it writes to a closed fd). */
  private dropQueuedInput(): void {
    const stream = this.writeStream();
    if (Array.isArray(stream?._writeQueue)) stream._writeQueue.length = 0;
    stream?.dispose?.();
  }

  private onOutput(data: Buffer): void {
    if (this.tornDown) return;
    const bytes = data.byteLength;
    this.gate.parserQueued(bytes);
    this.screen.write(data);
    if (!this.client) this.unwatchedBytes += bytes;
    if (this.held) this.held.push(data);
    else if (this.client) {
      // Coalesce the pty's small reads (≤ 4 KiB each) into one frame per event-loop turn: far fewer
      // frames and socket writes under load, and at most one turn of delay for a keystroke's echo.
      this.gate.sent(bytes);
      this.batch.push(data);
      this.batchBytes += bytes;
      if (this.batchBytes >= OUTPUT_BATCH_MAX_BYTES) this.flushBatch();
      else if (!this.batchScheduled) {
        this.batchScheduled = true;
        if (performance.now() - this.lastFlushAt > STREAMING_GAP_MS) setImmediate(() => this.flushBatch());
        else this.batchTimer = setTimeout(() => this.flushBatch(), STREAM_BATCH_MS);
      }
    }
    this.updatePause();
  }

  private flushBatch(): void {
    this.batchScheduled = false;
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = null;
    if (this.batch.length === 0) return;
    const frame = encodeFrameFromChunks(ServerMessage.Output, this.batch, this.batchBytes);
    this.batch = [];
    this.batchBytes = 0;
    this.lastFlushAt = performance.now();
    this.sendEncoded(frame);
  }

  /** Sends output that was not counted yet (Replay, output held during a replay). */
  private sendOutput(type: number, data: Uint8Array): void {
    if (!this.client) return;
    this.gate.sent(data.byteLength);
    this.sendFrame(type, data);
  }

  private sendFrame(type: number, data: Uint8Array): void {
    this.sendEncoded(encodeFrame(type, data));
  }

  private sendEncoded(frame: Uint8Array): void {
    const client = this.client;
    if (!client) return;
    client.send(frame, () => {
      if (this.client !== client) return;
      this.gate.socketBuffered(client.bufferedAmount);
      this.updatePause();
    });
    this.gate.socketBuffered(client.bufferedAmount);
  }

  private updatePause(): void {
    if (this.gate.has('ack')) {
      if (this.ackPausedSince === 0) this.ackPausedSince = Date.now();
    } else this.ackPausedSince = 0;
    const unwatched = !this.client && this.unwatchedBytes > UNWATCHED_OUTPUT_BYTES;
    const want = (this.gate.paused || unwatched) && !this.exited;
    if (want === this.ptyPaused || this.exited || this.tornDown) return;
    this.ptyPaused = want;
    if (want) this.pty.pause();
    else this.pty.resume();
  }

  private checkWatchdogs(): void {
    const now = Date.now();
    const limits = this.options.limits;
    // A client that keeps the pty paused without acking is broken or hostile: drop it; the terminal
    // lives on for a reattach, which starts the count from zero.
    if (this.client && this.ackPausedSince > 0 && now - Math.max(this.ackPausedSince, this.lastAckAt) > limits.ackStallMs) {
      this.reject(this.client, 'PB_ACK_STALL', String(limits.ackStallMs));
    }
    // Input node-pty cannot write because the child stopped reading: node-pty retries on every event
    // loop turn (a CPU spin). If it does not move for inputStallMs, end the terminal.
    const queued = this.queuedInput();
    if (queued === 0) {
      this.inputQueuedSince = 0;
    } else if (this.inputQueuedSince === 0 || queued < this.inputQueuedLevel) {
      this.inputQueuedSince = now;
      this.inputQueuedLevel = queued;
    } else if (now - this.inputQueuedSince > limits.inputStallMs) {
      this.end('PB_INPUT_STALLED');
      return;
    }
    if (now - this.lastInput > limits.idleMs) {
      this.end('PB_LIMIT', 'The terminal was idle too long');
    }
  }

  private onExit(exit: TerminalExit): void {
    this.ptyGone = true;
    // Trailing output can still be in flight; give it a moment before telling the client.
    setTimeout(() => {
      this.exited = exit;
      if (this.client && !this.held) this.sendExit();
      this.finish();
    }, this.options.limits.exitDrainMs);
  }

  private dropBatch(): void {
    this.batch = [];
    this.batchBytes = 0;
  }

  private sendExit(): void {
    const client = this.client;
    if (!client || !this.exited) return;
    this.flushBatch();
    client.send(encodeJsonFrame(ServerMessage.Exit, this.exited));
    client.close(CloseCode.Normal, 'shell exited');
    this.detach(client);
  }

  /** Ends the terminal for a reason other than shell exit: tells the client why, then tears down. */
  end(errorCode: TerminalErrorCode, ...args: string[]): void {
    if (this.ended) return;
    if (this.client) this.reject(this.client, errorCode, ...args);
    this.finish();
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.options.onEnd(this);
    void this.dispose();
  }

  /**
   * Kills the whole tree: SIGHUP and SIGTERM to the shell's process group (bash passes SIGHUP on to its
   * jobs), then after killGraceMs, or as soon as the shell is gone, SIGKILL to everything left in the
   * cgroup, `setsid`/`nohup` escapees included. Resolves when nothing is left.
   */
  dispose(): Promise<void> {
    this.disposing ??= this.teardown();
    return this.disposing;
  }

  private async teardown(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      if (this.client) this.client.close(CloseCode.GoingAway, 'gateway shutting down');
      this.client = null;
      this.options.onEnd(this);
    }
    clearInterval(this.watchdog);
    clearTimeout(this.lifetimeTimer);
    this.dropQueuedInput();
    this.tornDown = true;
    // Drain whatever the shell still writes, so it is not blocked on a paused pty and node-pty sees EOF.
    if (this.ptyPaused) this.pty.resume();
    this.ptyPaused = false;
    const pid = this.pty.pid;
    if (!this.exited) {
      for (const signal of ['SIGHUP', 'SIGCONT', 'SIGTERM'] as const) signalGroup(pid, signal);
      const deadline = Date.now() + this.options.limits.killGraceMs;
      while (isAlive(pid) && Date.now() < deadline) await delay(EXIT_POLL_MS);
    }
    signalGroup(pid, 'SIGKILL');
    if (this.cgroup) await this.cgroup.killAll();
    try {
      this.pty.kill('SIGKILL');
    } catch {
      /* already gone */
    }
    this.screen.dispose();
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* group already gone */
  }
}

/** The shell is node-pty's child: alive until reaped; a zombie counts as gone. */
function isAlive(pid: number): boolean {
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
