/**
 * One lesson terminal driven the way the browser drives it: a TerminalSession (the gateway's own pty
 * session) with an in-process client that decodes frames and acknowledges bytes after parsing them in
 * a headless xterm, with the same client core as the dock. Commands are typed as keystrokes once the
 * shell has drawn its prompt (as a person would: readline is reading then, so nothing is echoed twice);
 * completion and exit status (of each stage of a pipeline too) come from the command-end mark the
 * gateway's prompt hook prints before each prompt (src/protocol/promptMarks.ts), so nothing is guessed
 * from timing or prompt text. `checkTyping` types at the prompt by hand and reads the screen, as a
 * learner would notice a terminal that no longer echoes.
 */
import xtermHeadless from '@xterm/headless';
import type { Terminal as HeadlessTerminal, IMarker } from '@xterm/headless';
import { ClientMessage, ServerMessage, encodeFrame, type TerminalExit, type TerminalHello } from '../protocol/terminal.ts';
import { decodeServerFrame } from '../protocol/serverFrames.ts';
import { AckCounter } from '../protocol/AckCounter.ts';
import { PROMPT_MARK_OSC, isLaterMark, parsePromptMark, type CommandEndMark } from '../protocol/promptMarks.ts';
import { TerminalSession } from '../terminal/TerminalSession.ts';
import { DEFAULT_TERMINAL_LIMITS } from '../terminal/TerminalLimits.ts';
import type { TerminalClient } from '../terminal/TerminalClient.ts';
import type { SpawnSpec } from '../terminal/target.ts';

/** How the command before a prompt ended. */
type CommandEnd = CommandEndMark;

const { Terminal: Headless } = xtermHeadless;

export const LessonTerminalDefaults = {
  /** Wide enough that `jq` output and curl lines rarely wrap, so "last lines" in a report read well. */
  COLS: 160,
  ROWS: 48,
  /** Kept for the report's "last lines"; a lesson command's output is rarely longer. */
  SCROLLBACK: 2000,
  /** bash starts and draws its first prompt in well under a second; generous for a loaded CI box. */
  SETUP_TIMEOUT_MS: 15_000,
  /** After Ctrl-C on a command that timed out, how long to wait for the prompt to come back. */
  INTERRUPT_GRACE_MS: 5_000,
  /**
   * After the prompt mark, how long readline may take to draw the prompt before keys are typed anyway
   * (an empty PS1 draws nothing). It draws within milliseconds; this only bounds the odd case.
   */
  PROMPT_DRAW_MS: 2_000,
  /** How long keys typed at the prompt may take to show on the screen: an echo is a round trip on one machine. */
  ECHO_MS: 3_000,
  /**
   * A command that keeps running (a server, `tail -f`) is let run until it prints something, or this
   * long: enough for a program to start and say so, short enough not to slow a lesson down.
   */
  KEEPS_RUNNING_SETTLE_MS: 3_000,
  /**
   * Once a command that should keep running has printed, how long its D mark may still take: one that
   * fails at once (`tail: cannot open …`) prints its error, then exits, and the shell's mark comes in a
   * later output frame within milliseconds.
   */
  KEEPS_RUNNING_EARLY_END_MS: 300,
} as const;

/** Typed at the prompt after each block to see that typing still shows; Ctrl-U then takes it back. */
const TYPING_MARKER = 'patchbay-checks-typing';

export type CommandOutcome =
  /** `pipeStatus`: each stage of its last pipeline, when the shell reports them. */
  | { kind: 'exited'; exitCode: number; pipeStatus?: readonly number[] }
  | { kind: 'timeout'; interrupted: boolean }
  /** The shell itself ended (the command was `exit`, or the terminal was killed). */
  | { kind: 'shell-ended'; exit: TerminalExit | null; reason: string };

/** A command that keeps running, once started: still running, or already ended (how). */
export type StartOutcome = { kind: 'running' } | Exclude<CommandOutcome, { kind: 'timeout' }>;

/** Whether typing at the prompt shows on the screen, on a clean prompt line. */
export type TypingCheck = { ok: true } | { ok: false; message: string };

export interface LessonTerminalOptions {
  terminalId: string;
  spec: SpawnSpec;
  /** cgroup directory for the shell's processes (see ProcessCgroup); null for none. */
  cgroupParent: string | null;
}

