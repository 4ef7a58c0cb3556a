/**
 * `labs/<lab>/challenges.yaml`: challenges as data. One zod pass gives the resolved shape (durations
 * in seconds, defaults applied); unknown keys fail, renamed ones with what to write instead.
 */
import { z } from 'zod';
import { parseDuration } from './duration.ts';

const HINT_IDS = [
  'wrong-metric', 'label-filter', 'aggregation', 'counter-without-rate', 'irate-instead-of-rate', 'range-too-short',
  'range-fragile', 'range-different', 'empty-result', 'extra-series', 'missing-series', 'different-values', 'different-function',
] as const;

const RENAMED: Record<string, string> = {
  query: 'reference', answer: 'reference', expected: 'reference', description: 'prompt', question: 'prompt', text: 'prompt',
  pass: 'mustPass', accept: 'mustPass', must_pass: 'mustPass', fail: 'mustFail', reject: 'mustFail', must_fail: 'mustFail',
  ignore: 'ignoreLabels', ignore_labels: 'ignoreLabels', rangePolicy: 'range', range_policy: 'range', vars: 'variables',
  scrape_interval: 'scrapeInterval', interval: 'scrapeInterval',
};

function strict<S extends z.ZodRawShape>(shape: S) {
  const known = Object.keys(shape);
  return z.preprocess((value, ctx) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    const kept: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      if (known.includes(key)) kept[key] = v;
      else {
        const instead = RENAMED[key];
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [key],
          params: { unknownKey: true },
          message: instead && known.includes(instead) ? `\`${key}\` is not a key here; write \`${instead}\` instead` : `unknown key \`${key}\`; expected one of: ${known.join(', ')}`,
        });
      }
    }
    return kept;
  }, z.object(shape));
}

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

export const challengeSchema = strict({
  id: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, "expected an id: lowercase letters, digits and '-', starting with a letter"),
  /** The lesson (doc id) that asks it. */
  lesson: z.string().min(1),
  title: z.string().min(1),
  /** Markdown shown above the editor. */
  prompt: z.string().min(1),
  reference: query,
  /** Extra variables beyond Grafana's, e.g. `$service: api`. */
  variables: z.record(z.string().regex(/^\$[A-Za-z_][A-Za-z0-9_]*$/, 'expected a variable name such as $service'), z.union([z.string(), z.number()]).transform(String)).default({}),
  ignoreLabels: z.array(z.string()).default([]),
  range: z.enum(['exact', 'at-least-4x-scrape'], { errorMap: () => ({ message: 'expected `exact` or `at-least-4x-scrape`' }) }).default('exact'),
  /** What the lab must have produced in the window for the check to tell answers apart (e.g. the
   * lesson's overload): a query that returns data only then, and what to tell a learner when it does not. */
  needs: strict({ query, message: z.string().trim().min(1, 'expected what the learner should do first') }).optional(),
  mustPass: z.array(query).default([]),
  mustFail: z.array(strict({ query, hint: hintId })).default([]),
});

export const challengeSetSchema = strict({
  /** Must equal the lab's Prometheus scrape interval (and is the fixture's sample spacing). */
  scrapeInterval: duration,
  live: strict({
    /** Evaluate over the last `window` before now. */
    window: duration,
    step: duration,
  }),
  offline: strict({
    /** OpenMetrics file relative to the challenges file, backfilled with promtool. */
    fixture: z.string().min(1),
    /** Script that regenerates the fixture deterministically (relative path), for the authoring guide. */
    generator: z.string().optional(),
    start: instant,
    end: instant,
    step: duration,
  }),
  challenges: z.array(challengeSchema).min(1, 'expected at least one challenge'),
}).superRefine((set, ctx) => {
  const seen = new Map<string, number>();
  set.challenges.forEach((c, i) => {
    if (seen.has(c.id)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['challenges', i, 'id'], message: `duplicate id \`${c.id}\` (also challenge ${seen.get(c.id)})` });
    seen.set(c.id, i);
  });
  if (set.offline.end <= set.offline.start) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['offline', 'end'], message: 'expected `end` after `start`' });
});

export type HintIdName = (typeof HINT_IDS)[number];
export type ChallengeSpec = z.output<typeof challengeSchema>;
export type ChallengeSetSpec = z.output<typeof challengeSetSchema>;
