/**
 * Remark plugin for the site build: every doc is checked with the same reference checks as
 * `patchbay test`, and the build fails with the same `file:line:column: message` lines. Added to the
 * docs preset's `remarkPlugins` in docusaurus.config.ts as `[remarkValidate, { lab: 'connections' }]`.
 */
import { relative } from 'node:path';
import type { Root } from 'mdast';
import { planFromTree } from './readLesson.ts';
import { checkReferences, type ReferenceContext } from './referenceChecks.ts';
import { formatDefinitionError } from '../definitions/definitionError.ts';
import { loadLabContext } from './labContext.ts';

export type RemarkValidateOptions =
  /** Lab whose hosts and challenges the lessons refer to (a name under labs/ or a path). */
  | { lab: string }
  /** A context given directly (tests). */
  | { lab?: undefined; context: ReferenceContext; name: string };

/** One load per lab per process: the build compiles every doc with the same context. */
const contexts = new Map<string, Promise<ReferenceContext>>();

function contextFor(lab: string): Promise<ReferenceContext> {
  let p = contexts.get(lab);
  if (!p) {
    p = loadLabContext(lab).then((r) => {
      if (!r.ok) throw new Error(`Lesson validation cannot read lab "${lab}":\n${r.errors.join('\n')}`);
      return r.context.references;
    });
    contexts.set(lab, p);
  }
  return p;
}

export default function remarkValidate(options: RemarkValidateOptions) {
  return async (tree: Root, file: { path?: string; history?: string[] }): Promise<void> => {
    const path = file.path ?? file.history?.[0] ?? 'unknown.mdx';
    const shown = relative(process.cwd(), path) || path;
    const plan = planFromTree(tree, shown);
    // Pages that use none of the lesson components need no lab: skip the load.
    if (plan.steps.length === 0 && plan.terminals.length === 0 && plan.problems.length === 0) return;
    const context = options.lab !== undefined ? await contextFor(options.lab) : options.context;
    const errors = checkReferences(plan, context);
    if (errors.length) {
      throw new Error(`Lesson ${shown} has errors against the lab "${options.lab ?? options.name}":\n${errors.map(formatDefinitionError).join('\n')}`);
    }
  };
}