export class LessonTerminal {
  private readonly screen: HeadlessTerminal;
  private readonly session: TerminalSession;
  private readonly client: TerminalClient;
  private readonly acks = new AckCounter();
  private hello: TerminalHello | null = null;
  /**
   * The latest command-end mark (a mark seen again is not taken for a new one; a nested bash or
   * `exec bash` counts its own: isLaterMark), and how many such marks came: prompts are told apart by it.
   */
  private lastEnd: CommandEnd | null = null;
  private endCount = 0;
  /** The mark before the last command typed: a later one says how that command ended. */
  private typed: { after: CommandEnd | null } | null = null;
  private waiter: { after: CommandEnd | null; resolve: (m: CommandEnd | null) => void } | null = null;
  private endedReason: string | null = null;
  private exit: TerminalExit | null = null;
  /**
   * Where the last prompt starts (its A mark): the line, tracked through scrolling, the column, and the
   * count of D marks before it (a prompt is the current one while no later D came).
   */
  private promptStart: { line: IMarker; column: number; endCount: number } | null = null;
  /** Conditions on the screen waited for, checked after each parsed write. */
  private readonly screenWaiters = new Set<() => void>();

  private constructor(readonly options: LessonTerminalOptions) {
    this.screen = new Headless({
      cols: LessonTerminalDefaults.COLS,
      rows: LessonTerminalDefaults.ROWS,
      scrollback: LessonTerminalDefaults.SCROLLBACK,
      allowProposedApi: true,
    });
    this.screen.parser.registerOscHandler(PROMPT_MARK_OSC, (data) => {
      const mark = parsePromptMark(data);
      if (mark?.kind === 'command-end') this.onMark(mark);
      // The handler runs as the parser reaches the mark, so the cursor is where the prompt starts.
      if (mark?.kind === 'prompt-start') this.onPromptStart();
      return mark !== null;
    });
    this.client = {
      send: (frame, onSent) => {
        this.onFrame(frame);
        onSent?.();
      },
      close: (_code, reason) => this.onEnded(reason),
      bufferedAmount: 0,
    };
    this.session = new TerminalSession({
      terminalId: options.terminalId,
      spec: options.spec,
      cols: LessonTerminalDefaults.COLS,
      rows: LessonTerminalDefaults.ROWS,
      limits: DEFAULT_TERMINAL_LIMITS,
      cgroupParent: options.cgroupParent,
      onEnd: () => this.onEnded('terminal ended'),
    });
    this.session.attach(this.client);
  }

  /** Starts the shell and waits for its first marked prompt; an error value when that does not work. */
  static async open(options: LessonTerminalOptions): Promise<{ ok: true; terminal: LessonTerminal } | { ok: false; message: string; lastLines: string[] }> {
    const t = new LessonTerminal(options);
    // Hello is sent as the session attaches, so it is here already.
    if (!t.hello?.promptMarks) {
      await t.dispose();
      const why = t.hello ? `its shell ${options.spec.shell} does not mark prompts (the gateway hooks bash, unless its environment sets PROMPT_COMMAND)` : 'the terminal did not start';
      return { ok: false, message: `the runner cannot see when a command ends in terminal "${options.terminalId}": ${why}`, lastLines: [] };
    }
    const mark = await t.waitForMark(LessonTerminalDefaults.SETUP_TIMEOUT_MS);
    if (!mark) {
      const lastLines = await t.lastLines();
      await t.dispose();
      return { ok: false, message: `the shell on ${options.spec.host} did not come up with a marked prompt (does an rc file set its own PROMPT_COMMAND?)`, lastLines };
    }
    // What the shell printed while starting is not the lesson's: "last lines" in reports are about the lesson.
    t.screen.clear();
    return { ok: true, terminal: t };
  }

  get host(): string {
    return this.options.spec.host;
  }

  /** Types one command and Enter at the prompt, then waits for its prompt mark, up to timeoutMs. */
  async run(command: string, timeoutMs: number): Promise<CommandOutcome> {
    if (this.endedReason) return this.ended();
    await this.promptDrawn();
    const mark = await this.typeAndWait(command, timeoutMs);
    if (mark) return exited(mark);
    if (this.endedReason) return this.ended();
    // Ctrl-C, as a learner would; the shell's next prompt mark (130) says it is usable again.
    const interrupted = await this.interrupt();
    return { kind: 'timeout', interrupted: interrupted !== null };
  }

  /**
   * Types a command that keeps running (`keepsRunning`) and lets it start: returns once it has printed
   * something below its command line, or after the settle time, or when it ends early (then how).
   */
  async start(command: string, settleMs: number = LessonTerminalDefaults.KEEPS_RUNNING_SETTLE_MS): Promise<StartOutcome> {
    if (this.endedReason) return this.ended();
    await this.promptDrawn();
    const buffer = () => this.screen.buffer.active;
    // Rows the typed line takes (readline wraps it at the terminal's width), counted from the prompt's row.
    const from = this.screen.registerMarker(0);
    const commandRows = Math.floor((buffer().cursorX + command.length) / this.screen.cols);
    const printed = () => {
      if (!from || from.line < 0) return true;
      for (let row = from.line + commandRows + 1; row < buffer().length; row++) {
        if (buffer().getLine(row)?.translateToString(true).trim()) return true;
      }
      return false;
    };
    const ended = this.typeAndWait(command, settleMs);
    const started = this.waitForScreen(printed, settleMs);
    const first = await Promise.race([ended.then((m) => ({ m })), started.then(() => null)]);
    from?.dispose();
    if (first?.m) return exited(first.m);
    if (this.endedReason) return this.ended();
    // It printed: a program that fails at once has printed its error, and its mark is on its way.
    const early = await Promise.race([ended, delay(LessonTerminalDefaults.KEEPS_RUNNING_EARLY_END_MS)]);
    if (early) return exited(early);
    if (this.endedReason) return this.ended();
    return { kind: 'running' };
  }

