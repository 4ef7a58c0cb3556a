/**
 * Wire contract of panel challenges (issue #15): a challenge of kind `panel` grades a panel of the
 * learner's dashboard (./dashboard.ts) instead of one query. Shared by the gateway
 * (src/server/routes/challenges.ts) and the browser (<Challenge dashboard panel>). Shapes only.
 *
 * Routes (JSON; errors use ./errors.ts' ApiError); the list, detail, reveal and progress routes are the
 * challenge API's (./challenges.ts), with the same attempt, reveal and in-flight accounting:
 * - POST /api/challenges/:id/check-panel   PanelCheckRequest → PanelCheckResponse
 *   (a query challenge answers 400 PB_BAD_REQUEST here, and a panel challenge on /check)
 */
import { challengePath, type CheckError, type Hint } from './challenges.ts';
import type { Panel } from './dashboard.ts';

export function panelCheckPath(id: string): string {
  return `${challengePath(id)}/check-panel`;
}

export interface PanelCheckRequest {
  panel: Panel;
}

/** A verdict on one part of the panel that is not a query (its title, a query's legend). */
export interface PartVerdict {
  passed: boolean;
  /** What is expected, or what is wrong, in a sentence. */
  message: string;
}

/** One of the learner's queries, in panel order. */
export interface PanelQueryVerdict {
  refId: string;
  /** The reference query it was graded against: the one it matched, or for a query that matched none the closest one left. Null when none was left to compare with. */
  reference: number | null;
  /** What that reference query shows, in the author's words (never its PromQL). */
  about?: string;
  /** Graded by meaning against `reference` and matched to it. */
  passed: boolean;
  normalizedQuery: string;
  hints: Hint[];
  /** The query could not be evaluated (syntax, Prometheus). */
  error?: CheckError;
  /** Only for a query that matched a reference whose legend is graded. */
  legend?: PartVerdict;
  /** Plain words for a query that matched nothing and had no reference query left to compare with (an extra or repeated query). */
  note?: string;
  /** How many series the query returned over the check's window (0 when it failed). */
  series: number;
}

export interface PanelCheckResponse {
  challengeId: string;
  /** Every query matched a distinct reference query by meaning, every reference query is matched, and the title and legends hold. */
  passed: boolean;
  /** Present when the title is graded. */
  title?: PartVerdict;
  queries: PanelQueryVerdict[];
  /** Reference queries no query of the panel matched, by what they show. */
  missing: { reference: number; about: string }[];
  /** The panel could not be graded (the lab's Prometheus, a time budget, data the challenge needs): then it is no attempt. */
  error?: CheckError;
  revealable: boolean;
  durationMs: number;
}

/** POST …/reveal of a panel challenge: the reference panel (RevealResponse's `reference` holds it as text). */
export interface PanelReveal {
  panel: Panel;
}
