import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SUMMARIES, type CommandName } from './summaries.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;

/** A `patchbay` subcommand: a thin shell that parses its arguments and wires modules together. */
export interface Command {
  name: CommandName;
  /** Full text for `patchbay NAME --help`, made by `commandHelp`. */
  help: string;
  /**
   * Its flags as node:util `parseArgs` takes them (strict, so unknown flags fail). `run` parses its
   * arguments with exactly this table, and so does the test of the help's examples.
   */
  options: Options;
  /** Whether it takes arguments besides flags. */
  allowPositionals: boolean;
  /** Returns the process exit code. */
  run(args: string[]): Promise<number>;
}

/**
 * The help of `patchbay NAME`: `text` is the usage line's arguments, a blank line and the rest; the
 * summary from `SUMMARIES` goes between them. The rest ends with an `Examples:` section: one example
 * per line, indented two spaces, each a `patchbay NAME …` command as a shell reads it (optionally after
 * `VAR=value` assignments; a trailing `\` continues it on the next line; ` # …` is a comment).
 * src/cli/helpExamples.test.ts checks every one.
 */
export function commandHelp(name: CommandName, text: string): string {
  const [usage, ...rest] = text.split('\n');
  return `Usage: patchbay ${name} ${usage}\n\n${SUMMARIES[name]}.\n${rest.join('\n')}`;
}

/** True when the arguments ask for help. */
export function wantsHelp(args: string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}

/**
 * The start of every command's `run`: `--help` prints the help (exit 0); arguments that do not parse
 * print the problem and the help (exit 2). Either way the caller returns `exitCode`.
 */
export function parseCommandArgs<O extends Options>(name: string, help: string, args: string[], options: O) {
  if (wantsHelp(args)) {
    console.log(help);
    return { ok: false, exitCode: 0 } as const;
  }
  try {
    return { ok: true, parsed: parseArgs({ args, allowPositionals: true, strict: true, options }) } as const;
  } catch (error) {
    console.error(`patchbay ${name}: ${(error as Error).message}\n\n${help}`);
    return { ok: false, exitCode: 2 } as const;
  }
}