  /**
   * How the command typed last ended, if its mark has come (the shell is at a prompt again); null while
   * it runs. Asked before stopping a command with Ctrl-C: one that ended meanwhile is judged by its mark.
   */
  typedCommandEnd(): Extract<CommandOutcome, { kind: 'exited' }> | null {
    if (!this.typed || !this.lastEnd || !isLaterMark(this.typed.after, this.lastEnd)) return null;
    return exited(this.lastEnd);
  }

  /**
   * Ctrl-C, as a learner stops a program; the next prompt mark, or null when none comes in time. It
   * waits for that prompt's A mark as well, so no mark of it is left to be taken for the next command's.
   */
  async interrupt(): Promise<CommandEnd | null> {
    if (this.endedReason) return null;
    const mark = await this.sendAndWait('\x03', LessonTerminalDefaults.INTERRUPT_GRACE_MS);
    if (mark) await this.waitForScreen(() => this.currentPrompt() !== null, LessonTerminalDefaults.PROMPT_DRAW_MS);
    return mark;
  }

  /**
   * Types a marker at the prompt by hand and reads the screen, as a learner would see it: the marker must
   * show right after the prompt, and the prompt must start its own line with nothing else on it. Then
   * Ctrl-U takes the marker back, so the shell's state (`$?`, history) is as the lesson left it.
   */
  async checkTyping(): Promise<TypingCheck> {
    if (this.endedReason) return { ok: false, message: `the shell ended: ${this.endedReason}` };
    await this.promptDrawn();
    const buffer = this.screen.buffer.active;
    const start = this.currentPrompt();
    const row = buffer.baseY + buffer.cursorY;
    const cursor = buffer.cursorX;
    const before = buffer.getLine(row)?.translateToString(false, 0, cursor) ?? '';
    const leading = start ? (buffer.getLine(start.line.line)?.translateToString(false, 0, start.column) ?? '') : '';
    const cursorLine = () => buffer.getLine(buffer.baseY + buffer.cursorY)?.translateToString(true) ?? '';
    this.send(TYPING_MARKER);
    const echoed = await this.waitForScreen(() => cursorLine().includes(TYPING_MARKER), LessonTerminalDefaults.ECHO_MS);
    const seen = cursorLine();
    // Unix-line-discard: readline empties the line it holds whether or not it shows it.
    this.send('\x15');
    if (!echoed) {
      return {
        ok: false,
        message: `typing at the prompt no longer shows: "${TYPING_MARKER}", typed by hand, never appeared on the screen (a program left the terminal with echo off; a learner would type blind from here on)`,
      };
    }
    if (leading.trim() !== '') {
      return { ok: false, message: `the prompt does not start a line of its own: "${leading.trim()}" stands before it (output without a final newline, or a background job writing over the prompt)` };
    }
    if (seen !== `${before}${TYPING_MARKER}`) {
      return { ok: false, message: `the prompt line is not clean: typing "${TYPING_MARKER}" at the prompt shows "${seen}", not "${before}${TYPING_MARKER}"` };
    }
    return { ok: true };
  }

