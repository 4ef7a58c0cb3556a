/**
 * When a run button may type its next command, and how the last one ended. A command typed before the
 * shell reads a new line lands in whatever still runs (and is echoed twice: by the tty now, by
 * readline later), so with a shell that marks its prompts (Hello.promptMarks; OSC 133,
 * src/protocol/promptMarks.ts) the next command waits for the last one's D mark (its exit status) and
 * the A mark the prompt starts with, however long that takes: a command meant to keep running is
 * declared (`keepsRunning`), never guessed from a timer. Only a shell that does not mark its prompts
 * falls back to waiting for quiet output, capped, and its commands' statuses stay unknown.
 * No DOM and no xterm: XtermPane feeds it what the terminal sees.
 */
import { isLaterMark, parsePromptMark, type CommandEndMark } from '../../protocol/promptMarks.ts';
import type { CommandExit } from '../../protocol/commandExpectation.ts';
import type { TerminalHello } from '../../protocol/terminal.ts';

export const PromptWaitDefaults = {
  /** Without prompt marks: output quiet for this long means the previous command has probably finished printing. */
  SETTLE_QUIET_MS: 150,
  /** Without prompt marks: a command that keeps printing must not hold the next one back longer than this. */
  SETTLE_MAX_MS: 3_000,
  /**
   * A shell that should mark its prompts but has shown no mark for this long since Hello does not (an
   * rc file that sets its own PROMPT_COMMAND): it is waited for as a shell without marks from then on.
   * A login shell on a busy machine draws its first prompt well within it.
   */
  FIRST_PROMPT_MAX_MS: 15_000,
} as const;

export type PromptWaitTimes = { readonly [K in keyof typeof PromptWaitDefaults]: number };

/** How a typed command ended. */
export type CommandEnd =
  /** Its D mark: `$?` and its pipeline's stages; the shell is at its next prompt. */
  | ({ kind: 'exited' } & CommandExit)
  /** The shell does not mark prompts: its output went quiet (or the cap passed); the status is unknown. */
  | { kind: 'settled' }
  /** The shell will read no more commands here: it exited, its terminal was refused or closed. */
  | { kind: 'ended'; reason: string };

/** What waitForPrompt resolves with: ready, or why the shell will never be. */
export type PromptReady = { kind: 'ready' } | { kind: 'ended'; reason: string };

interface Wait {
  /** 'prompt': a prompt, for the next command; 'end': the D mark of the command just typed, then a prompt. */
  what: 'prompt' | 'end';
  /** performance.now() when the wait began: the quiet fallback's cap counts from here. */
  since: number;
  resolve(end: CommandEnd): void;
}

export class PromptWaiter {
  /** From the latest Hello (when it came); null before the first. */
  private marks: { promised: boolean; since: number } | null = null;
  private marksSeen = false;
  /** An A mark has arrived since the last Enter: the shell's readline is reading a new command line. */
  private atPrompt = false;
  /** The D mark that arrived since the last Enter: how the command typed then ended. */
  private lastEnd: CommandExit | null = null;
  /** The latest D mark seen: a mark seen again (replayed on reattach) is not a new prompt. */
  private latestMark: CommandEndMark | null = null;
  /**
   * The D mark before the last Enter: that command's end is a later one. Input held while the socket
   * reconnects reaches the shell after the replay, which repeats this mark (and its A): not the end.
   */
  private typedAfter: CommandEndMark | null = null;
  /** A D mark not later than typedAfter came: the A after it belongs to that old prompt too. */
  private skipPromptStart = false;
  /** What onUsesMarks was last told. */
  private reportedUsesMarks: boolean | null = null;
  /** Fires when a fresh shell's first prompt is overdue, to report that it does not mark prompts. */
  private firstPromptTimer: ReturnType<typeof setTimeout> | null = null;
  /** When the last Output or Replay arrived, and the last Enter was sent (performance.now()). */
  private lastOutput: number | null = null;
  private lastEnter: number | null = null;
  private endedReason: string | null = null;
  private readonly waits = new Set<Wait>();
  private timer: ReturnType<typeof setTimeout> | null = null;

