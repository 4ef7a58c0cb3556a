/**
 * `labs/<lab>/challenges.yaml`: challenges as data. One zod pass gives the resolved shape (durations
 * in seconds, defaults applied); unknown keys fail, renamed ones with what to write instead, misspelt
 * ones with the key that was meant (src/definitions). Every query is checked for PromQL syntax as the
 * file loads, pointing at the query, together with every other error of the file.
 */
import { z } from 'zod';
import { checkWritten, strictObject, uniqueBy, type WrittenIssue } from '../definitions/strictObject.ts';
import { parseDuration } from '../protocol/promqlDuration.ts';
import { querySyntaxError } from './querySyntax.ts';

const HINT_IDS = [
  'wrong-metric', 'label-filter', 'aggregation', 'counter-without-rate', 'irate-instead-of-rate', 'range-too-short',
  'range-fragile', 'range-different', 'empty-result', 'extra-series', 'missing-series', 'different-values', 'different-function',
] as const;

/** Keys authors commonly write for ours, keyed by where they appear. */
const RENAMED = {
  challenge: {
    query: 'reference', answer: 'reference', expected: 'reference', description: 'prompt', question: 'prompt', text: 'prompt',
    pass: 'mustPass', accept: 'mustPass', must_pass: 'mustPass', fail: 'mustFail', reject: 'mustFail', must_fail: 'mustFail',
    ignore: 'ignoreLabels', ignore_labels: 'ignoreLabels', rangePolicy: 'range', range_policy: 'range', vars: 'variables',
  },
  set: { scrape_interval: 'scrapeInterval', interval: 'scrapeInterval' },
} as const;

/** A PromQL duration (`2s`, `5m`, `1m30s`) in seconds. */
const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const seconds = typeof v === 'number' ? v : parseDuration(v.trim());
  if (seconds === null || seconds <= 0) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected a duration such as 2s, 15s or 5m, got "${v}"` });
    return z.NEVER;
  }
  return seconds;
});

/** A fixed time: RFC 3339 text or unix seconds. */
const instant = z.union([z.number(), z.string(), z.date()]).transform((v, ctx) => {
  const seconds = typeof v === 'number' ? v : (v instanceof Date ? v.getTime() : Date.parse(v)) / 1000;
  if (!Number.isFinite(seconds)) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected a time such as 2026-01-01T00:30:00Z or unix seconds, got "${String(v)}"` });
    return z.NEVER;
  }
  return seconds;
});

const query = z.string().trim().min(1, 'expected a PromQL query');
const hintId = z.enum(HINT_IDS, { errorMap: () => ({ message: `expected a hint id: ${HINT_IDS.join(', ')}` }) });

/**
 * A legend rule of a panel's reference query: the learner's legend must `contain` a text (a custom legend,
 * case-insensitive), or show the value of a `label` (a custom `{{label}}`, or an auto or verbose legend
 * that shows it), or tell the panel's series `apart` (no two series of the panel named alike). A list:
 * any one of its rules.
 */
const legendRule = strictObject({
  contains: z.string().trim().min(1, 'expected the text the legend must contain').optional(),
  label: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'expected a label name such as envoy_listener_address').optional(),
  apart: z.literal(true).optional(),
}).superRefine((rule, ctx) => {
  const given = Object.values(rule).filter((v) => v !== undefined).length;
  if (given !== 1) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'expected one rule: `contains: TEXT`, `label: NAME` or `apart: true`' });
});
const legendRules = z.union([legendRule, z.array(legendRule).min(1)]).transform((r) => (Array.isArray(r) ? r : [r]));

/** The panel's title: this text (case-insensitive, spaces trimmed), or `{ any: true }`: any non-empty title. */
const titleRule = z.union([z.string().trim().min(1), strictObject({ any: z.literal(true) })]);

