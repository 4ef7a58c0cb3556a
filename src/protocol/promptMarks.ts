/**
 * Prompt marks in the manner of OSC 133 shell integration (VS Code, iTerm2, WezTerm): a shell hook
 * prints them before each prompt, so a client knows when the shell reads a new command line and how
 * the last command ended, without guessing from timing or prompt text. A terminal with no handler for
 * OSC 133 shows nothing of them.
 *
 *   ESC ] 133 ; D ; <exit status> ; <seq> ; <stage statuses> BEL
 *                                               the last command ended; seq counts prompts, so a client
 *                                               never takes an earlier command's mark for a later one's;
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
    };

const PROMPT_START = 'A';
const COMMAND_END = 'D';
/** Between the stage statuses of a D mark; a shell hook writes bash's `${PIPESTATUS[*]}` with it for spaces. */
export const PIPE_STATUS_SEPARATOR = ',';

/** The OSC's data: what follows `133;`. Fields are strings so a printf format can stand in for values. */
function markData(mark: { kind: 'prompt-start' } | { kind: 'command-end'; exitCode: number | string; seq: number | string; pipeStatus?: readonly number[] | string }): string {
  if (mark.kind === 'prompt-start') return PROMPT_START;
  const stages = mark.pipeStatus === undefined ? '' : `;${typeof mark.pipeStatus === 'string' ? mark.pipeStatus : mark.pipeStatus.join(PIPE_STATUS_SEPARATOR)}`;
  return `${COMMAND_END};${mark.exitCode};${mark.seq}${stages}`;
}

function osc(data: string, esc: string, bel: string): string {
  return `${esc}]${PROMPT_MARK_OSC};${data}${bel}`;
}

/** The escape sequence of one mark, as a shell prints it. */
export function formatPromptMark(mark: PromptMark): string {
  return osc(markData(mark), '\x1b', '\x07');
}

/**
 * A printf(1) format (single-quote safe) that prints a D mark; its three `%s` take the exit status, the
 * sequence number and the stage statuses. What a shell hook prints before each prompt.
 */
export const COMMAND_END_PRINTF = osc(markData({ kind: 'command-end', exitCode: '%s', seq: '%s', pipeStatus: '%s' }), '\\033', '\\007');

/**
 * The A mark as bash prompt text (single-quote safe), for the start of PS1: `\e` and `\a` are its
 * escape and bell, and `\[ \]` tell readline it takes no room on the line.
 */
export const PROMPT_START_PS1 = `\\[${osc(markData({ kind: 'prompt-start' }), '\\e', '\\a')}\\]`;

// At most 256 stages: far more than any command line has, and it bounds what parsing a mark can cost.
// An empty stage list is a shell that keeps no PIPESTATUS (bash 5.2 started with --norc loses it to the
// hook): the mark still counts, without stages.
const COMMAND_END_DATA = /^D;(\d{1,3});(\d{1,15})(?:;(\d{1,3}(?:,\d{1,3}){0,255})?)?$/;

/** Parses the data of an OSC 133 sequence (what follows `133;`); null for anything that is not one of these marks. */
export function parsePromptMark(data: string): PromptMark | null {
  if (data === PROMPT_START) return { kind: 'prompt-start' };
  const m = COMMAND_END_DATA.exec(data);
  if (!m) return null;
  const mark: PromptMark = { kind: 'command-end', exitCode: Number(m[1]), seq: Number(m[2]) };
  if (m[3]) mark.pipeStatus = m[3].split(PIPE_STATUS_SEPARATOR).map(Number);
  return mark;
}
