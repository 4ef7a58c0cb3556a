import { describe, expect, it } from 'vitest';
import { parseChallenges } from './challenges.ts';
import { formatDefinitionError } from '../definitions/definitionError.ts';

const valid = `scrapeInterval: 2s
live: { window: 5m, step: 10s }
offline: { fixture: fixtures/x.om, start: 2026-01-01T00:15:00Z, end: 2026-01-01T00:30:00Z, step: 10s }
challenges:
  - id: one
    lesson: l1
    title: One
    prompt: Say one.
    reference: vector(1)
`;

describe('challenges.yaml validation', () => {
  it('resolves durations to seconds, times to unix seconds, and applies defaults', () => {
    const r = parseChallenges(valid, '/labs/demo/challenges.yaml');
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.set.scrapeInterval).toBe(2);
      expect(r.set.offline).toMatchObject({ start: 1767226500, end: 1767227400, step: 10, fixturePath: '/labs/demo/fixtures/x.om' });
      expect(r.set.byId.get('one')).toMatchObject({ range: 'exact', ignoreLabels: [], mustPass: [], mustFail: [] });
    }
  });

  it('names file, line and column of a wrong value and says what was expected', () => {
    const text = valid.replace('    reference: vector(1)', '    reference: vector(1)\n    range: loose\n    mustFail:\n      - query: x\n        hint: nonsense');
    const r = parseChallenges(text, 'c.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      const lines = r.errors.map(formatDefinitionError);
      expect(lines).toContain('c.yaml:10:12: challenges.0.range: expected `exact` or `at-least-4x-scrape`');
      expect(lines.find((l) => l.includes('mustFail.0.hint'))).toMatch(/^c\.yaml:13:15: .*expected a hint id: wrong-metric/);
    }
  });

  it('points at a renamed key and says what to write instead', () => {
    const r = parseChallenges(valid.replace('    reference: vector(1)', '    query: vector(1)'), 'c.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map(formatDefinitionError)).toContain('c.yaml:9:5: challenges.0.query: `query` is not a key here; write `reference` instead');
  });

  it('takes `needs` as a query and a message, both required, nothing else', () => {
    const ok = parseChallenges(valid.replace('    reference: vector(1)', '    reference: vector(1)\n    needs:\n      query: up == 1\n      message: |\n        Start the load first.\n'), 'c.yaml');
    expect(ok.ok && ok.set.byId.get('one')!.needs).toEqual({ query: 'up == 1', message: 'Start the load first.' });
    const bad = parseChallenges(valid.replace('    reference: vector(1)', '    reference: vector(1)\n    needs: { query: up, mesage: run it }'), 'c.yaml');
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      const lines = bad.errors.map(formatDefinitionError);
      expect(lines.find((l) => l.includes('needs.message'))).toMatch(/^c\.yaml:10:\d+: challenges\.0\.needs\.message: missing required key `message`/);
      expect(lines.find((l) => l.includes('needs.mesage'))).toMatch(/did you mean `message`/);
    }
  });

  it('rejects duplicate ids and YAML syntax errors with positions', () => {
    const dup = parseChallenges(`${valid}  - id: one\n    lesson: l\n    title: t\n    prompt: p\n    reference: x\n`, 'c.yaml');
    expect(dup.ok).toBe(false);
    if (!dup.ok) expect(dup.errors[0]!.message).toMatch(/duplicate id `one`/);
    const bad = parseChallenges('challenges: [\n', 'c.yaml');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors[0]).toMatchObject({ file: 'c.yaml', line: 2 });
  });
});

