/**
 * Every challenge of the connections lab against a real Prometheus serving the offline fixture: the
 * reference passes on data that varies, must-pass answers pass, must-fail answers fail with their hint,
 * and every generated mutant of the reference fails.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadChallenges } from '../../src/checker/challenges.ts';
import { checkAnswer, normalizedReference } from '../../src/checker/checkAnswer.ts';
import { generateMutants } from '../../src/checker/mutants.ts';
import { assertChallenge } from '../../src/lessons/challengeAssertions.ts';
import { formatStep } from '../../src/lessons/report.ts';
import { loadLab } from '../../src/lab/loadLab.ts';
import { startOfflineLab, windowWithout, type OfflineLab } from './offline.ts';

const loaded = await loadChallenges('connections');
if (!loaded.ok) throw new Error('labs/connections/challenges.yaml is invalid');
const challenges = loaded.set.challenges;

let lab: OfflineLab;
let metricNames: string[];
beforeAll(async () => {
  lab = await startOfflineLab();
  const names = await lab.prometheus.client.labelValues('__name__');
  metricNames = names.ok ? names.data : [];
});
afterAll(async () => {
  const dir = lab?.prometheus.dir;
  await lab?.prometheus.stop();
  if (dir) expect(existsSync(dir)).toBe(false);
});

describe('connections challenges (offline fixture)', () => {
  it("declares the lab Prometheus' scrape interval, which ranges and $__rate_interval depend on", () => {
    const lab = loadLab('connections');
    expect(lab.ok).toBe(true);
    if (lab.ok) expect(loaded.set.scrapeInterval * 1000).toBe(lab.lab.spec.prometheus?.scrapeInterval);
  });

  it('defines at least two challenges for each of the four lessons', () => {
    const perLesson = new Map<string, number>();
    for (const c of challenges) perLesson.set(c.lesson, (perLesson.get(c.lesson) ?? 0) + 1);
    expect(perLesson.size).toBe(4);
    for (const n of perLesson.values()) expect(n).toBeGreaterThanOrEqual(2);
  });

  describe.each(challenges.map((c) => [c.id, c] as const))('%s', (_id, challenge) => {
    it('passes its reference, on data that changes over the window', async () => {
      const r = await checkAnswer(challenge, challenge.reference, lab.target);
      expect(r.error).toBeUndefined();
      expect(r.passed).toBe(true);
      const values = new Set(r.expected!.series.flatMap((s) => s.values).filter((v) => v !== null));
      expect(values.size).toBeGreaterThan(1);
    });

    it('passes every must-pass answer', async () => {
      for (const query of challenge.mustPass) {
        const r = await checkAnswer(challenge, query, lab.target);
        expect({ query, passed: r.passed, hints: r.hints, error: r.error }).toMatchObject({ passed: true });
      }
    });

    it('fails every must-fail answer with its hint', async () => {
      for (const { query, hint } of challenge.mustFail) {
        const r = await checkAnswer(challenge, query, lab.target);
        expect(r.passed, query).toBe(false);
        expect(r.hints.map((h) => h.id), query).toContain(hint);
      }
    });

    it('fails every generated mutant of the reference', async () => {
      const reference = normalizedReference(challenge, lab.target.window, lab.target.scrapeSeconds);
      const mutants = generateMutants(reference, { scrapeSeconds: lab.target.scrapeSeconds, rangePolicy: challenge.range, metricNames });
      expect(mutants.length).toBeGreaterThan(0);
      for (const m of mutants) {
        const r = await checkAnswer(challenge, m.query, lab.target);
        expect({ mutant: m.description, passed: r.passed }).toEqual({ mutant: m.description, passed: false });
      }
    });

    it('fails an empty answer and a wrong one', async () => {
      const empty = await checkAnswer(challenge, '   ', lab.target);
      expect(empty).toMatchObject({ passed: false, error: { kind: 'empty' } });
      const wrong = await checkAnswer(challenge, 'vector(0)', lab.target);
      expect(wrong.passed).toBe(false);
    });
  });
});

describe('checkAnswer details', () => {
  const byId = (id: string) => challenges.find((c) => c.id === id)!;

  it('accepts at once when Prometheus formats the answer like the reference', async () => {
    const c = byId('api-active-connections');
    const r = await checkAnswer(c, 'envoy_listener_downstream_cx_active{ job = "api" }', lab.target);
    expect(r).toMatchObject({ passed: true, sameText: true });
  });

  it('suggests the closest existing metric for a misspelt one', async () => {
    const c = byId('ingress-upstream-active');
    const r = await checkAnswer(c, 'envoy_cluster_upstream_cx_actve{envoy_cluster_name="api"}', lab.target);
    expect(r.passed).toBe(false);
    expect(r.hints.find((h) => h.id === 'wrong-metric')?.message).toContain('did you mean `envoy_cluster_upstream_cx_active`');
  });

  it('reports an empty result', async () => {
    const c = byId('circuit-breaker-open');
    const r = await checkAnswer(c, 'envoy_cluster_circuit_breakers_default_cx_open{job="nowhere"}', lab.target);
    expect(r.hints.map((h) => h.id)).toContain('empty-result');
  });

  // The challenges whose answers only the lesson's overload tells apart declare it with `needs`.
  const needing = challenges.filter((c) => c.needs);
  it('has the overload challenges declare what data they need', () => {
    expect(needing.map((c) => c.id).sort()).toEqual(['circuit-breaker-open', 'pending-overflow-rate']);
  });

  /**
   * A wrong answer that only the overload tells from the reference: the wrong-metric must-fail answer
   * (a refused-connections rate, 0 like the right one when nothing is refused), and for the breaker the
   * pending-queue gauge (0 like the connection breaker's when neither is reached; the requests breaker's
   * gauge is absent from the fixture, so it is told apart anyway).
   */
  const flatWhenCalm: Record<string, (c: (typeof challenges)[number]) => string> = {
    'pending-overflow-rate': (c) => c.mustFail.find((f) => f.hint === 'wrong-metric')!.query,
    'circuit-breaker-open': () => 'envoy_cluster_circuit_breakers_default_rq_pending_open{envoy_cluster_name="api"}',
  };

  describe.each(needing.map((c) => [c.id, c] as const))('%s without its data', (_id, c) => {
    it('says the lab lacks what the challenge needs instead of grading on data that cannot tell answers apart', async () => {
      const calm = { ...lab.target, window: await windowWithout(lab.target, c.needs!.query, 60) };
      const wrong = flatWhenCalm[c.id]!(c);
      // Why `needs` exists: with no overload in the window the wrong answer is as flat as the right one.
      const { needs: _needs, ...withoutNeeds } = c;
      expect((await checkAnswer(withoutNeeds, wrong, calm)).passed).toBe(true);

      const r = await checkAnswer(c, wrong, calm);
      expect(r).toMatchObject({ passed: false, error: { kind: 'needs-data', message: c.needs!.message } });
      // The reference as written is right whatever the data.
      expect(await checkAnswer(c, c.reference, calm)).toMatchObject({ passed: true, sameText: true });
      // Over the whole fixture the overload is there, and the same answer is graded and fails.
      const graded = await checkAnswer(c, wrong, lab.target);
      expect(graded.error).toBeUndefined();
      expect(graded.passed).toBe(false);
      expect(graded.hints.map((h) => h.id)).toContain('wrong-metric');
    });

    it('is reported by lesson validation as missing data, with its message, not as a must-fail answer that passes', async () => {
      const calm = { ...lab.target, window: await windowWithout(lab.target, c.needs!.query, 60) };
      // Without `needs`, the same calm data fails the challenge for reasons that do not name it.
      const { needs: _needs, ...withoutNeeds } = c;
      const blind = await assertChallenge(withoutNeeds, calm, metricNames);
      expect(blind.filter((k) => !k.ok).map((k) => k.label.replace(/:.*/, ''))).toEqual(expect.arrayContaining([expect.stringMatching(/^a (must-fail answer|mutant of the reference) passes$/)]));

      const checks = await assertChallenge(c, calm, metricNames, (at) => loaded.set.positionOf(c.id, at));
      // The reference first, then `needs`, and nothing after it: every later verdict would be noise.
      expect(checks.map((k) => k.ok)).toEqual([true, false]);
      const missing = checks[1]!;
      expect(missing.label).toMatch(/^the lab lacks the data it needs: /);
      expect(missing.detail).toBe(oneLine(c.needs!.message));
      expect(missing.at).toMatchObject({ file: expect.stringContaining('challenges.yaml') });
      expect(missing.at!.line).toBe(loaded.set.positionOf(c.id, ['needs', 'query']).line);
      // The report keeps it on one line, at the `needs` query's line.
      const text = formatStep({ status: 'fail', label: `challenge ${c.id}`, checks, durationMs: 0 }, { color: false });
      const line = text.split('\n').find((l) => l.includes('lacks the data'))!;
      expect(line).toContain(`challenges.yaml:${missing.at!.line}`);
      expect(line).toContain(oneLine(c.needs!.message));
      expect(text.split('\n')).toHaveLength(2);
    });
  });

  it('is validated with its needs met over the whole fixture, every check passing', async () => {
    for (const c of needing) {
      const checks = await assertChallenge(c, lab.target, metricNames);
      expect(checks[1]!.label).toMatch(/^the lab has the data it needs: /);
      expect(checks.filter((k) => !k.ok)).toEqual([]);
    }
  });

  it('bounds the series returned for graphs', async () => {
    const c = byId('api-active-connections');
    const r = await checkAnswer(c, '{__name__=~"envoy_cluster_.*"}', lab.target);
    expect(r.passed).toBe(false);
    expect(r.answer!.series.length).toBeLessThanOrEqual(20);
    expect(r.answer!.totalSeries).toBeGreaterThan(r.answer!.series.length);
    expect(r.answer!.truncated).toBe(true);
  });

  it('gives a Prometheus error the same clear shape (unknown function)', async () => {
    const c = byId('api-active-connections');
    const r = await checkAnswer(c, 'ratez(x[1m])', lab.target);
    expect(r.passed).toBe(false);
    expect(r.error?.kind).toMatch(/syntax|type/);
    expect(r.error?.position).toBeDefined();
  });
});

describe('a window with no data at all (a lab that has just started)', () => {
  it('grades nothing that selects nothing, instead of passing it as equal to an empty expected answer', async () => {
    const c = loaded.set.byId.get('api-active-connections')!;
    const { window } = lab.target;
    const before = { ...lab.target, window: { ...window, start: window.start - 7200, end: window.start - 3600 } };
    // A misspelt metric selects nothing, as the reference does here: not graded, and not an attempt.
    const misspelt = await checkAnswer(c, c.reference.replace('downstream_cx_active', 'downstream_cx_activ'), before);
    expect(misspelt).toMatchObject({ passed: false, error: { kind: 'needs-data' } });
    expect(misspelt.error!.message).toMatch(/^Neither your query nor the expected answer has data in the last 60 minutes/);
    // The reference as written is right whatever the data.
    expect(await checkAnswer(c, c.reference, before)).toMatchObject({ passed: true, sameText: true });
    // Where the data is, the misspelt metric is graded and fails.
    expect((await checkAnswer(c, c.reference.replace('downstream_cx_active', 'downstream_cx_activ'), lab.target)).passed).toBe(false);
  });
});

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
