/**
 * Grading a dashboard panel (a challenge of kind `panel`): each of the learner's queries is graded by
 * meaning with checkAnswer against each reference query (one query challenge per reference query, with
 * its own range policy and ignored labels), the queries are matched to distinct reference queries in any
 * order (a maximum matching), then the legend of each matched query and the panel's title are graded by
 * the author's rules. A query that matches none is explained with the hints of the closest reference
 * query left; a reference query nothing matches is named by what it shows, never by its PromQL.
 */
import type { CheckError } from '../protocol/challenges.ts';
import { DashboardLimits, type Panel, type PanelQuery } from '../protocol/dashboard.ts';
import { ErrorRegistry } from '../protocol/errors.ts';
import { panelLegends, templateLabels, type Labels } from '../protocol/legend.ts';
import type { PanelCheckResponse, PanelQueryVerdict, PartVerdict } from '../protocol/panelChallenges.ts';
import type { LegendRule, PanelQuerySpec, PanelSpec } from './challengeSchema.ts';
import type { Challenge, PanelChallenge } from './challenges.ts';
import { checkAnswer, type CheckOutcome, type CheckTarget } from './checkAnswer.ts';

export const PanelCheckLimits = {
  /** Whole-panel budget: up to 8 queries × 4 reference queries, each a check of its own (each Prometheus request has its own 5 s deadline). Over it, the panel is not graded and it is no attempt. */
  BUDGET_MS: 20_000,
  /** Checks of one panel run at once: the learner's Prometheus serves everyone's graphs too. */
  CONCURRENCY: 2,
} as const;

export type PanelOutcome = Omit<PanelCheckResponse, 'revealable'>;

/** The query challenge the checker grades against reference query `index` of a panel challenge. */
export function referenceQueryChallenge(c: PanelChallenge, index: number): Challenge {
  const q = c.panel.queries[index]!;
  return {
    id: `${c.id}#${refIdOf(index)}`,
    lesson: c.lesson,
    title: `${c.title}: ${q.about}`,
    prompt: q.about,
    reference: q.reference,
    variables: c.variables,
    ignoreLabels: q.ignoreLabels,
    range: q.range,
    mustPass: q.mustPass,
    mustFail: q.mustFail,
  };
}

/** A panel that passes as the author wrote it: the reference queries with a legend each rule accepts, the title asked for. */
export function referencePanel(c: PanelChallenge): Panel {
  const title = typeof c.panel.title === 'string' ? c.panel.title : c.title;
  return { id: 'reference', title, timeRange: '5m', queries: c.panel.queries.map((q, i) => ({ refId: refIdOf(i), expr: q.reference, ...referenceLegend(q) })) };
}

function referenceLegend(q: PanelQuerySpec): Pick<PanelQuery, 'legendMode' | 'legendFormat'> {
  const rule = q.legend?.[0];
  if (rule?.contains !== undefined) return { legendMode: 'custom', legendFormat: rule.contains };
  if (rule?.label !== undefined) return { legendMode: 'custom', legendFormat: `{{${rule.label}}}` };
  return { legendMode: 'auto' };
}

/** The reference panel as text, for RevealResponse.reference. */
export function referencePanelText(c: PanelChallenge): string {
  const p = referencePanel(c);
  return [`Title: ${p.title}`, ...p.queries.map((q) => `${q.refId}: ${q.expr}${q.legendMode === 'custom' ? `   legend: ${q.legendFormat}` : ''}`)].join('\n');
}

export function refIdOf(index: number): string {
  return String.fromCharCode(65 + index);
}

