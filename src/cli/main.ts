/** `patchbay`: the command line. Dispatches to one subcommand; prints help for `--help` or no command. */
import { didYouMean } from '../definitions/closest.ts';
import { usageError } from './command.ts';
import { commands } from './commands/index.ts';

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length), 4);
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: patchbay COMMAND [OPTIONS]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `patchbay COMMAND --help` for a command\'s options.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? 1 : 0;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    const names = commands.map((c) => c.name);
    const meant = didYouMean(name, names);
    return usageError('', `unknown command ${name}${meant ? `; did you mean ${meant}?` : `; commands: ${names.join(', ')}`}`);
  }
  const command = await entry.load();
  return command.run(rest);
}
