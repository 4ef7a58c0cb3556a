/**
 * What must hold for a panel challenge to be fair, on the lab's data: each reference query holds as a
 * query challenge does (challengeAssertions.ts: it passes and returns data, its must-pass and must-fail
 * answers, its mutants), the reference panel passes, and so does the same panel with its queries in
 * reverse order; every must-pass panel passes; every must-fail panel fails in the part it names (a
 * query, with its hint when given; the title; a legend).
 */
import type { PanelChallenge } from '../checker/challenges.ts';
import type { CheckTarget } from '../checker/checkAnswer.ts';
import { checkPanel, referencePanel, referenceQueryChallenge, refIdOf, type PanelOutcome } from '../checker/checkPanel.ts';
import type { PanelSpec } from '../checker/challengeSchema.ts';
import type { Panel } from '../protocol/dashboard.ts';
import { assertChallenge, type ChallengeCheck, type ChallengePositions } from './challengeAssertions.ts';

export async function assertPanelChallenge(c: PanelChallenge, target: CheckTarget, metricNames: readonly string[], positionOf?: ChallengePositions): Promise<ChallengeCheck[]> {
  const checks: ChallengeCheck[] = [];
  const where = (path: (string | number)[]) => (positionOf ? { at: positionOf(path) } : {});

  for (const j of c.panel.queries.keys()) {
    const own = await assertChallenge(referenceQueryChallenge(c, j), target, metricNames, positionOf && ((path) => positionOf(['panel', 'queries', j, ...path])));
    checks.push(...own.map((k) => ({ ...k, label: ofQuery(k.label, refIdOf(j)) })));
  }
  // A reference query that does not hold makes every panel verdict below noise.
  if (checks.some((k) => !k.ok)) return checks;

  const reference = referencePanel(c);
  const panels: [string, Panel, (string | number)[]][] = [['reference panel passes', reference, ['panel']]];
  if (reference.queries.length > 1) panels.push(['reference panel passes with its queries in reverse order', { ...reference, queries: [...reference.queries].reverse() }, ['panel', 'queries']]);
  for (const [label, panel, path] of panels) {
    const r = await checkPanel(c, panel, target);
    checks.push({ ok: r.passed, ...(r.passed ? { label } : { label: label.replace('passes', 'does not pass'), detail: failures(r) }), ...where(path) });
  }

  for (const [i, answer] of c.panel.mustPass.entries()) {
    const r = await checkPanel(c, panelOf(answer), target);
    const label = `must pass: panel ${i + 1} (${describe(answer)})`;
    checks.push({ ok: r.passed, ...(r.passed ? { label } : { label: `a must-pass panel fails: panel ${i + 1} (${describe(answer)})`, detail: failures(r) }), ...where(['panel', 'mustPass', i]) });
  }

  for (const [i, answer] of c.panel.mustFail.entries()) {
    const r = await checkPanel(c, panelOf(answer), target);
    const failedPart =
      answer.fails === 'title'
        ? r.title?.passed === false
        : answer.fails === 'legend'
          ? r.queries.some((q) => q.legend?.passed === false)
          : (r.queries.some((q) => !q.passed) || r.missing.length > 0) && (answer.hint === undefined || r.queries.some((q) => q.hints.some((h) => h.id === answer.hint)));
    const what = `${answer.fails}${answer.hint ? ` with hint ${answer.hint}` : ''}`;
    const ok = !r.passed && failedPart && !r.error;
    checks.push({
      ok,
      label: ok ? `must fail in its ${what}: panel ${i + 1}` : r.passed ? `a must-fail panel passes: panel ${i + 1}` : `a must-fail panel does not fail in its ${what}: panel ${i + 1}`,
      ...(!ok && { detail: r.passed ? 'the checker accepted it' : failures(r) }),
      ...where(['panel', 'mustFail', i]),
    });
  }
  return checks;
}

/** `mutant: rate() → irate()` → `mutant (query A): rate() → irate()`: the report groups checks by the part before the colon. */
function ofQuery(label: string, refId: string): string {
  const colon = label.indexOf(':');
  return colon < 0 ? `${label} (query ${refId})` : `${label.slice(0, colon)} (query ${refId})${label.slice(colon)}`;
}

type PanelAnswer = PanelSpec['mustPass'][number];

/** A must-pass or must-fail panel as the dashboard would send it: queries A, B, …; a legend format alone means custom. */
function panelOf(answer: PanelAnswer): Panel {
  return {
    id: 'validation',
    title: answer.title,
    timeRange: '5m',
    queries: answer.queries.map((q, i) => ({
      refId: refIdOf(i),
      expr: q.expr,
      legendMode: q.legendMode ?? (q.legendFormat !== undefined ? 'custom' : 'auto'),
      ...(q.legendFormat !== undefined && { legendFormat: q.legendFormat }),
    })),
  };
}

function describe(answer: PanelAnswer): string {
  return `“${answer.title}”, ${answer.queries.length} ${answer.queries.length === 1 ? 'query' : 'queries'}`;
}

/** What failed in a panel verdict, on one line. */
function failures(r: PanelOutcome): string {
  if (r.error) return r.error.message;
  const parts: string[] = [];
  if (r.title && !r.title.passed) parts.push(r.title.message);
  for (const q of r.queries) {
    if (!q.passed) parts.push(`query ${q.refId} ${q.error ? `: ${q.error.message}` : `matches no reference query${q.hints.length ? ` (${q.hints.map((h) => h.id).join(', ')})` : ''}`}`);
    else if (q.legend && !q.legend.passed) parts.push(q.legend.message);
  }
  for (const m of r.missing) parts.push(`nothing shows ${m.about}`);
  return parts.join('; ') || 'it passes';
}