export async function checkPanel(c: PanelChallenge, panel: Panel, target: CheckTarget): Promise<PanelOutcome> {
  const started = performance.now();
  const refs = c.panel.queries;
  const queries = panel.queries.slice(0, DashboardLimits.MAX_QUERIES_PER_PANEL);
  const done = (o: Omit<PanelOutcome, 'challengeId' | 'durationMs'>): PanelOutcome => ({ challengeId: c.id, ...o, durationMs: Math.round(performance.now() - started) });
  const challenges = refs.map((_, j) => referenceQueryChallenge(c, j));

  const graded = await gradeAll(queries, challenges, target);
  if (!graded.ok) return done({ passed: false, queries: [], missing: [], error: graded.error });
  const outcomes = graded.outcomes;

  const matchOf = maximumMatching(outcomes.map((row) => row.map((o) => o.passed)), refs.length);
  const usedRefs = new Set(matchOf.filter((j): j is number => j !== null));
  const leftRefs = refs.map((_, j) => j).filter((j) => !usedRefs.has(j));

  // Each query that matched nothing is explained against the closest reference query left.
  const closest = new Map<number, number>();
  for (const i of queries.keys()) {
    if (matchOf[i] !== null) continue;
    const candidates = leftRefs.filter((j) => ![...closest.values()].includes(j));
    const pool = candidates.length ? candidates : [];
    let best: number | null = null;
    for (const j of pool) if (best === null || distance(outcomes[i]![j]!) < distance(outcomes[i]![best]!)) best = j;
    if (best !== null) closest.set(i, best);
  }

  const allLegends = panelWideLegends(queries, outcomes, matchOf, closest);
  const verdicts: PanelQueryVerdict[] = queries.map((q, i) => {
    const matched = matchOf[i] ?? null;
    const j = matched ?? closest.get(i) ?? null;
    const o = j === null ? outcomes[i]![0]! : outcomes[i]![j]!;
    const verdict: PanelQueryVerdict = {
      refId: q.refId,
      reference: j,
      ...(j !== null && { about: refs[j]!.about }),
      passed: matched !== null,
      normalizedQuery: o.normalizedQuery,
      hints: matched !== null || j === null ? [] : o.hints,
      ...(o.error && { error: o.error }),
      series: o.answer?.totalSeries ?? 0,
    };
    if (matched === null && j === null) {
      const twin = outcomes[i]!.findIndex((x) => x.passed);
      verdict.note =
        twin >= 0
          ? `It shows the same as query ${queries[matchOf.indexOf(twin)]?.refId ?? '?'} (${refs[twin]!.about}); the panel needs it once.`
          : `The panel needs ${refs.length} ${refs.length === 1 ? 'query' : 'queries'}; this one shows none of them.`;
    }
    const rules = matched !== null ? refs[matched]!.legend : undefined;
    if (rules) verdict.legend = gradeLegend(q, rules, o, allLegends, i);
    return verdict;
  });

  const title = c.panel.title === undefined ? undefined : gradeTitle(c.panel.title, panel.title);
  const missing = leftRefs.map((j) => ({ reference: j, about: refs[j]!.about }));
  const passed = verdicts.every((v) => v.passed && (v.legend?.passed ?? true)) && missing.length === 0 && (title?.passed ?? true) && queries.length > 0;
  return done({ passed, ...(title && { title }), queries: verdicts, missing });
}

type Graded = { ok: true; outcomes: CheckOutcome[][] } | { ok: false; error: CheckError };

/**
 * Every query against every reference query, a few at a time, within the panel's budget. A query
 * refused before evaluation (syntax, size) is refused alike against every reference, so it is checked once.
 * An outcome that was never graded (the lab's Prometheus, a timeout) leaves the whole panel ungraded.
 */
async function gradeAll(queries: PanelQuery[], challenges: Challenge[], target: CheckTarget): Promise<Graded> {
  const outcomes: (CheckOutcome | undefined)[][] = queries.map(() => challenges.map(() => undefined));
  const pairs = queries.flatMap((_, i) => challenges.map((_, j) => [i, j] as const));
  const deadline = performance.now() + PanelCheckLimits.BUDGET_MS;
  let ungraded: CheckError | null = null;
  let next = 0;
  const worker = async () => {
    while (next < pairs.length && !ungraded) {
      const [i, j] = pairs[next++]!;
      if (performance.now() > deadline) {
        ungraded = overBudget();
        return;
      }
      const known = outcomes[i]!.find((o) => o?.error && STATIC_ERRORS.has(o.error.kind));
      const o = known ?? (await checkAnswer(challenges[j]!, queries[i]!.expr, target));
      if (o.error && !ErrorRegistry.check[o.error.kind].attempt) ungraded ??= o.error;
      outcomes[i]![j] = o;
    }
  };
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<'over'>((resolve) => {
    timer = setTimeout(() => resolve('over'), PanelCheckLimits.BUDGET_MS);
  });
  try {
    const workers = Promise.all(Array.from({ length: PanelCheckLimits.CONCURRENCY }, worker));
    if ((await Promise.race([workers, budget])) === 'over') ungraded ??= overBudget();
  } finally {
    clearTimeout(timer);
  }
  if (ungraded) return { ok: false, error: ungraded };
  return { ok: true, outcomes: outcomes as CheckOutcome[][] };
}

/** Errors found before evaluation, whatever the reference: the same for every reference query. */
const STATIC_ERRORS: ReadonlySet<string> = new Set(['empty', 'too-long', 'binary', 'syntax', 'type', 'too-complex']);

function overBudget(): CheckError {
  return { kind: 'timed-out', message: `Grading the panel took longer than ${PanelCheckLimits.BUDGET_MS / 1000} s; it was stopped. Check again in a moment.` };
}

