/**
 * When a run button may type its next command into a terminal. Typed before the shell reads a new
 * line, a command is echoed twice (by the tty now, by readline later), so: at the shell's next marked
 * prompt when it marks prompts (Hello.promptMarks; OSC 133 A, src/protocol/promptMarks.ts), else once
 * output has been quiet for a moment; never longer than a cap, so a command that keeps printing (a
 * load test) does not hold the next one back for ever. No DOM and no xterm: XtermPane feeds it what
 * the terminal sees.
 */
import { parsePromptMark } from '../../protocol/promptMarks.ts';
import type { TerminalHello } from '../../protocol/terminal.ts';

export const PromptWaitDefaults = {
  /** Output quiet for this long means the previous command has probably finished printing (shells without prompt marks). */
  SETTLE_QUIET_MS: 150,
  /** A command that keeps printing must not hold the next one back longer than this. */
  SETTLE_MAX_MS: 3_000,
  /** After a prompt mark, the prompt itself follows: wait until it has been printed. */
  PROMPT_QUIET_MS: 20,
  /** A fresh shell that marks prompts is waited for this long (a login shell on a busy machine). */
  FIRST_PROMPT_MAX_MS: 15_000,
} as const;

export type PromptWaitTimes = { readonly [K in keyof typeof PromptWaitDefaults]: number };

export class PromptWaiter {
  /** From Hello: this shell marks its prompts; and whether it is a fresh one (no Replay). */
  private promptMarks = false;
  private freshShell = false;
  /** A prompt mark has arrived since the last Enter: the shell is reading a new command line. */
  private atPrompt = false;
  private marksSeen = false;
  /** When the last Output or Replay arrived (performance.now()); null before any. */
  private lastOutput: number | null = null;

  constructor(private readonly times: PromptWaitTimes = PromptWaitDefaults) {}

  /** Each Hello: a resumed shell's prompt state is unknown until its next mark. */
  hello(hello: Pick<TerminalHello, 'promptMarks' | 'resumed'>): void {
    this.promptMarks = hello.promptMarks;
    this.freshShell = !hello.resumed;
    if (hello.resumed) this.atPrompt = false;
  }

  /** Output or Replay arrived. */
  output(): void {
    this.lastOutput = performance.now();
  }

  /** The data of an OSC 133 sequence, as the terminal parses it; true when it was a prompt mark. */
  oscMark(data: string): boolean {
    const mark = parsePromptMark(data);
    if (mark?.kind === 'prompt-start') {
      this.atPrompt = true;
      this.marksSeen = true;
    }
    return mark !== null;
  }

  /** Input as typed or run: Enter leaves the prompt, until the shell marks the next one. */
  input(text: string): void {
    if (text.includes('\r')) this.atPrompt = false;
  }

  /**
   * Resolves when the shell is ready for the next command: at a marked prompt (a fresh shell's first
   * is waited for longer, it may still be starting), else once output has been quiet; or at the cap.
   */
  settled(): Promise<void> {
    const t = this.times;
    return new Promise<void>((resolve) => {
      const started = performance.now();
      const check = () => {
        const now = performance.now();
        const useMarks = this.promptMarks && (this.marksSeen || this.freshShell);
        const limit = useMarks && !this.marksSeen ? t.FIRST_PROMPT_MAX_MS : t.SETTLE_MAX_MS;
        // No output yet is not quiet: a shell still starting has printed nothing.
        const quietFor = this.lastOutput === null ? 0 : now - this.lastOutput;
        const ready = useMarks ? this.atPrompt && quietFor >= t.PROMPT_QUIET_MS : quietFor >= t.SETTLE_QUIET_MS;
        if (ready || now - started >= limit) resolve();
        else setTimeout(check, useMarks ? t.PROMPT_QUIET_MS : Math.max(1, t.SETTLE_QUIET_MS - quietFor));
      };
      check();
    });
  }
}