describe('a challenges.yaml with several errors', () => {
  // `valid` with the first challenge broken from its reference (line 9) on, and a second one added.
  const broken = valid.replace(
    '    reference: vector(1)\n',
    `    reference: sum(rate(x[5m])
    ignoreLabels: job
    mustPass: ["rate(x[$__rate_interval])", "rate(x[5m]) by (job)"]
    mustFail:
      - query: rate(x)
        hint: wrong-metric
    needs: { query: "x >", message: run the load first }
  - id: one
    lesson: l1
    title: Two
    prompt: Again.
    refrence: vector(2)
`,
  );

  it('reports all of them in one run, each with file:line:column (a bad query at the character where it stops parsing)', () => {
    const r = parseChallenges(broken, 'c.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map(formatDefinitionError)).toEqual([
      'c.yaml:9:31: challenges.0.reference: PromQL: The query ends too early at line 1, column 16: something is missing (a closing bracket, an operand, or a value).',
      'c.yaml:10:19: challenges.0.ignoreLabels: expected array, got string',
      'c.yaml:11:58: challenges.0.mustPass.1: PromQL: Unexpected "by" at line 1, column 13.',
      'c.yaml:13:21: challenges.0.mustFail.0.query: PromQL: Expected type matrix in call to function "rate", got vector (line 1, column 6).',
      'c.yaml:15:25: challenges.0.needs.query: PromQL: The query ends too early at line 1, column 4: something is missing (a closing bracket, an operand, or a value).',
      'c.yaml:16:5: challenges.1.reference: missing required key `reference`',
      'c.yaml:16:9: challenges.1.id: duplicate id `one` (also challenge 0)',
      'c.yaml:20:5: challenges.1.refrence: unknown key `refrence`; did you mean `reference`?',
    ]);
  });

  it('accepts the queries of the connections lab, with their Grafana variables', async () => {
    const { loadChallenges } = await import('./challenges.ts');
    const r = await loadChallenges('connections');
    expect(r.ok ? [] : r.errors.map(formatDefinitionError)).toEqual([]);
  });
});

describe('panel challenges in challenges.yaml', () => {
  const panel = `${valid}  - id: two
    lesson: l1
    kind: panel
    title: Two
    prompt: Build it.
    panel:
      title: My panel
      queries:
        - about: the one
          reference: vector(1)
          legend: { contains: one }
        - about: the two
          reference: vector(2)
          legend: [{ label: job }, { apart: true }]
      mustFail:
        - title: x
          fails: title
          queries: [{ expr: vector(1) }, { expr: vector(2), legendFormat: two }]
`;

  it('keeps panel challenges apart from query challenges, with their rules resolved', () => {
    const r = parseChallenges(panel, 'c.yaml');
    expect(r.ok ? [] : r.errors.map(formatDefinitionError)).toEqual([]);
    if (!r.ok) return;
    expect(r.set.challenges.map((c) => c.id)).toEqual(['one']);
    expect(r.set.ids).toEqual(['one', 'two']);
    const two = r.set.panelById.get('two')!;
    expect(two.panel.queries.map((q) => q.legend)).toEqual([[{ contains: 'one' }], [{ label: 'job' }, { apart: true }]]);
    expect(two.panel.queries[0]).toMatchObject({ range: 'exact', ignoreLabels: [], mustPass: [], mustFail: [] });
  });

  it('says where a panel challenge is written wrong: its kind, a query-challenge key, a legend rule, a query', () => {
    const broken = panel
      .replace('    kind: panel\n', '')
      .replace("          legend: { contains: one }\n", "          legend: { contain: one }\n")
      .replace('          reference: vector(2)\n', '          reference: vector(2\n');
    const r = parseChallenges(broken.replace('    prompt: Build it.\n', '    prompt: Build it.\n    mustPass: [vector(1)]\n'), 'c.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const errors = r.errors.map(formatDefinitionError).join('\n');
    expect(errors).toContain('challenges.1.kind: a challenge with `panel` is of `kind: panel`');
    expect(errors).toMatch(/challenges\.1\.panel\.queries\.0\.legend.*contain/);
    expect(errors).toMatch(/challenges\.1\.panel\.queries\.1\.reference: PromQL/);

    const withReference = parseChallenges(panel.replace('    prompt: Build it.\n', '    prompt: Build it.\n    reference: vector(1)\n    mustPass: [vector(1)]\n'), 'c.yaml');
    expect(withReference.ok ? [] : withReference.errors.map(formatDefinitionError)).toEqual([
      'c.yaml:15:16: challenges.1.reference: a challenge of kind `panel` has its reference queries under `panel.queries`',
      'c.yaml:16:15: challenges.1.mustPass: a challenge of kind `panel` has `mustPass` under `panel` (mustPass, mustFail) or under each of `panel.queries`',
    ]);
  });
});
