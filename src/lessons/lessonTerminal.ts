/**
 * One lesson terminal driven the way the browser drives it: a TerminalSession (the gateway's own pty
 * session) with an in-process client that decodes frames and acknowledges bytes after parsing them in
 * a headless xterm, with the same client core as the dock. Commands are typed as keystrokes; completion
 * and exit status come from the command-end mark the gateway's prompt hook prints before each prompt
 * (src/protocol/promptMarks.ts), so nothing is guessed from timing or prompt text.
 */
import xtermHeadless from '@xterm/headless';
import type { Terminal as HeadlessTerminal } from '@xterm/headless';
import { ClientMessage, ServerMessage, encodeFrame, type TerminalExit, type TerminalHello } from '../protocol/terminal.ts';
import { decodeServerFrame } from '../protocol/serverFrames.ts';
import { AckCounter } from '../protocol/AckCounter.ts';
import { PROMPT_MARK_OSC, parsePromptMark, type PromptMark } from '../protocol/promptMarks.ts';
import { TerminalSession } from '../terminal/TerminalSession.ts';
import { DEFAULT_TERMINAL_LIMITS } from '../terminal/TerminalLimits.ts';
import type { TerminalClient } from '../terminal/TerminalClient.ts';
import type { SpawnSpec } from '../terminal/target.ts';

/** How the command before a prompt ended. */
type CommandEnd = Extract<PromptMark, { kind: 'command-end' }>;

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
} as const;

export type CommandOutcome =
  | { kind: 'exited'; exitCode: number }
  | { kind: 'timeout'; interrupted: boolean }
  /** The shell itself ended (the command was `exit`, or the terminal was killed). */
  | { kind: 'shell-ended'; exit: TerminalExit | null; reason: string };

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
  /** The highest sequence number of a command-end mark so far (1 is the shell's first prompt). */
  private lastSeq = 0;
  private waiter: { seq: number; resolve: (m: CommandEnd | null) => void } | null = null;
  private endedReason: string | null = null;
  private exit: TerminalExit | null = null;

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

  /** Types one command and Enter, then waits for its prompt mark, up to timeoutMs. */
  async run(command: string, timeoutMs: number): Promise<CommandOutcome> {
    if (this.endedReason) return { kind: 'shell-ended', exit: this.exit, reason: this.endedReason };
    const mark = await this.typeAndWait(command, timeoutMs);
    if (mark) return { kind: 'exited', exitCode: mark.exitCode };
    if (this.endedReason) return { kind: 'shell-ended', exit: this.exit, reason: this.endedReason };
    // Ctrl-C, as a learner would; the shell's next prompt mark (130) says it is usable again.
    const interrupted = await this.sendAndWait('\x03', LessonTerminalDefaults.INTERRUPT_GRACE_MS);
    return { kind: 'timeout', interrupted: interrupted !== null };
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
    await this.session.dispose();
    this.screen.dispose();
  }

  private typeAndWait(line: string, timeoutMs: number): Promise<CommandEnd | null> {
    // Enter is CR, as a keyboard sends it (the pty turns it into a newline for the shell).
    return this.sendAndWait(`${line}\r`, timeoutMs);
  }

  private sendAndWait(keys: string, timeoutMs: number): Promise<CommandEnd | null> {
    const mark = this.waitForMark(timeoutMs);
    this.session.handleFrame(this.client, encodeFrame(ClientMessage.Input, keys));
    return mark;
  }

  /** The next command-end mark (a higher sequence number than any seen so far), or null at the timeout. */
  private waitForMark(timeoutMs: number): Promise<CommandEnd | null> {
    this.settle(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settle(null), timeoutMs);
      this.waiter = {
        seq: this.lastSeq + 1,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
    });
  }

  private onMark(mark: CommandEnd): void {
    this.lastSeq = Math.max(this.lastSeq, mark.seq);
    if (this.waiter && mark.seq >= this.waiter.seq) this.settle(mark);
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
    this.screen.write('', () => this.settle(null));
  }
}
