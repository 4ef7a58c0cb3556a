import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A `patchbay` subcommand: a thin shell that parses its arguments and wires modules together. */
export interface Command {
  name: string;
  /** One line for `patchbay --help`. */
  summary: string;
  /** Full text for `patchbay NAME --help`: usage line, options, examples. */
  help: string;
  /** Returns the process exit code. */
  run(args: string[]): Promise<number>;
}

/** True when the arguments ask for help. */
export function wantsHelp(args: string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}

type Options = NonNullable<ParseArgsConfig['options']>;

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