  /** The last non-empty lines of the screen and scrollback, as a learner would see them. */
  async lastLines(count = 15): Promise<string[]> {
    // Let the parser catch up with everything received so far.
    await new Promise<void>((resolve) => this.screen.write('', resolve));
    const buffer = this.screen.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i)?.translateToString(true) ?? '');
    while (lines.length && lines[lines.length - 1]!.trim() === '') lines.pop();
    return lines.slice(-count);
  }

  async dispose(): Promise<void> {
    this.settle(null);
    this.wakeScreenWaiters();
    await this.session.dispose();
    this.screen.dispose();
  }

  private ended(): Extract<CommandOutcome, { kind: 'shell-ended' }> {
    return { kind: 'shell-ended', exit: this.exit, reason: this.endedReason ?? 'the terminal ended' };
  }

  private typeAndWait(line: string, timeoutMs: number): Promise<CommandEnd | null> {
    this.typed = { after: this.lastEnd };
    // Enter is CR, as a keyboard sends it (the pty turns it into a newline for the shell).
    return this.sendAndWait(`${line}\r`, timeoutMs);
  }

  private sendAndWait(keys: string, timeoutMs: number): Promise<CommandEnd | null> {
    const mark = this.waitForMark(timeoutMs);
    this.send(keys);
    return mark;
  }

  private send(keys: string): void {
    this.session.handleFrame(this.client, encodeFrame(ClientMessage.Input, keys));
  }

  /** The A mark of the prompt the shell shows now, if it printed one since the last D mark. */
  private currentPrompt(): { line: IMarker; column: number } | null {
    const start = this.promptStart;
    return start && start.endCount === this.endCount && start.line.line >= 0 ? start : null;
  }

  /**
   * Until readline has drawn the prompt after the last D mark: it sets the terminal up for reading before
   * it draws, so keys typed from then on are echoed once, by readline, as a person's keys are. A prompt
   * that does not show (readline with echo off strips the A mark from it) is given PROMPT_DRAW_MS.
   */
  private promptDrawn(): Promise<boolean> {
    return this.waitForScreen(() => {
      const start = this.currentPrompt();
      if (!start) return false;
      const b = this.screen.buffer.active;
      return b.baseY + b.cursorY !== start.line.line || b.cursorX !== start.column;
    }, LessonTerminalDefaults.PROMPT_DRAW_MS);
  }

  /** True once `test` holds (checked now and after each parsed write); false at the timeout or when the shell ends. */
  private waitForScreen(test: () => boolean, timeoutMs: number): Promise<boolean> {
    if (test()) return Promise.resolve(true);
    if (this.endedReason) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.screenWaiters.delete(check);
        resolve(ok);
      };
      const check = () => {
        if (test()) done(true);
        else if (this.endedReason) done(false);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      this.screenWaiters.add(check);
    });
  }

  private wakeScreenWaiters(): void {
    for (const check of [...this.screenWaiters]) check();
  }

  private onPromptStart(): void {
    this.promptStart?.line.dispose();
    const line = this.screen.registerMarker(0);
    this.promptStart = line ? { line, column: this.screen.buffer.active.cursorX, endCount: this.endCount } : null;
  }

  /** The next command-end mark (later than any seen so far), or null at the timeout. */
  private waitForMark(timeoutMs: number): Promise<CommandEnd | null> {
    this.settle(null);
    return new Promise((resolve) => {
      const waiter: NonNullable<LessonTerminal['waiter']> = {
        after: this.lastEnd,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      // Its own timeout only: a later wait has a timer of its own.
      const timer = setTimeout(() => {
        if (this.waiter === waiter) this.settle(null);
      }, timeoutMs);
      this.waiter = waiter;
    });
  }

  private onMark(mark: CommandEnd): void {
    if (!isLaterMark(this.lastEnd, mark)) return;
    this.lastEnd = mark;
    this.endCount++;
    if (this.waiter && isLaterMark(this.waiter.after, mark)) this.settle(mark);
  }

  private settle(mark: CommandEnd | null): void {
    const w = this.waiter;
    this.waiter = null;
    w?.resolve(mark);
  }

  private onFrame(bytes: Uint8Array): void {
    const frame = decodeServerFrame(bytes);
    switch (frame.type) {
      case ServerMessage.Output:
      case ServerMessage.Replay: {
        // Copy: the session may reuse its buffer after send returns.
        const data = Uint8Array.from(frame.data);
        this.screen.write(data, () => {
          if (this.acks.consumed(data.byteLength)) this.session.handleFrame(this.client, this.acks.takeAck());
          this.wakeScreenWaiters();
        });
        return;
      }
      case ServerMessage.Hello:
        this.hello = frame.hello;
        return;
      case ServerMessage.Exit:
        this.exit = frame.exit;
        return;
      case ServerMessage.Error:
        this.endedReason = `${frame.error.code}: ${frame.error.message}`;
        return;
      case 'invalid':
        this.endedReason ??= `the gateway sent a bad frame: ${frame.reason}`;
        this.settle(null);
        return;
      case 'unknown':
        return;
    }
  }

  private onEnded(reason: string): void {
    this.endedReason ??= this.exit ? `the shell exited with ${this.exit.exitCode}` : reason;
    // Let the parser finish, then wake a waiter: the last output is on screen for the report.
    this.screen.write('', () => {
      this.settle(null);
      this.wakeScreenWaiters();
    });
  }
}

function delay(ms: number): Promise<null> {
  return new Promise((resolve) => setTimeout(() => resolve(null), ms));
}

function exited(mark: CommandEnd): Extract<CommandOutcome, { kind: 'exited' }> {
  return { kind: 'exited', exitCode: mark.exitCode, ...(mark.pipeStatus && { pipeStatus: mark.pipeStatus }) };
}
