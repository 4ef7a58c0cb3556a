/**
 * Shell integration: bash started with this PROMPT_COMMAND in its environment prints the prompt marks
 * of src/protocol/promptMarks.ts: before each prompt D, with the last command's exit status, a sequence
 * number and the exit status of each stage of its last pipeline; and A at the start of the prompt
 * itself (PS1), which readline prints only once it reads a new line. Run buttons in the page type their
 * next command at A (typed any earlier, a command lands in what still runs, or is echoed twice: by the
 * tty, then by readline); they and the lesson runner read D to know that a command ended and how.
 * An rc file that sets its own PROMPT_COMMAND wins: no marks then, and the page falls back to waiting
 * for quiet output (the runner says it cannot see when commands end).
 */
import { COMMAND_END_PRINTF, PIPE_STATUS_SEPARATOR, PROMPT_START_PS1 } from '../protocol/promptMarks.ts';
import type { SpawnSpec } from './target.ts';

/**
 * The terminal's modes as they were at the first prompt (`stty -g`: flags and control characters, not
 * the window size), put back before every later one. A program can leave the tty without echo: Node
 * records the modes when it starts and writes them back when it exits, even in the background
 * (nodejs/node#35536), so a `load … &` that started while readline had echo off turns echo off for good
 * when it ends during a later command (readline then takes ECHO off as the terminal's wish). One fork
 * and exec of stty per prompt, about 1.5 ms (bash has no builtin to set terminal modes); keystrokes
 * are not affected.
 */
const RESTORE_TTY_MODES = 'if [ -t 0 ]; then if [ -z "${__pb_tty-}" ]; then __pb_tty=$(stty -g 2>/dev/null); else stty "$__pb_tty" 2>/dev/null; fi; fi';

/**
 * The A mark at the start of PS1, put back before each prompt when PS1 was set anew (by an rc file, a
 * learner): bash adds nothing to a prompt after PROMPT_COMMAND, so PS1 is the one place after readline
 * has set the terminal up. Builtins only.
 */
const MARK_PROMPT_START = `[[ \${PS1-} == '${PROMPT_START_PS1}'* ]] || PS1='${PROMPT_START_PS1}'\${PS1-}`;

/**
 * Commands run before each prompt, after the last command's status is saved in `__pb_s` and before D
 * is printed: the one place for per-prompt upkeep of the shell.
 */
const BEFORE_EACH_PROMPT: readonly string[] = [RESTORE_TTY_MODES, MARK_PROMPT_START];

/**
 * `$?` and PIPESTATUS are read first, in one command, before anything can change them (bash restores `$?`
 * after PROMPT_COMMAND, so a PS1 showing `$?` still sees the command's). printf is a builtin. The hook
 * must not fail or print anything of its own whatever the learner's shell options (`set -u`: unset
 * variables are read with a default) or PATH (no stty: its errors go nowhere).
 * `__pb_id` names this shell in its marks: PROMPT_COMMAND is in the environment, so a nested bash or an
 * `exec bash` (same `$$`) runs the hook too, with its own counter from 1; its variables are its own, so
 * it names itself anew at its first prompt (`$RANDOM` tells an `exec bash` from the shell it replaced).
 */
const MARK_PROMPT_COMMAND = [
  '__pb_s=$? __pb_p="${PIPESTATUS[*]-}"',
  '__pb_n=$((${__pb_n:-0}+1)) __pb_id=${__pb_id:-$$.$RANDOM}',
  ...BEFORE_EACH_PROMPT,
  `printf '${COMMAND_END_PRINTF}' "$__pb_s" "$__pb_n" "\${__pb_p// /${PIPE_STATUS_SEPARATOR}}" "$__pb_id"`,
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
