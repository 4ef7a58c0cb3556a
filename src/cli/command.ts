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
