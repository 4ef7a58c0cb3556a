import { parseArgs } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { argumentProblem, defineCommand, type ParsedArgs, type Options } from './command.ts';

const options = { json: { type: 'boolean' }, lab: { type: 'string' }, query: { type: 'string', short: 'q' }, offline: { type: 'boolean' } } satisfies Options;

/** What `parseArgs` throws for these arguments, in our words. */
function problem(args: string[], allowPositionals = true): string {
  try {
    parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    return argumentProblem(error, options);
  }
  throw new Error(`${args.join(' ')} parsed`);
}

describe('argumentProblem', () => {
  it('names an unknown flag on one line, with the flag probably meant', () => {
    expect(problem(['--jsn'])).toBe('unknown option --jsn; did you mean --json?');
    expect(problem(['--ofline'])).toBe('unknown option --ofline; did you mean --offline?');
    expect(problem(['--frobnicate'])).toBe('unknown option --frobnicate; options: --json, --lab, --query, --offline, --help');
  });

  it('says which flag needs a value, or takes none', () => {
    expect(problem(['--lab'])).toBe('--lab needs a value');
    expect(problem(['-q'])).toBe('--query needs a value');
    expect(problem(['--lab', '--json'])).toBe('--lab needs a value (to give one starting with a dash, write --lab=-…)');
    expect(problem(['--json=yes'])).toBe('--json takes no value');
  });

  it('says a command that takes only options got an argument', () => {
    expect(problem(['extra'], false)).toBe('unexpected argument extra: this command takes only options');
  });

  it('is one line whatever parseArgs said', () => {
    for (const args of [['--jsn'], ['--lab', '--json'], ['-x']]) expect(problem(args)).not.toContain('\n');
  });
});

describe('defineCommand', () => {
  /** What a command printed: console output captured, so the test reads what the user would. */
  function capture() {
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line));
    vi.spyOn(console, 'error').mockImplementation((line: string) => void err.push(line));
    return { out, err };
  }
  afterEach(() => vi.restoreAllMocks());

  /** A command that records what its `run` was handed. */
  function recording(passThrough?: (args: string[]) => { own: string[]; rest: string[] }) {
    const handed: (ParsedArgs<typeof options> & { rest: string[] })[] = [];
    const command = defineCommand({
      name: 'check',
      help: 'HELP',
      options,
      allowPositionals: true,
      ...(passThrough && { passThrough }),
      async run(parsed) {
        handed.push(parsed);
        return 7;
      },
    });
    return { command, handed };
  }

  it('hands run the parsed values and positionals, and returns its exit code', async () => {
    const { command, handed } = recording();
    expect(await command.run(['x', '-q', 'up', '--json'])).toBe(7);
    expect(handed).toEqual([{ values: { query: 'up', json: true }, positionals: ['x'], rest: [] }]);
    expect(command).toMatchObject({ name: 'check', help: 'HELP', options, allowPositionals: true });
  });

  it('prints the help for --help (exit 0) and one line for arguments that do not parse (exit 2), without running', async () => {
    const { command, handed } = recording();
    const printed = capture();
    expect(await command.run(['x', '-h'])).toBe(0);
    expect(await command.run(['--jsn'])).toBe(2);
    expect(printed).toEqual({ out: ['HELP'], err: ['patchbay check: unknown option --jsn; did you mean --json? (see `patchbay check --help`)'] });
    expect(handed).toEqual([]);
  });

  it('with passThrough parses only its own arguments, hands the rest on untouched, and given none of its own prints the help (exit 2)', async () => {
    const atDash = (args: string[]) => ({ own: args.slice(0, args.indexOf('--')), rest: args.slice(args.indexOf('--') + 1) });
    const { command, handed } = recording(atDash);
    expect(await command.run(['--lab', 'a', 'x', '--', 'ls', '--help', '--jsn'])).toBe(7);
    expect(handed).toEqual([{ values: { lab: 'a' }, positionals: ['x'], rest: ['ls', '--help', '--jsn'] }]);
    const printed = capture();
    expect(await command.run(['--', 'ls'])).toBe(2);
    expect(printed).toEqual({ out: ['HELP'], err: [] });
    expect(handed).toHaveLength(1);
  });
});
