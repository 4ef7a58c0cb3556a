/**
 * How the runner knows a command finished and with what status: shell integration in the style of
 * OSC 133 (the "command finished" mark `ESC ] 133 ; D ; <exit> BEL` that VS Code and iTerm2 use),
 * emitted by bash's PROMPT_COMMAND before every prompt, plus a sequence number so a mark can never be
 * mistaken for a later command's. The runner's setup replaces the gateway's own PROMPT_COMMAND (which
 * only marks prompt starts, for the page's run buttons).
 */
import { PromptMark as GatewayPromptMark } from '../protocol/terminal.ts';
import { isBash } from '../terminal/promptMarks.ts';

/** The OSC number terminals already use for prompt marks (the gateway's own marks use it too). */
export const PROMPT_MARK_OSC = GatewayPromptMark.OSC;

/**
 * Typed once into a fresh bash before any lesson command. A leading space keeps it out of history
 * (HISTCONTROL=ignorespace/ignoreboth); `$?` is read first, before anything can change it.
 * Every later Enter on a non-empty line produces exactly one mark with the next sequence number.
 */
export const BASH_SETUP =
  ` __pb_n=0; __pb_mark() { local s=$?; __pb_n=$((__pb_n+1)); printf '\\033]${PROMPT_MARK_OSC};D;%s;%s\\007' "$s" "$__pb_n"; }; PROMPT_COMMAND=__pb_mark`;

export interface PromptMark {
  exitCode: number;
  seq: number;
}

/** Parses the data of an OSC 133 sequence (what follows `133;`); null for marks that are not ours. */
export function parsePromptMark(data: string): PromptMark | null {
  const m = /^D;(\d{1,3});(\d+)$/.exec(data);
  if (!m) return null;
  return { exitCode: Number(m[1]), seq: Number(m[2]) };
}

/** Shells whose prompt hook we know how to install. */
export function supportsShell(shell: string): boolean {
  return isBash(shell);
}
