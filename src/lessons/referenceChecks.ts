/**
 * Reference checks: does everything a lesson names exist? Pure functions over a LessonPlan and what
 * the lab defines, shared by `patchbay test` and the site build (remarkValidate.ts), so both fail on
 * the same errors with the same `file:line:column` text.
 */
import { formatPosition, type LessonPlan, type SourcePosition } from './lessonPlan.ts';

export type LessonErrorKind =
  | 'mdx'
  | 'unknown-terminal'
  | 'unknown-host'
  | 'unknown-challenge'
  | 'bad-query'
  | 'no-terminals';

export interface LessonError {
  kind: LessonErrorKind;
  at: SourcePosition;
  message: string;
}

/** What a lesson may refer to. Leave a part undefined to skip the checks that need it. */
export interface ReferenceContext {
  /** Host names of the lab. */
  hosts?: readonly string[];
  /** Challenge ids the lab defines. */
  challengeIds?: readonly string[];
  /** Parses a PromQL query (with Grafana variables allowed); a message when it does not parse. */
  parseQuery?: (query: string) => { ok: true } | { ok: false; message: string };
}

export function checkReferences(plan: LessonPlan, ctx: ReferenceContext): LessonError[] {
  const errors: LessonError[] = plan.problems.map((p) => ({ kind: 'mdx', at: p.at, message: p.message }));
  const terminalIds = new Set(plan.terminals.map((t) => t.id));
  const hosts = ctx.hosts ? new Set(ctx.hosts) : undefined;
  const challenges = ctx.challengeIds ? new Set(ctx.challengeIds) : undefined;

  if (hosts) {
    for (const t of plan.terminals) {
      if (!hosts.has(t.target)) {
        errors.push({
          kind: 'unknown-host',
          at: t.at,
          message: `terminal "${t.id}" targets host "${t.target}", which the lab does not have${suggest(t.target, [...hosts])}`,
        });
      }
    }
  }
  for (const step of plan.steps) {
    if (step.kind === 'command' && !terminalIds.has(step.terminal)) {
      errors.push({
        kind: plan.terminals.length ? 'unknown-terminal' : 'no-terminals',
        at: step.at,
        message: plan.terminals.length
          ? `run-command targets terminal "${step.terminal}", but no <Terminal id="${step.terminal}"> is declared${suggest(step.terminal, [...terminalIds])}`
          : `run-command targets terminal "${step.terminal}", but the lesson declares no <Terminal> in a <TerminalVisor>`,
      });
    }
    if (step.kind === 'challenge' && challenges && !challenges.has(step.id)) {
      errors.push({
        kind: 'unknown-challenge',
        at: step.at,
        message: `challenge "${step.id}" is not defined by the lab${suggest(step.id, [...challenges])}`,
      });
    }
    if (step.kind === 'graph' && ctx.parseQuery) {
      const r = ctx.parseQuery(step.query);
      if (!r.ok) errors.push({ kind: 'bad-query', at: step.at, message: `MetricsGraph query does not parse: ${r.message}` });
    }
  }
  return errors.sort((a, b) => a.at.line - b.at.line || a.at.column - b.at.column);
}

export function formatLessonError(e: LessonError): string {
  return `${formatPosition(e.at)}: ${e.message}`;
}

/** ` (did you mean "x"?)` for the closest known name within a small edit distance, else ''. */
function suggest(name: string, known: string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  // A third of the name's length: close enough to be a typo, far enough not to suggest nonsense.
  const limit = Math.max(1, Math.floor(name.length / 3));
  const listed = known.length && known.length <= 12 ? `; known: ${known.join(', ')}` : '';
  return best !== undefined && bestDistance <= limit ? ` (did you mean "${best}"?)` : listed;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