  /**
   * `onUsesMarks`: told whether this shell's prompts are followed by their marks, at Hello and whenever
   * that changes: a shell promised to mark them whose first prompt is overdue is not (an rc file set its
   * own PROMPT_COMMAND), and the page says so rather than repeat the gateway's promise.
   */
  constructor(
    private readonly times: PromptWaitTimes = PromptWaitDefaults,
    private readonly onUsesMarks: (usesMarks: boolean) => void = () => {},
  ) {}

  /**
   * Each Hello. A resumed shell's prompt state is unknown until its replay: the gateway ends the replay
   * with the shell's last D mark, and an A mark when the shell is at a prompt (src/terminal/PromptTracker.ts).
   */
  hello(hello: Pick<TerminalHello, 'promptMarks' | 'resumed'>): void {
    const replaced = this.marks !== null && !hello.resumed;
    this.marks = { promised: hello.promptMarks, since: performance.now() };
    this.marksSeen = false;
    this.atPrompt = false;
    this.skipPromptStart = false;
    if (this.firstPromptTimer !== null) clearTimeout(this.firstPromptTimer);
    this.firstPromptTimer = null;
    const due = this.firstPromptDue();
    if (Number.isFinite(due)) {
      this.firstPromptTimer = setTimeout(() => {
        this.firstPromptTimer = null;
        this.update();
      }, Math.max(1, due - performance.now()));
    }
    if (replaced) {
      // The gateway gave this terminal a new shell (the old one outlived its grace period): a command
      // typed into the old one will never end here.
      this.lastEnd = null;
      this.latestMark = null;
      this.typedAfter = null;
      for (const w of this.waits) {
        if (w.what !== 'end') continue;
        this.waits.delete(w);
        w.resolve({ kind: 'ended', reason: 'the terminal started a new shell' });
      }
    }
    this.update();
  }

  /** Output or Replay arrived. */
  output(): void {
    this.lastOutput = performance.now();
    this.update();
  }

  /** The data of an OSC 133 sequence, as the terminal parses it; true when it was a prompt mark. */
  oscMark(data: string): boolean {
    const mark = parsePromptMark(data);
    if (!mark) return false;
    this.marksSeen = true;
    if (mark.kind === 'prompt-start') {
      if (this.skipPromptStart) this.skipPromptStart = false;
      else this.atPrompt = true;
    } else if (this.typedAfter && !isLaterMark(this.typedAfter, mark)) {
      // The prompt before the last Enter, replayed: the command typed then has not ended.
      this.skipPromptStart = true;
    } else {
      this.skipPromptStart = false;
      if (!this.latestMark || isLaterMark(this.latestMark, mark)) this.latestMark = mark;
      this.lastEnd = { exitCode: mark.exitCode, ...(mark.pipeStatus && { pipeStatus: mark.pipeStatus }) };
    }
    this.update();
    return true;
  }

  /** Input as typed or run: Enter (CR, or Ctrl-J) hands readline the line, so the shell leaves its prompt until the next mark. */
  input(text: string): void {
    if (!/[\r\n]/.test(text)) return;
    this.atPrompt = false;
    this.lastEnd = null;
    this.typedAfter = this.latestMark;
    this.skipPromptStart = false;
    this.lastEnter = performance.now();
    this.update();
  }

  /** The shell will read nothing more (it exited, was refused, or its view closed): every wait ends with `reason`. */
  ended(reason: string): void {
    this.endedReason ??= reason;
    this.update();
  }

  /** Whether this shell's prompts are waited for by their marks (else by quiet output); null until Hello. */
  get usesMarks(): boolean | null {
    if (!this.marks) return null;
    return this.marks.promised && performance.now() < this.firstPromptDue();
  }

