/**
 * What must hold for a challenge to be fair, checked with the checker itself against real data:
 * the reference passes (and returns data), the lab has the data the challenge `needs`, an empty and an
 * obviously wrong answer fail, every must-pass answer passes, every must-fail answer fails with its
 * hint, and every generated mutant of the reference fails. A passing mutant means the data cannot tell
 * a right answer from a wrong one. Each check says where its query is written in `challenges.yaml`, so
 * a failure points at the line to fix.
 */
import { checkAnswer, needsMet, normalizedReference, type CheckTarget } from '../checker/checkAnswer.ts';
import type { Challenge } from '../checker/challenges.ts';
import { generateMutants } from '../checker/mutants.ts';
import type { SourcePosition } from '../definitions/definitionError.ts';
import type { DefinitionPath } from '../definitions/yamlSource.ts';

export interface ChallengeCheck {
  ok: boolean;
  /**
   * What holds, `kind: what` (`mutant: rate() → irate()`; the report groups by the part before the
   * colon), or, for a check that failed, what went wrong (`the reference does not pass`).
   */
  label: string;
  detail?: string;
  /** Where the query checked is written in `challenges.yaml`. */
  at?: SourcePosition;
}

/** Where a part of the challenge is written (ChallengeSet.positionOf for this challenge). */
export type ChallengePositions = (path: DefinitionPath) => SourcePosition;

/** No real metric is constantly -1, so this answer differs from any reference over lab data. */
export const OBVIOUSLY_WRONG_ANSWER = 'vector(-1)';

export async function assertChallenge(challenge: Challenge, target: CheckTarget, metricNames: readonly string[], positionOf?: ChallengePositions): Promise<ChallengeCheck[]> {
  const checks: ChallengeCheck[] = [];
  const where = (path: DefinitionPath) => (positionOf ? { at: positionOf(path) } : {});
  // Once `needs` is found met for this window, the checks below need not ask Prometheus again each.
  let judged = challenge;
  const check = (q: string) => checkAnswer(judged, q, target);

  const ref = await check(challenge.reference);
  const refSeries = ref.expected?.totalSeries ?? 0;
  checks.push({
    ok: ref.passed && refSeries > 0,
    ...(!ref.passed
      ? { label: 'the reference does not pass', detail: ref.error?.message ?? `the checker rejects its own reference${hintText(ref.hints)}` }
      : refSeries === 0
        ? { label: 'the reference returns no data in the lab', detail: 'every answer that returns nothing would pass' }
        : { label: 'reference passes' }),
    ...where(['reference']),
  });
  // Without a working reference nothing else can be judged: every other check would fail as noise.
  if (!checks[0]!.ok) return checks;

  // Nor without the data the challenge needs: the lesson's steps should have produced it in the window.
  // Missing, it is reported with the author's message (what the learner would be told to run), not as
  // must-fail answers passing on data that cannot tell them apart.
  if (challenge.needs) {
    const met = await needsMet(challenge, target);
    const needs = oneLine(challenge.needs.query);
    checks.push({ ok: met.ok, ...(met.ok ? { label: `the lab has the data it needs: ${needs}` } : { label: `the lab lacks the data it needs: ${needs}`, detail: oneLine(met.error.message) }), ...where(['needs', 'query']) });
    if (!met.ok) return checks;
    const { needs: _met, ...rest } = challenge;
    judged = rest;
  }

  // Judged against the reference, so a wrong answer that passes is the reference's (or the data's) doing.
  for (const [label, failed, q] of [
    ['empty answer fails', 'an empty answer passes', ''],
    [`wrong answer fails: ${OBVIOUSLY_WRONG_ANSWER}`, `an obviously wrong answer passes: ${OBVIOUSLY_WRONG_ANSWER}`, OBVIOUSLY_WRONG_ANSWER],
  ] as const) {
    const r = await check(q);
    checks.push({ ok: !r.passed, ...(r.passed ? { label: failed, detail: 'the checker accepted it' } : { label }), ...where(['reference']) });
  }

  for (const [i, q] of challenge.mustPass.entries()) {
    const r = await check(q);
    const text = oneLine(q);
    checks.push({
      ok: r.passed,
      ...(r.passed ? { label: `must pass: ${text}` } : { label: `a must-pass answer fails: ${text}`, detail: r.error?.message ?? `rejected${hintText(r.hints)}` }),
      ...where(['mustPass', i]),
    });
  }

  for (const [i, { query, hint }] of challenge.mustFail.entries()) {
    const r = await check(query);
    const hinted = r.hints.some((h) => h.id === hint);
    const text = oneLine(query);
    const label = r.passed
      ? `a must-fail answer passes: ${text}`
      : !hinted
        ? `a must-fail answer fails without its hint ${hint}: ${text}`
        : `must fail with hint ${hint}: ${text}`;
    const detail = r.passed ? 'the checker accepted it' : !hinted ? `got ${r.hints.map((h) => h.id).join(', ') || 'no hint'}${r.error ? `; error: ${r.error.message}` : ''}` : undefined;
    checks.push({ ok: !r.passed && hinted, label, ...(detail && { detail }), ...where(['mustFail', i, 'query']) });
  }

  const reference = normalizedReference(challenge, target.window, target.scrapeSeconds);
  const mutants = generateMutants(reference, { scrapeSeconds: target.scrapeSeconds, rangePolicy: challenge.range, metricNames });
  for (const m of mutants) {
    const r = await check(m.query);
    checks.push({
      ok: !r.passed,
      ...(r.passed ? { label: `a mutant of the reference passes: ${m.description}`, detail: `${oneLine(m.query)}: the data does not tell it from the reference` } : { label: `mutant: ${m.description}` }),
      ...where(['reference']),
    });
  }
  return checks;
}

/** Multi-line queries on one line, so each check stays one line of the report. */
function oneLine(query: string): string {
  return query.replace(/\s*\n\s*/g, ' ').trim();
}

function hintText(hints: { message: string }[]): string {
  return hints.length ? ` (${hints.map((h) => h.message).join(' ')})` : '';
}
