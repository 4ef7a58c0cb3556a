/**
 * Wire contract of the challenge API, shared by the gateway (src/server/routes/challenges.ts) and the
 * browser (<Challenge>, <MetricsGraph>, progress display). Shapes and bounds only, no implementation.
 *
 * Routes (all JSON; errors use the ApiError shape of ./errors.ts):
 * - GET  /api/challenges                 → ChallengeListResponse
 * - GET  /api/challenges/:id             → ChallengeDetail (no reference unless revealed)
 * - POST /api/challenges/:id/check       CheckRequest → CheckResponse (PB_UNKNOWN_CHALLENGE: 404; more than
 *                                          2 checks in flight for the session: 429 PB_TOO_MANY_CHECKS)
 * - POST /api/challenges/:id/reveal      → RevealResponse; only after a failed check in this session,
 *                                          else 409 PB_REVEAL_LOCKED
 * - GET  /api/progress                   → ProgressResponse (this learner session)
 * - GET  /api/prometheus/api/v1/<path>   read-only pass-through to the lab's Prometheus HTTP API for
 *   the paths in PROMETHEUS_PROXY_PATHS, answering Prometheus' own JSON. Point codemirror-promql's
 *   `remote.url` at PROMETHEUS_PROXY_PREFIX for completion, and fetch query_range there for graphs.
 *   Bounded: per-request timeout, a cap on range points, a concurrency limit per session.
 */

import type { CheckErrorKind } from './errors.ts';

export const CHALLENGES_PATH = '/api/challenges';
export const PROGRESS_PATH = '/api/progress';
/** Base URL for a Prometheus-compatible client (codemirror-promql `remote.url`). */
export const PROMETHEUS_PROXY_PREFIX = '/api/prometheus';
/** Sub-paths under `${PROMETHEUS_PROXY_PREFIX}/api/v1/` the gateway forwards (GET, and POST form for query*). */
export const PROMETHEUS_PROXY_PATHS = ['query', 'query_range', 'series', 'labels', 'label/:name/values', 'metadata'] as const;

export function challengePath(id: string): string {
  return `${CHALLENGES_PATH}/${encodeURIComponent(id)}`;
}
export function checkPath(id: string): string {
  return `${challengePath(id)}/check`;
}
export function revealPath(id: string): string {
  return `${challengePath(id)}/reveal`;
}

export const ChallengeLimits = {
  /** Longest answer accepted, in characters: a real query is a few hundred; more is a paste accident or abuse. */
  MAX_QUERY_CHARS: 4096,
  /**
   * Deepest nesting of (), [] and {} accepted. Lesson answers nest a handful of levels; the parser's and
   * type checker's work grows much faster than the text with depth (2,000 parentheses took over 10 s),
   * so this is checked by a cheap scan before anything parses the answer.
   */
  MAX_NESTING_DEPTH: 32,
  /** Longest run of unary `+`/`-` signs (`a - -b` is 2): nested unary signs are as costly to parse as depth. */
  MAX_UNARY_RUN: 3,
  /** Series per result returned to the browser for graphs; more would not be readable in a small graph. */
  MAX_SERIES_RETURNED: 20,
  /** Points per series returned (the evaluation window's steps fit well under this). */
  MAX_POINTS_PER_SERIES: 600,
} as const;

/** How strictly a range selector must match the reference's. */
export type RangePolicy =
  /** The answer must use the same ranges (results compared as they are). */
  | 'exact'
  /** Any range at least 4 × the scrape interval is accepted; the verdict then compares the answer with
   * the reference evaluated using the answer's range. */
  | 'at-least-4x-scrape';

export interface ChallengeSummary {
  id: string;
  title: string;
  /** Lesson doc id this challenge belongs to, e.g. `connections/connection-metrics`. */
  lesson: string;
  passed: boolean;
}

export interface ChallengeListResponse {
  lab: string;
  /** The lab's Prometheus scrape interval: graphs need it for Grafana's `$__rate_interval`, as checks do. */
  scrapeIntervalSeconds: number;
  challenges: ChallengeSummary[];
}

export interface ChallengeDetail extends ChallengeSummary {
  /** `panel`: graded on a panel of the learner's dashboard (./panelChallenges.ts); absent: one query. */
  kind?: 'panel';
  /** Markdown. */
  prompt: string;
  /** Grafana-style variables the checker substitutes, e.g. `{ "$__rate_interval": "1m" }`. */
  variables: Record<string, string>;
  scrapeIntervalSeconds: number;
  rangePolicy: RangePolicy;
  /** Labels whose values are ignored when comparing series (e.g. `instance`). */
  ignoreLabels: string[];
  /** True once a check failed in this session, so the UI can offer "show answer". */
  revealable: boolean;
  /** Present only after POST …/reveal in this session (or once passed). */
  reference?: string;
}

export interface CheckRequest {
  query: string;
}

/** Where in the (normalised) query a problem is: 1-based line and column, 0-based offset. */
export interface QueryPosition {
  line: number;
  column: number;
  offset: number;
  /** Characters covered, at least 1. */
  length: number;
}

export interface CheckError {
  /** Why the answer could not be graded: the registry's check family (errors.ts). */
  kind: CheckErrorKind;
  message: string;
  position?: QueryPosition;
  /** Two lines ready for a monospace block: the offending query line, then `   ^~~` under the problem. */
  caret?: string;
}

export type HintId =
  | 'wrong-metric'
  | 'label-filter'
  | 'aggregation'
  | 'counter-without-rate'
  | 'irate-instead-of-rate'
  | 'range-too-short'
  | 'range-fragile'
  | 'range-different'
  | 'empty-result'
  | 'extra-series'
  | 'missing-series'
  | 'different-values'
  | 'different-function';

/** Advisory only: hints never decide pass or fail. */
export interface Hint {
  id: HintId;
  message: string;
  /**
   * The part of the answer the hint is about (a selector, a function call, an aggregation, a range), as
   * offsets [from, to) into CheckResponse.normalizedQuery; the explain view highlights the node holding it.
   */
  span?: { from: number; to: number };
}

/** A bounded result for graphs: timestamps shared by all series (uPlot's layout). */
export interface SeriesSet {
  /** Unix seconds. */
  timestamps: number[];
  /** values[i] belongs to timestamps[i]; null where the series has no sample (or NaN/±Inf). */
  series: { labels: Record<string, string>; values: (number | null)[] }[];
  /** Series in the full result; more than series.length when truncated. */
  totalSeries: number;
  truncated: boolean;
}

export interface EvaluationWindow {
  /** Unix seconds. */
  start: number;
  end: number;
  stepSeconds: number;
}

export interface CheckResponse {
  challengeId: string;
  passed: boolean;
  /** The query after trimming, stripping comments and substituting variables: what was evaluated. */
  normalizedQuery: string;
  hints: Hint[];
  /** Present when the answer could not be evaluated (then passed is false and series are absent). */
  error?: CheckError;
  answer?: SeriesSet;
  expected?: SeriesSet;
  window?: EvaluationWindow;
  /** True when the checker accepted on Prometheus' formatted text alone (same query, no evaluation). */
  sameText?: boolean;
  /** After this check: may the learner ask for the reference? */
  revealable: boolean;
  durationMs: number;
}

export interface RevealResponse {
  challengeId: string;
  reference: string;
}

export interface ChallengeProgress {
  passed: boolean;
  /** ISO time of the first pass. */
  passedAt?: string;
  attempts: number;
  revealed: boolean;
}

export interface ProgressResponse {
  /** Keyed by challenge id; challenges never tried are absent. */
  challenges: Record<string, ChallengeProgress>;
}
