/**
 * Shell integration: bash started with this PROMPT_COMMAND in its environment prints, before each
 * prompt, the prompt marks of src/protocol/promptMarks.ts: D with the last command's exit status, a
 * sequence number and the exit status of each stage of its last pipeline, then A. Run buttons in the
 * page wait for A, so a command is typed only once readline is reading (typed any earlier, it is
 * echoed twice: by the tty, then by readline); the lesson runner reads D to know that a command ended
 * and how.
 * An rc file that sets its own PROMPT_COMMAND wins: no marks then, and the page falls back to waiting
 * for quiet output (the runner says it cannot see when commands end).
 */
import { PIPE_STATUS_SEPARATOR, PROMPT_MARKS_PRINTF } from '../protocol/promptMarks.ts';
import type { SpawnSpec } from './target.ts';

/**
 * Commands run before each prompt, after the last command's status is saved in `__pb_s` and before the
 * marks are printed: the one place for per-prompt upkeep of the shell. None yet.
 */
const BEFORE_EACH_PROMPT: readonly string[] = [];

/**
 * `$?` and PIPESTATUS are read first, in one command, before anything can change them (bash restores `$?`
 * after PROMPT_COMMAND, so a PS1 showing `$?` still sees the command's). printf is a builtin: no process
 * per prompt.
 */
const MARK_PROMPT_COMMAND = [
  '__pb_s=$? __pb_p="${PIPESTATUS[*]}"',
  '__pb_n=$((__pb_n+1))',
  ...BEFORE_EACH_PROMPT,
  `printf '${PROMPT_MARKS_PRINTF}' "$__pb_s" "$__pb_n" "\${__pb_p// /${PIPE_STATUS_SEPARATOR}}"`,
].join('; ');

/** A bash, whose prompt hook (PROMPT_COMMAND) the gateway knows how to set. */
function isBash(shell: string): boolean {
  return /(^|\/)bash$/.test(shell);
}

/** The environment to start `spec` with, and whether its shell will mark prompts. */
export function withPromptMarks(spec: SpawnSpec): { env: Record<string, string>; promptMarks: boolean } {
  if (!isBash(spec.shell) || spec.env.PROMPT_COMMAND !== undefined) return { env: spec.env, promptMarks: false };
  return { env: { ...spec.env, PROMPT_COMMAND: MARK_PROMPT_COMMAND }, promptMarks: true };
}