/** A panel as an author writes one for mustPass/mustFail: queries A, B, … in order. */
const panelAnswer = {
  title: z.string().default(''),
  queries: z.array(strictObject({
    expr: z.string(),
    legendMode: z.enum(['auto', 'verbose', 'custom']).optional().describe('Default: `custom` when `legendFormat` is given, else `auto`.'),
    legendFormat: z.string().optional(),
  }, { renamed: { query: 'expr', legend: 'legendFormat' } })).min(1).max(8),
};

const panelShape = {
  title: titleRule.optional().describe('What the panel title must be; absent: not graded.'),
  queries: z.array(strictObject({
    about: z.string().trim().min(1, 'expected what this query shows, in words (shown to a learner whose panel lacks it)'),
    reference: query,
    legend: legendRules.optional(),
    ignoreLabels: z.array(z.string()).default([]),
    range: z.enum(['exact', 'at-least-4x-scrape'], { errorMap: () => ({ message: 'expected `exact` or `at-least-4x-scrape`' }) }).default('exact'),
    mustPass: z.array(query).default([]),
    mustFail: z.array(strictObject({ query, hint: hintId })).default([]),
  }, { renamed: { query: 'reference', expr: 'reference', answer: 'reference' } })).min(1).max(4, 'expected at most 4 reference queries (each answer query is graded against each)'),
  mustPass: z.array(strictObject(panelAnswer)).default([]),
  mustFail: z.array(strictObject({
    ...panelAnswer,
    fails: z.enum(['query', 'title', 'legend']).describe('The part of the panel that must fail.'),
    hint: hintId.optional().describe('With `fails: query`: the hint the failing query must get.'),
  })).default([]),
};

const challengeShape = {
  id: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, "expected an id: lowercase letters, digits and '-', starting with a letter"),
  lesson: z.string().min(1).describe('The lesson (doc id) that asks it.'),
  title: z.string().min(1),
  prompt: z.string().min(1).describe('Markdown shown above the editor.'),
  kind: z.enum(['query', 'panel']).default('query').describe('`panel`: graded on a panel of the learner\'s dashboard, described under `panel`.'),
  reference: query.optional().describe('The query (kind `query`).'),
  panel: strictObject(panelShape).optional().describe('The reference panel (kind `panel`).'),
  variables: z.record(z.string().regex(/^\$[A-Za-z_][A-Za-z0-9_]*$/, 'expected a variable name such as $service'), z.union([z.string(), z.number()]).transform(String)).default({}).describe("Extra variables beyond Grafana's, e.g. `$service: api`."),
  ignoreLabels: z.array(z.string()).default([]),
  range: z.enum(['exact', 'at-least-4x-scrape'], { errorMap: () => ({ message: 'expected `exact` or `at-least-4x-scrape`' }) }).default('exact'),
  /** What the lab must have produced in the window for the check to tell answers apart (e.g. the
   * lesson's overload): a query that returns data only then, and what to tell a learner when it does not. */
  needs: strictObject({ query, message: z.string().trim().min(1, 'expected what the learner should do first') }).optional(),
  mustPass: z.array(query).default([]),
  mustFail: z.array(strictObject({ query, hint: hintId })).default([]),
};

/**
 * PromQL syntax of each query of a challenge as written (reference, must-pass, must-fail, needs), with
 * the challenge's own variables substituted as the checker does.
 */
