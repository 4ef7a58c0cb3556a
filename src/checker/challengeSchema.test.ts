import { describe, expect, it } from 'vitest';
import { parseChallenges } from './challenges.ts';
import { formatPositionedError } from './yamlPositions.ts';

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
      const lines = r.errors.map(formatPositionedError);
      expect(lines).toContain('c.yaml:10:12: challenges.0.range: expected `exact` or `at-least-4x-scrape`');
      expect(lines.find((l) => l.includes('mustFail.0.hint'))).toMatch(/^c\.yaml:13:15: .*expected a hint id: wrong-metric/);
    }
  });

  it('points at a renamed key and says what to write instead', () => {
    const r = parseChallenges(valid.replace('    reference: vector(1)', '    query: vector(1)'), 'c.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map(formatPositionedError)).toContain('c.yaml:9:5: challenges.0.query: `query` is not a key here; write `reference` instead');
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