/** How far an outcome is from passing, to pick the reference query a failing query is explained against. */
function distance(o: CheckOutcome): number {
  if (o.error) return 100;
  return o.hints.reduce((n, h) => n + (h.id === 'wrong-metric' ? 10 : h.id === 'empty-result' ? 5 : 1), 0);
}

/**
 * For each query, the reference query it matches (or null): a maximum matching of queries to distinct
 * reference queries (augmenting paths; a panel has at most 8 × 4). Each query tries the reference at its
 * own position first, so where the data cannot tell references apart (a query passing several) query A
 * stays with reference A and its legend is graded against A's rules, not a swapped one's.
 */
export function maximumMatching(passes: boolean[][], refCount: number): (number | null)[] {
  const refOwner: (number | null)[] = new Array(refCount).fill(null);
  const order = (i: number): number[] => (i < refCount ? [i, ...Array.from({ length: refCount }, (_, j) => j).filter((j) => j !== i)] : Array.from({ length: refCount }, (_, j) => j));
  const tryAssign = (i: number, seen: Set<number>): boolean => {
    for (const j of order(i)) {
      if (!passes[i]?.[j] || seen.has(j)) continue;
      seen.add(j);
      const owner = refOwner[j]!;
      if (owner === null || tryAssign(owner, seen)) {
        refOwner[j] = i;
        return true;
      }
    }
    return false;
  };
  for (let i = 0; i < passes.length; i++) tryAssign(i, new Set());
  return passes.map((_, i) => {
    const j = refOwner.indexOf(i);
    return j >= 0 ? j : null;
  });
}

function normalizeTitle(t: string): string {
  return t.trim().replace(/\s+/g, ' ').toLowerCase();
}

function gradeTitle(rule: NonNullable<PanelSpec['title']>, title: string): PartVerdict {
  if (typeof rule !== 'string') {
    return title.trim() ? { passed: true, message: 'The panel has a title.' } : { passed: false, message: 'Give the panel a title.' };
  }
  if (normalizeTitle(title) === normalizeTitle(rule)) return { passed: true, message: `The panel is titled “${rule}”.` };
  return { passed: false, message: title.trim() ? `The panel's title is “${title.trim()}”; the lesson asks for “${rule}”.` : `Give the panel the title “${rule}”.` };
}

/** Each query's series legends as the dashboard draws them (null for a query with no series to name). */
function legendsOf(q: PanelQuery, o: CheckOutcome): string[] {
  const labels: Labels[] = o.answer?.series.map((s) => s.labels) ?? [];
  return panelLegends(q.legendMode, q.legendFormat, labels);
}

function panelWideLegends(queries: PanelQuery[], outcomes: CheckOutcome[][], matchOf: (number | null)[], closest: Map<number, number>): string[][] {
  return queries.map((q, i) => {
    const j = matchOf[i] ?? closest.get(i) ?? 0;
    return legendsOf(q, outcomes[i]![j]!);
  });
}

function gradeLegend(q: PanelQuery, rules: LegendRule[], o: CheckOutcome, all: string[][], index: number): PartVerdict {
  const mine = all[index]!;
  const series = o.answer?.series ?? [];
  const holds = (rule: LegendRule): boolean => {
    if (rule.contains !== undefined) {
      const text = rule.contains.toLowerCase();
      const shown = mine.length ? mine : q.legendMode === 'custom' ? [q.legendFormat ?? ''] : [];
      return shown.length > 0 && shown.every((l) => l.toLowerCase().includes(text));
    }
    const label = rule.label;
    if (label !== undefined) {
      if (q.legendMode === 'custom' && (q.legendFormat ?? '').trim()) return templateLabels(q.legendFormat!).includes(label);
      return series.length > 0 && series.every((s, k) => s.labels[label] === undefined || (mine[k] ?? '').includes(`${label}=${JSON.stringify(s.labels[label])}`));
    }
    const others = all.flatMap((ls, k) => (k === index ? [] : ls));
    return mine.length > 0 && mine.every((l, k) => l.trim() !== '' && !others.includes(l) && mine.indexOf(l) === k);
  };
  if (rules.some(holds)) return { passed: true, message: `Legend: ${mine.length ? mine.map((l) => `“${l}”`).join(', ') : '(no series)'}.` };
  return { passed: false, message: `The legend of query ${q.refId} should ${rules.map(describeRule).join(', or ')}.` };
}

function describeRule(rule: LegendRule): string {
  if (rule.contains !== undefined) return `say “${rule.contains}” (a custom legend)`;
  if (rule.label !== undefined) return `show the label ${rule.label} (a custom legend with {{${rule.label}}}, or Auto)`;
  return 'tell its series apart from the panel\'s other series';
}

