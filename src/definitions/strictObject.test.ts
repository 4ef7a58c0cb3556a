import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { formatDefinitionError } from './definitionError.ts';
import { loadDefinition } from './loadDefinition.ts';
import { checkWritten, strictObject, uniqueBy } from './strictObject.ts';

const service = strictObject(
  {
    command: z.array(z.string()),
    restart: z.enum(['always', 'never']).default('always'),
    dependsOn: z.array(z.string()).default([]),
  },
  { renamed: { depends_on: 'dependsOn', cmd: 'command' } },
);

function errors(text: string, schema: z.ZodTypeAny = service): string[] {
  const r = loadDefinition(text, 'svc.yaml', schema);
  if (r.ok) throw new Error('expected errors');
  return r.errors.map(formatDefinitionError);
}

describe('strictObject', () => {
  it('says what to write instead of a renamed key, pointing at the key', () => {
    expect(errors('command: [a]\ndepends_on: [db]\n')).toEqual(['svc.yaml:2:1: depends_on: `depends_on` is not a key here; write `dependsOn` instead']);
  });

  it('asks "did you mean" for a misspelt key, and lists the keys when nothing is close', () => {
    expect(errors('command: [a]\nrestat: never\ncolour: blue\n')).toEqual([
      'svc.yaml:2:1: restat: unknown key `restat`; did you mean `restart`?',
      'svc.yaml:3:1: colour: unknown key `colour`; expected one of: command, restart, dependsOn',
    ]);
  });

  it('reports unknown keys together with the object\'s other errors', () => {
    expect(errors('cmd: [a]\nrestart: sometimes\n')).toEqual([
      'svc.yaml:1:1: cmd: `cmd` is not a key here; write `command` instead',
      'svc.yaml:1:1: command: missing required key `command`',
      'svc.yaml:2:10: restart: expected one of always, never, got "sometimes"',
    ]);
  });

  it('gives the author\'s type as input and the resolved type, defaults applied, as output', () => {
    expectTypeOf<z.input<typeof service>>().toEqualTypeOf<{ command: string[]; restart?: 'always' | 'never' | undefined; dependsOn?: string[] | undefined }>();
    expectTypeOf<z.output<typeof service>>().toEqualTypeOf<{ command: string[]; restart: 'always' | 'never'; dependsOn: string[] }>();
    const r = loadDefinition('command: [a]\n', 'svc.yaml', service);
    expect(r.ok && r.value).toEqual({ command: ['a'], restart: 'always', dependsOn: [] });
  });

  it('accepts ignored keys with a positioned warning, and lets a caller word unknown keys its own way', () => {
    const envoyish = strictObject(
      { name: z.string() },
      { ignored: ['stats_config'], ignoredMessage: 'ignored here', unknownKey: (key, meant) => `unknown field "${key}"${meant ? ` (did you mean "${meant}"?)` : ''}` },
    );
    const ok = loadDefinition('name: x\nstats_config: {}\n', 'e.yaml', envoyish);
    expect(ok.ok && ok.warnings.map(formatDefinitionError)).toEqual(['e.yaml:2:1: stats_config: ignored here']);
    expect(errors('nme: x\n', envoyish)).toEqual(['svc.yaml:1:1: nme: unknown field "nme" (did you mean "name"?)', 'svc.yaml:1:1: name: missing required key `name`']);
  });
});

describe('uniqueBy and checkWritten', () => {
  const items = uniqueBy(z.array(strictObject({ id: z.string(), size: z.number() })), 'id', (id, first) => `duplicate id \`${id}\` (also item ${first})`);

  it('reports a duplicate even when another item is malformed', () => {
    expect(errors('- { id: a, size: 1 }\n- { id: b, size: big }\n- { id: a, size: 2 }\n', items)).toEqual([
      'svc.yaml:2:18: 1.size: expected number, got string',
      'svc.yaml:3:9: 2.id: duplicate id `a` (also item 0)',
    ]);
  });

  it('points inside a one-line value at the character a check names', () => {
    const noX = checkWritten(z.string(), (written, report) => {
      if (typeof written === 'string' && written.includes('x')) report({ path: [], message: 'no x here', within: written.indexOf('x') });
    });
    expect(errors('"abcx"\n', noX)).toEqual(['svc.yaml:1:5: no x here']);
  });
});
