/**
 * Reference checks: does everything a lesson names exist? Pure functions over a LessonPlan and what
 * the lab defines, shared by `patchbay test` and the site build (remarkValidate.ts), so both fail on
 * the same errors with the same `file:line:column` text.
 */
import { byPosition, type DefinitionError } from '../definitions/definitionError.ts';
import { didYouMean } from '../definitions/closest.ts';
import type { LessonPlan, SourcePosition } from './lessonPlan.ts';

export type LessonErrorKind =
  | 'mdx'
  | 'unknown-terminal'
  | 'unknown-host'
  | 'unknown-challenge'
  | 'bad-query'
  | 'no-terminals';

/** A definition error (src/definitions) of a lesson: formatted `file:line:column: message`. */
export interface LessonError extends DefinitionError {
  kind: LessonErrorKind;
}

const lessonError = (kind: LessonErrorKind, at: SourcePosition, message: string): LessonError => ({ kind, ...at, path: '', message });

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
  const errors: LessonError[] = plan.problems.map((p) => lessonError('mdx', p.at, p.message));
  const terminalIds = new Set(plan.terminals.map((t) => t.id));
  const hosts = ctx.hosts ? new Set(ctx.hosts) : undefined;
  const challenges = ctx.challengeIds ? new Set(ctx.challengeIds) : undefined;

  if (hosts) {
    for (const t of plan.terminals) {
      if (!hosts.has(t.target)) {
        errors.push(lessonError('unknown-host', t.at, `terminal "${t.id}" targets host "${t.target}", which the lab does not have${suggest(t.target, [...hosts])}`));
      }
    }
  }
  for (const step of plan.steps) {
    if (step.kind === 'command' && !terminalIds.has(step.terminal)) {
      errors.push(
        plan.terminals.length
          ? lessonError('unknown-terminal', step.at, `run-command targets terminal "${step.terminal}", but no <Terminal id="${step.terminal}"> is declared${suggest(step.terminal, [...terminalIds])}`)
          : lessonError('no-terminals', step.at, `run-command targets terminal "${step.terminal}", but the lesson declares no <Terminal> in a <TerminalVisor>`),
      );
    }
    if (step.kind === 'challenge' && challenges && !challenges.has(step.id)) {
      errors.push(lessonError('unknown-challenge', step.at, `challenge "${step.id}" is not defined by the lab${suggest(step.id, [...challenges])}`));
    }
    if (step.kind === 'graph' && ctx.parseQuery) {
      const r = ctx.parseQuery(step.query);
      if (!r.ok) errors.push(lessonError('bad-query', step.at, `MetricsGraph query does not parse: ${r.message}`));
    }
  }
  return errors.sort(byPosition);
}

/** ` (did you mean "x"?)` for a probable typo of a known name, else the known names when few. */
function suggest(name: string, known: string[]): string {
  const meant = didYouMean(name, known);
  if (meant !== null) return ` (did you mean "${meant}"?)`;
  return known.length && known.length <= 12 ? `; known: ${known.join(', ')}` : '';
}
