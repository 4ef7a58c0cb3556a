import { parseArgs, type ParseArgsConfig } from 'node:util';
import { didYouMean } from '../definitions/closest.ts';
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
function wantsHelp(args: string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}

/** node:util `parseArgs` as every command calls it: strict, so an unknown flag is an error. */
type StrictConfig<O extends Options> = { args: string[]; options: O; strict: true; allowPositionals: true };

/** Arguments parsed with an option table: `values` typed by the table, and the other words as `positionals`. */
export type ParsedArgs<O extends Options> = ReturnType<typeof parseArgs<StrictConfig<O>>>;

/** Parses `args` with an option table; when they do not parse, what is wrong on one line (`argumentProblem`). */
export function parseOptions<O extends Options>(args: string[], options: O, allowPositionals: boolean): { ok: true; parsed: ParsedArgs<O> } | { ok: false; problem: string } {
  // Typed as allowing positionals: when they are not allowed parseArgs throws on the first, so there are none.
  const config: StrictConfig<O> = { args, options, strict: true, allowPositionals: allowPositionals as true };
  try {
    return { ok: true, parsed: parseArgs(config) };
  } catch (error) {
    return { ok: false, problem: argumentProblem(error, options) };
  }
}

/** What `defineCommand` takes: a `Command` whose `run` is handed its arguments parsed. */
export interface CommandDefinition<O extends Options> extends Omit<Command, 'options' | 'run'> {
  options: O;
  /**
   * For a command that hands words on to a program (`exec HOST -- CMD…`): splits its arguments into
   * its own, which alone are parsed and looked at for --help, and the rest, which reach `run`
   * untouched. Such a command given no arguments of its own has nothing to run: it prints its help
   * and exits 2.
   */
  passThrough?: (args: string[]) => { own: string[]; rest: string[] };
  /** Returns the process exit code. `rest` is what `passThrough` left; without it, empty. */
  run(parsed: ParsedArgs<O> & { rest: string[] }): Promise<number>;
}

/**
 * A command whose arguments are parsed before its `run` sees them: `--help` (or `-h`) prints the help
 * (exit 0); arguments that do not parse print one line saying what is wrong, with the flag probably
 * meant (exit 2, `usageError`). Otherwise `run` gets the values, typed by `options`.
 */
export function defineCommand<O extends Options>(definition: CommandDefinition<O>): Command {
  const { name, help, options, allowPositionals, passThrough } = definition;
  return {
    name,
    help,
    options,
    allowPositionals,
    async run(args) {
      const { own, rest } = passThrough ? passThrough(args) : { own: args, rest: [] };
      if (wantsHelp(own)) {
        console.log(help);
        return 0;
      }
      if (passThrough && own.length === 0) {
        console.log(help);
        return 2;
      }
      const result = parseOptions(own, options, allowPositionals);
      if (!result.ok) return usageError(name, result.problem);
      return definition.run({ ...result.parsed, rest });
    },
  };
}

/**
 * A usage error as one line, `patchbay NAME: problem (see …)`, on stderr; returns the exit code 2.
 * One line, not the whole help: the problem is what the user needs to read, and the help is a flag away.
 */
export function usageError(name: string, problem: string): 2 {
  const command = name ? `patchbay ${name}` : 'patchbay';
  console.error(`${command}: ${problem} (see \`${command} --help\`)`);
  return 2;
}

/** The flags of an option table as typed: `--name`, and `-x` for a short form; `--help` and `-h` too. */
export function flagsOf(options: Options): string[] {
  return [...Object.entries(options).flatMap(([name, o]) => [`--${name}`, ...(o.short ? [`-${o.short}`] : [])]), '--help', '-h'];
}

/**
 * What node:util's `parseArgs` objected to, in our words and on one line (its own messages run over
 * several lines and advise `--` quoting), with the flag that was probably meant.
 */
export function argumentProblem(error: unknown, options: Options): string {
  const { code, message = String(error) } = error as { code?: string; message?: string };
  const quoted = /'([^']*)'/.exec(message)?.[1] ?? '';
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const flags = flagsOf(options);
      const meant = didYouMean(quoted, flags.filter((f) => f.startsWith('--') === quoted.startsWith('--')));
      return `unknown option ${quoted}${meant ? `; did you mean ${meant}?` : `; options: ${flags.filter((f) => f.startsWith('--')).join(', ')}`}`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      // `'-q, --query <value>'` or `'--json'`: the long form names the flag.
      const flag = /--[\w-]+/.exec(quoted)?.[0] ?? quoted;
      if (message.includes('does not take an argument')) return `${flag} takes no value`;
      if (message.includes('ambiguous')) return `${flag} needs a value (to give one starting with a dash, write ${flag}=-…)`;
      return `${flag} needs a value`;
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${quoted}: this command takes only options`;
    default:
      return message.split('\n')[0]!;
  }
}
