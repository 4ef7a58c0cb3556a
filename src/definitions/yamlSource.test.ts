import { describe, expect, it } from 'vitest';
import { formatDefinitionError } from './definitionError.ts';
import { parseYamlSource, YamlLimits } from './yamlSource.ts';

/** Nine levels of nine aliases each: 9^9 strings once expanded. */
function billionLaughs(): string {
  let text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
  let previous = 'a';
  for (const name of 'bcdefghi') {
    text += `${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]\n`;
    previous = name;
  }
  return text;
}

describe('parseYamlSource', () => {
  it('gives the line and column of a path, of its key, and of a character inside a one-line value', () => {
    const source = parseYamlSource('top:\n  list:\n    - plain: rate(x[5m])\n    - quoted: "sum(y)"\n', 'f.yaml');
    expect(source.errors).toEqual([]);
    expect(source.positionOf(['top', 'list', 0, 'plain'])).toEqual({ line: 3, column: 14 });
    expect(source.positionOf(['top', 'list', 0, 'plain'], { atKey: true })).toEqual({ line: 3, column: 7 });
    expect(source.positionOf(['top', 'list', 0, 'plain'], { within: 5 })).toEqual({ line: 3, column: 19 });
    expect(source.positionOf(['top', 'list', 1, 'quoted'], { within: 4 })).toEqual({ line: 4, column: 20 });
    // A path that does not exist points at its deepest existing ancestor.
    expect(source.positionOf(['top', 'list', 1, 'missing'])).toEqual({ line: 4, column: 7 });
  });

  it('does not point inside a value whose source spells it differently (a block scalar)', () => {
    const source = parseYamlSource('q: |\n  rate(x[5m])\n', 'f.yaml');
    expect(source.positionOf(['q'], { within: 5 })).toEqual({ line: 1, column: 4 });
  });

  it('reports every YAML error with its position, and still builds a value for later checks', () => {
    const source = parseYamlSource('a: 1\na: 2\nb: [unclosed\n', 'f.yaml');
    expect(source.errors.map(formatDefinitionError)).toEqual([
      'f.yaml:2:1: YAML: Map keys must be unique',
      expect.stringMatching(/^f\.yaml:4:1: YAML: /),
    ]);
    expect(source.value).toMatchObject({ b: ['unclosed'] });
  });

  it('refuses a "billion laughs" file quickly with one positioned error instead of expanding it', () => {
    const started = performance.now();
    const source = parseYamlSource(billionLaughs(), 'bomb.yaml');
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(source.value).toBeUndefined();
    expect(source.errors).toHaveLength(1);
    const [error] = source.errors.map(formatDefinitionError);
    expect(error).toMatch(new RegExp(`^bomb\\.yaml:\\d+:\\d+: YAML: aliases expand to more than ${YamlLimits.MAX_ALIAS_COUNT} copies`));
    // It points at an alias in the file, not at the top.
    expect(source.errors[0]!.line).toBeGreaterThan(1);
    expect(billionLaughs().split('\n')[source.errors[0]!.line - 1]!.slice(source.errors[0]!.column - 1)).toMatch(/^\*[a-i]/);
  });

  it('still expands a few ordinary aliases', () => {
    const source = parseYamlSource('base: &base { a: 1 }\none: *base\ntwo: [*base, *base]\n', 'f.yaml');
    expect(source.errors).toEqual([]);
    expect(source.value).toEqual({ base: { a: 1 }, one: { a: 1 }, two: [{ a: 1 }, { a: 1 }] });
  });

  it('points at an alias whose anchor is not defined', () => {
    const source = parseYamlSource('a: 1\nb: *nope\n', 'f.yaml');
    expect(source.errors.map(formatDefinitionError)).toEqual(['f.yaml:2:4: YAML: Unresolved alias (the anchor must be set before the alias): nope']);
  });

  it('writes paths in messages with the caller\'s notation', () => {
    const source = parseYamlSource('a:\n  - b: 1\n', 'f.yaml', { formatPath: (p) => p.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('') });
    expect(formatDefinitionError(source.errorAt(['a', 0, 'b'], 'too small'))).toBe('f.yaml:2:8: .a[0].b: too small');
  });
});