function checkQueries(written: unknown, report: (issue: WrittenIssue) => void): void {
  if (written === null || typeof written !== 'object') return;
  const c = written as Record<string, unknown>;
  const panel = c.kind === 'panel';
  if (panel && c.reference !== undefined) report({ path: ['reference'], message: 'a challenge of kind `panel` has its reference queries under `panel.queries`' });
  if (!panel && c.reference === undefined) report(c.panel !== undefined ? { path: ['kind'], message: 'a challenge with `panel` is of `kind: panel`' } : { path: ['reference'], message: 'missing required key `reference`' });
  if (!panel && c.panel !== undefined && c.reference !== undefined) report({ path: ['panel'], message: 'only a challenge of `kind: panel` has a `panel`' });
  if (panel && c.panel === undefined) report({ path: [], message: 'missing required key `panel` (the reference panel of a challenge of kind `panel`)' });
  if (panel) {
    for (const key of ['mustPass', 'mustFail', 'needs', 'range', 'ignoreLabels'] as const) {
      if (c[key] !== undefined) report({ path: [key], message: `a challenge of kind \`panel\` has \`${key}\` under \`panel\` (mustPass, mustFail) or under each of \`panel.queries\`` });
    }
  }
  const queries: [(string | number)[], unknown][] = [[['reference'], c.reference]];
  const p = c.panel as Record<string, unknown> | null | undefined;
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const field = (v: unknown, k: string): unknown => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined);
  list(field(p, 'queries')).forEach((q, i) => {
    queries.push([['panel', 'queries', i, 'reference'], field(q, 'reference')]);
    list(field(q, 'mustPass')).forEach((m, j) => queries.push([['panel', 'queries', i, 'mustPass', j], m]));
    list(field(q, 'mustFail')).forEach((f, j) => queries.push([['panel', 'queries', i, 'mustFail', j, 'query'], field(f, 'query')]));
  });
  for (const which of ['mustPass', 'mustFail'] as const) {
    list(field(p, which)).forEach((a, i) => list(field(a, 'queries')).forEach((q, j) => queries.push([['panel', which, i, 'queries', j, 'expr'], field(q, 'expr')])));
  }
  if (Array.isArray(c.mustPass)) c.mustPass.forEach((q, i) => queries.push([['mustPass', i], q]));
  if (Array.isArray(c.mustFail)) c.mustFail.forEach((f, i) => queries.push([['mustFail', i, 'query'], (f as { query?: unknown } | null)?.query]));
  queries.push([['needs', 'query'], (c.needs as { query?: unknown } | null | undefined)?.query]);
  const variables: Record<string, string> = {};
  if (c.variables !== null && typeof c.variables === 'object') {
    for (const [k, v] of Object.entries(c.variables)) if (typeof v === 'string' || typeof v === 'number') variables[k] = String(v);
  }
  for (const [path, q] of queries) {
    // A missing or empty query is the schema's to report.
    if (typeof q !== 'string' || !q.trim()) continue;
    const problem = querySyntaxError(q, variables);
    if (problem) report({ path, message: `PromQL: ${problem.message}`, ...(problem.offset !== undefined && { within: problem.offset }) });
  }
}

export const challengeSchema = checkWritten(strictObject(challengeShape, { renamed: RENAMED.challenge }), checkQueries);

export const challengeSetSchema = strictObject(
  {
    scrapeInterval: duration.describe("Must equal the lab's Prometheus scrape interval (and is the fixture's sample spacing)."),
    live: strictObject({
      window: duration.describe('Evaluate over the last `window` before now.'),
      step: duration,
    }),
    offline: strictObject({
      fixture: z.string().min(1).describe('OpenMetrics file relative to the challenges file, backfilled with promtool.'),
      generator: z.string().optional().describe('Script that regenerates the fixture deterministically (relative path), for the authoring guide.'),
      start: instant,
      end: instant,
      step: duration,
    }).superRefine((offline, ctx) => {
      if (offline.end <= offline.start) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['end'], message: 'expected `end` after `start`' });
    }),
    challenges: uniqueBy(z.array(challengeSchema).min(1, 'expected at least one challenge'), 'id', (id, first) => `duplicate id \`${id}\` (also challenge ${first})`),
  },
  { renamed: RENAMED.set },
);

export type HintIdName = (typeof HINT_IDS)[number];
export type ChallengeSpec = z.output<typeof challengeSchema>;
export type PanelSpec = NonNullable<ChallengeSpec['panel']>;
export type PanelQuerySpec = PanelSpec['queries'][number];
export type LegendRule = NonNullable<PanelQuerySpec['legend']>[number];
export type ChallengeSetSpec = z.output<typeof challengeSetSchema>;
