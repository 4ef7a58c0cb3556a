/**
 * Shell integration for run buttons: bash started with PROMPT_COMMAND in its environment prints a
 * prompt mark (PromptMark) before each prompt, so the page types a command only once readline is
 * reading. Typed any earlier, the line is echoed twice: by the tty, then by readline.
 * An rc file that sets its own PROMPT_COMMAND wins; the page then falls back to waiting for quiet.
 */
import { PromptMark } from '../protocol/terminal.ts';
import type { SpawnSpec } from './target.ts';

/** printf is a builtin: no process per prompt. */
const MARK_PROMPT_COMMAND = `printf '\\033]${PromptMark.OSC};${PromptMark.PROMPT_START}\\007'`;

/** A bash, whose prompt hook (PROMPT_COMMAND) the gateway and the lesson runner know how to set. */
export function isBash(shell: string): boolean {
  return /(^|\/)bash$/.test(shell);
}

/** The environment to start `spec` with, and whether its shell will mark prompts. */
export function withPromptMarks(spec: SpawnSpec): { env: Record<string, string>; promptMarks: boolean } {
  if (!isBash(spec.shell) || spec.env.PROMPT_COMMAND !== undefined) return { env: spec.env, promptMarks: false };
  return { env: { ...spec.env, PROMPT_COMMAND: MARK_PROMPT_COMMAND }, promptMarks: true };
}