  /**
   * When a shell that should mark prompts but has shown no mark since Hello is taken for one that does
   * not (a shell that has marked any replays its last mark on reattach); Infinity once it has.
   */
  private firstPromptDue(): number {
    const m = this.marks;
    if (!m || !m.promised || this.marksSeen) return Number.POSITIVE_INFINITY;
    return m.since + this.times.FIRST_PROMPT_MAX_MS;
  }

  /** Resolves when the shell reads a new command line: at its next marked prompt, else once output is quiet. */
  waitForPrompt(): Promise<PromptReady> {
    return this.wait('prompt').then((end) => (end.kind === 'ended' ? end : { kind: 'ready' }));
  }

  /**
   * After a command line was sent (with Enter): resolves with how it ended, once the shell is at its
   * next prompt, however long it runs.
   */
  commandEnd(): Promise<CommandEnd> {
    return this.wait('end');
  }

  private wait(what: Wait['what']): Promise<CommandEnd> {
    return new Promise<CommandEnd>((resolve) => {
      this.waits.add({ what, since: performance.now(), resolve });
      this.update();
    });
  }

  /** Resolves every wait whose condition holds now, and sets a timer for the next moment one could. */
  private update(): void {
    const usesMarks = this.usesMarks;
    if (usesMarks !== null && usesMarks !== this.reportedUsesMarks) {
      this.reportedUsesMarks = usesMarks;
      this.onUsesMarks(usesMarks);
    }
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.waits.size === 0) return;
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    for (const w of this.waits) {
      const { end, at } = this.check(w, now);
      if (end) {
        this.waits.delete(w);
        w.resolve(end);
      } else next = Math.min(next, at);
    }
    if (Number.isFinite(next)) this.timer = setTimeout(() => this.update(), Math.max(1, next - now));
  }

  /** The wait's outcome if it has one now; else the time (performance.now()) to look again, Infinity for an event only. */
  private check(w: Wait, now: number): { end: CommandEnd | null; at: number } {
    if (this.endedReason !== null) return { end: { kind: 'ended', reason: this.endedReason }, at: 0 };
    const marks = this.marks;
    // Before Hello nothing is known about the shell, not even whether it marks prompts.
    if (!marks) return { end: null, at: Number.POSITIVE_INFINITY };
    if (marks.promised && now < this.firstPromptDue()) {
      // A fresh shell may yet turn out not to mark prompts: look again when its first prompt is overdue.
      if (!this.atPrompt) return { end: null, at: this.firstPromptDue() };
      if (w.what === 'prompt') return { end: { kind: 'settled' }, at: 0 };
      // At the prompt after the Enter: the D mark before it says how the command ended.
      return { end: this.lastEnd ? { kind: 'exited', ...this.lastEnd } : { kind: 'settled' }, at: 0 };
    }
    // No marks: quiet output since the later of the last output and the last Enter, or the cap.
    const t = this.times;
    if (this.lastOutput !== null) {
      const quietFrom = Math.max(this.lastOutput, this.lastEnter ?? 0);
      if (now - quietFrom >= t.SETTLE_QUIET_MS) return { end: { kind: 'settled' }, at: 0 };
      const cap = w.since + t.SETTLE_MAX_MS;
      if (now >= cap) return { end: { kind: 'settled' }, at: 0 };
      return { end: null, at: Math.min(quietFrom + t.SETTLE_QUIET_MS, cap) };
    }
    // No output yet is not quiet (a shell still starting has printed nothing), up to the cap.
    const cap = w.since + t.SETTLE_MAX_MS;
    return now >= cap ? { end: { kind: 'settled' }, at: 0 } : { end: null, at: cap };
  }

  /** Stops the timer; waits still pending end with `reason`. */
  dispose(reason: string): void {
    this.ended(reason);
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.firstPromptTimer !== null) clearTimeout(this.firstPromptTimer);
    this.firstPromptTimer = null;
  }
}
