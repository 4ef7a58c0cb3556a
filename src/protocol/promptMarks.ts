/**
 * Prompt marks in the manner of OSC 133 shell integration (VS Code, iTerm2, WezTerm): a shell hook
 * prints them before each prompt, so a client knows when the shell reads a new command line and how
 * the last command ended, without guessing from timing or prompt text. A terminal with no handler for
 * OSC 133 shows nothing of them.
 *
 *   ESC ] 133 ; D ; <exit status> ; <seq> ; <stage statuses> ; aid=<shell> BEL
 *                                               the last command ended; seq counts the prompts of one
 *                                               shell, named by aid (OSC 133's "application id"), so a
 *                                               client never takes an earlier command's mark for a later
 *                                               one's: a nested bash or `exec bash` inherits the hook and
 *                                               counts from 1 again, under a new aid (see isLaterMark);
 *                                               the stage statuses (bash's PIPESTATUS, comma-separated)
 *                                               say how each stage of its last pipeline ended
 *   ESC ] 133 ; A BEL                           a prompt starts: the shell reads a new command line
 *
 * The gateway's bash hook prints D before each prompt, and the prompt itself starts with A
 * (src/terminal/promptMarks.ts): readline prints the prompt only once it has set the terminal up to
 * read, so input sent after A is read as a command line, never echoed ahead of it by the tty.
 */

/** The OSC number of prompt marks; xterm.js calls a handler registered for it with what follows `133;`. */
export const PROMPT_MARK_OSC = 133;

export type PromptMark =
  | { kind: 'prompt-start' }
  | {
      kind: 'command-end';
      /** `$?` when the prompt was drawn (0–255). */
      exitCode: number;
      /** 1 at the shell's first prompt, one more at each later one. */
      seq: number;
      /**
       * How each stage of the command's last pipeline ended, first stage first (`curl … | grep x` that
       * fails in curl: [7, 1]); a simple command has one. Absent when the shell does not report it.
       */
      pipeStatus?: readonly number[];
      /**
       * Which shell printed it (letters, digits, `.`, `_`, `-`): seq counts per shell. Absent when the
       * shell does not say; marks without it are told apart by seq alone.
       */
      shell?: string;
    };

/** A D mark: how the command before a prompt ended. */
export type CommandEndMark = Extract<PromptMark, { kind: 'command-end' }>;

/**
 * Whether D mark `mark` is a later prompt than `earlier` (null: none seen yet), so a client waiting for
 * the end of the command it typed after `earlier` takes it: a mark of another shell (a nested bash, an
 * `exec bash`: its seq starts again at 1) is later; one of the same shell is later when its seq is
 * higher. A mark seen again (replayed on reattach, or printed before the client's input arrived) is not.
 */
export function isLaterMark(earlier: CommandEndMark | null, mark: CommandEndMark): boolean {
  if (!earlier) return true;
  if (earlier.shell !== mark.shell) return true;
  return mark.seq > earlier.seq;
}

const PROMPT_START = 'A';
const COMMAND_END = 'D';
/** Between the stage statuses of a D mark; a shell hook writes bash's `${PIPESTATUS[*]}` with it for spaces. */
export const PIPE_STATUS_SEPARATOR = ',';

/** Before the shell's name in a D mark's last field. */
const SHELL_KEY = 'aid=';

/** The OSC's data: what follows `133;`. Fields are strings so a printf format can stand in for values. */
function markData(
  mark: { kind: 'prompt-start' } | { kind: 'command-end'; exitCode: number | string; seq: number | string; pipeStatus?: readonly number[] | string; shell?: string },
): string {
  if (mark.kind === 'prompt-start') return PROMPT_START;
  const stageText = mark.pipeStatus === undefined ? undefined : typeof mark.pipeStatus === 'string' ? mark.pipeStatus : mark.pipeStatus.join(PIPE_STATUS_SEPARATOR);
  // The shell's name comes after the stages, which are then written even when empty.
  const stages = stageText === undefined && mark.shell === undefined ? '' : `;${stageText ?? ''}`;
  const shell = mark.shell === undefined ? '' : `;${SHELL_KEY}${mark.shell}`;
  return `${COMMAND_END};${mark.exitCode};${mark.seq}${stages}${shell}`;
}

function osc(data: string, esc: string, bel: string): string {
  return `${esc}]${PROMPT_MARK_OSC};${data}${bel}`;
}

/** The escape sequence of one mark, as a shell prints it. */
export function formatPromptMark(mark: PromptMark): string {
  return osc(markData(mark), '\x1b', '\x07');
}

/**
 * A printf(1) format (single-quote safe) that prints a D mark; its four `%s` take the exit status, the
 * sequence number, the stage statuses and the shell's name. What a shell hook prints before each prompt.
 */
export const COMMAND_END_PRINTF = osc(markData({ kind: 'command-end', exitCode: '%s', seq: '%s', pipeStatus: '%s', shell: '%s' }), '\\033', '\\007');

/**
 * The A mark as bash prompt text (single-quote safe), for the start of PS1: `\e` and `\a` are its
 * escape and bell, and `\[ \]` tell readline it takes no room on the line.
 */
export const PROMPT_START_PS1 = `\\[${osc(markData({ kind: 'prompt-start' }), '\\e', '\\a')}\\]`;

// At most 256 stages: far more than any command line has, and it bounds what parsing a mark can cost.
// An empty stage list is a shell that keeps no PIPESTATUS (bash 5.2 started with --norc loses it to the
// hook): the mark still counts, without stages.
const COMMAND_END_DATA = /^D;(\d{1,3});(\d{1,15})(?:;(\d{1,3}(?:,\d{1,3}){0,255})?(?:;aid=([\w.-]{1,64}))?)?$/;

/** Parses the data of an OSC 133 sequence (what follows `133;`); null for anything that is not one of these marks. */
export function parsePromptMark(data: string): PromptMark | null {
  if (data === PROMPT_START) return { kind: 'prompt-start' };
  const m = COMMAND_END_DATA.exec(data);
  if (!m) return null;
  const mark: PromptMark = { kind: 'command-end', exitCode: Number(m[1]), seq: Number(m[2]) };
  if (m[3]) mark.pipeStatus = m[3].split(PIPE_STATUS_SEPARATOR).map(Number);
  if (m[4]) mark.shell = m[4];
  return mark;
}
