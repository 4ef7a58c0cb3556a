import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { argumentProblem, type Options } from './command.ts';

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
