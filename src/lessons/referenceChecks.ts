/**
 * Reference checks: does everything a lesson names exist? Pure functions over a LessonPlan and what
 * the lab defines, shared by `patchbay test` and the site build (remarkValidate.ts), so both fail on
 * the same errors with the same `file:line:column` text.
 */
import { byPosition, type DefinitionError } from '../definitions/definitionError.ts';
import { didYouMean } from '../definitions/closest.ts';
import { hostAdvice, type NamedHost } from '../lab/hostNames.ts';
import type { LessonPlan, SourcePosition } from './lessonPlan.ts';
import { SITE_COMPONENTS } from './pageReferences.ts';
import { LessonComponents } from './readLesson.ts';

export type LessonErrorKind =
  | 'mdx'
  | 'unknown-terminal'
  | 'unknown-host'
  | 'unknown-challenge'
  | 'unknown-task'
  | 'unknown-web-service'
  | 'bad-query'
  | 'no-terminals'
  | 'unknown-component'
  | 'missing-image';

/** A definition error (src/definitions) of a lesson: formatted `file:line:column: message`. */
export interface LessonError extends DefinitionError {
  kind: LessonErrorKind;
}

const lessonError = (kind: LessonErrorKind, at: SourcePosition, message: string): LessonError => ({ kind, ...at, path: '', message });

/** What a lesson may refer to. Leave a part undefined to skip the checks that need it. */
export interface ReferenceContext {
  /** Hosts of the lab, by name, or with their aliases (a terminal may target either). */
  hosts?: readonly (string | NamedHost)[];
  /** Challenge ids the lab defines. */
  challengeIds?: readonly string[];
  /** Task ids the lab defines (tasks.yaml). */
  taskIds?: readonly string[];
  /** Web service ids the lab defines (lab.yaml `web:`), for `<WebTab service>`. */
  webServiceIds?: readonly string[];
  /** Parses a PromQL query (with Grafana variables allowed); a message when it does not parse. */
  parseQuery?: (query: string) => { ok: true } | { ok: false; message: string };
  /** Where a Markdown image of the lesson would be found, when it is a local file that is missing (else null). */
  missingImage?: (url: string, lessonFile: string) => string | null;
}

/** Components every page may use without an import: ours, and the ones Docusaurus gives. */
const KNOWN_COMPONENTS: readonly string[] = [...Object.values(LessonComponents), ...SITE_COMPONENTS];

export function checkReferences(plan: LessonPlan, ctx: ReferenceContext): LessonError[] {
  const errors: LessonError[] = plan.problems.map((p) => lessonError('mdx', p.at, p.message));
  const terminalIds = new Set(plan.terminals.map((t) => t.id));
  const hosts = ctx.hosts?.map((h): NamedHost => (typeof h === 'string' ? { name: h } : h));
  const challenges = ctx.challengeIds ? new Set(ctx.challengeIds) : undefined;

  if (hosts) {
    const names = new Set(hosts.flatMap((h) => [h.name, ...(h.aliases ?? [])]));
    for (const t of plan.terminals) {
      if (!names.has(t.target)) {
        const advice = hostAdvice(hosts, t.target);
        const known = hosts.map((h) => h.name);
        errors.push(
          lessonError('unknown-host', t.at, `terminal "${t.id}" targets host "${t.target}", which the lab does not have${advice ? ` (${advice})` : known.length ? `; known: ${known.join(', ')}` : ''}`),
        );
      }
    }
  }
  for (const c of plan.references?.components ?? []) {
    if (KNOWN_COMPONENTS.includes(c.name)) continue;
    const meant = didYouMean(c.name, KNOWN_COMPONENTS);
    errors.push(
      lessonError(
        'unknown-component',
        c.at,
        `<${c.name}> is not a component of this site${meant ? ` (did you mean <${meant}>?)` : `; lessons use ${Object.values(LessonComponents).map((n) => `<${n}>`).join(', ')}, or import a component with \`import ${c.name} from '…'\``}`,
      ),
    );
  }
  if (ctx.webServiceIds) {
    for (const w of plan.webTabs ?? []) {
      if (!ctx.webServiceIds.includes(w.service)) {
        errors.push(lessonError('unknown-web-service', w.at, `web tab "${w.service}" is not a service in the lab's \`web:\`${suggest(w.service, [...ctx.webServiceIds]) || '; the lab declares none'}`));
      }
    }
  }
  if (ctx.missingImage) {
    for (const image of plan.references?.images ?? []) {
      const missing = ctx.missingImage(image.url, plan.file);
      if (missing !== null) errors.push(lessonError('missing-image', image.at, `image "${image.url}" not found: there is no ${missing}`));
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
    if (step.kind === 'task' && ctx.taskIds && !ctx.taskIds.includes(step.id)) {
      errors.push(lessonError('unknown-task', step.at, `task "${step.id}" is not defined by the lab's tasks.yaml${suggest(step.id, [...ctx.taskIds])}`));
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
