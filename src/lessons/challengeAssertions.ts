/**
 * What must hold for a challenge to be fair, checked with the checker itself against real data:
 * the reference passes (and returns data), the lab has the data the challenge `needs`, an empty and an
 * obviously wrong answer fail, every must-pass answer passes, every must-fail answer fails with its
 * hint, and every generated mutant of the reference fails. A passing mutant means the data cannot tell
 * a right answer from a wrong one.
 */
import { checkAnswer, needsMet, normalizedReference, type CheckTarget } from '../checker/checkAnswer.ts';
import type { Challenge } from '../checker/challenges.ts';
import { generateMutants } from '../checker/mutants.ts';

export interface ChallengeCheck {
  ok: boolean;
  /** `kind: what`, e.g. `mutant: rate() → irate()`; the report groups by the part before the colon. */
  label: string;
  detail?: string;
}

/** No real metric is constantly -1, so this answer differs from any reference over lab data. */
export const OBVIOUSLY_WRONG_ANSWER = 'vector(-1)';

export async function assertChallenge(challenge: Challenge, target: CheckTarget, metricNames: readonly string[]): Promise<ChallengeCheck[]> {
  const checks: ChallengeCheck[] = [];
  // Once `needs` is found met for this window, the checks below need not ask Prometheus again each.
  let judged = challenge;
  const check = (q: string) => checkAnswer(judged, q, target);

  const ref = await check(challenge.reference);
  const refSeries = ref.expected?.totalSeries ?? 0;
  checks.push({
    ok: ref.passed && refSeries > 0,
    label: 'reference passes',
    ...(!ref.passed
      ? { detail: ref.error?.message ?? `the checker rejects its own reference${hintText(ref.hints)}` }
      : refSeries === 0
        ? { detail: 'the reference returns no data in the lab, so every answer that returns nothing would pass' }
        : {}),
  });
  // Without a working reference nothing else can be judged: every other check would fail as noise.
  if (!checks[0]!.ok) return checks;

  // Nor without the data the challenge needs: the lesson's steps should have produced it in the window.
  if (challenge.needs) {
    const met = await needsMet(challenge, target);
    checks.push({ ok: met.ok, label: `the lab has the data it needs: ${oneLine(challenge.needs.query)}`, ...(!met.ok && { detail: met.error.message }) });
    if (!met.ok) return checks;
    const { needs: _met, ...rest } = challenge;
    judged = rest;
  }

  for (const [label, q] of [
    ['empty answer fails', ''],
    [`wrong answer fails: ${OBVIOUSLY_WRONG_ANSWER}`, OBVIOUSLY_WRONG_ANSWER],
  ] as const) {
    const r = await check(q);
    checks.push({ ok: !r.passed, label, ...(r.passed && { detail: 'the checker accepted it' }) });
  }

  for (const q of challenge.mustPass) {
    const r = await check(q);
    checks.push({ ok: r.passed, label: `must pass: ${oneLine(q)}`, ...(!r.passed && { detail: r.error?.message ?? `rejected${hintText(r.hints)}` }) });
  }

  for (const { query, hint } of challenge.mustFail) {
    const r = await check(query);
    const hinted = r.hints.some((h) => h.id === hint);
    const detail = r.passed ? 'the checker accepted it' : !hinted ? `no "${hint}" hint (got ${r.hints.map((h) => h.id).join(', ') || 'none'}${r.error ? `; error: ${r.error.message}` : ''})` : undefined;
    checks.push({ ok: !r.passed && hinted, label: `must fail with hint ${hint}: ${oneLine(query)}`, ...(detail && { detail }) });
  }

  const reference = normalizedReference(challenge, target.window, target.scrapeSeconds);
  const mutants = generateMutants(reference, { scrapeSeconds: target.scrapeSeconds, rangePolicy: challenge.range, metricNames });
  for (const m of mutants) {
    const r = await check(m.query);
    checks.push({ ok: !r.passed, label: `mutant: ${m.description}`, ...(r.passed && { detail: `${oneLine(m.query)} passes: the data does not tell it from the reference` }) });
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
