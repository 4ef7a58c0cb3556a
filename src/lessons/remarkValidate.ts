/**
 * Remark plugin for the site: every doc is checked with the same reference checks as `patchbay test`
 * (terminals, hosts, challenges, graph queries, missing images). Added to the docs preset's
 * `beforeDefaultRemarkPlugins` in docusaurus.config.ts as `[remarkValidate, { lab: 'connections' }]`, so
 * it sees a page before Docusaurus' own image and link plugins, which would fail on a missing image
 * with a message of their own.
 *
 * A page with errors is one error naming its file and each line, however many lessons there are:
 * - `onError: 'throw'` (the build): the page's compilation fails with the `file:line:column: message`
 *   lines and nothing else (no stack: it would say where the plugin is, not where the lesson is wrong);
 * - `onError: 'page'` (`docusaurus start`, under `patchbay dev`): the lines are printed once and shown at
 *   the top of that page, whose missing images are replaced by a note, so the page still renders and
 *   every other page is untouched (a thrown error would put the dev server's overlay on all of them).
 * A lab whose own files have errors is reported once, not once per lesson.
 */
import { existsSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import type { Image, Node, Parent, Root, RootContent } from 'mdast';
import type { MdxJsxFlowElement } from 'mdast-util-mdx-jsx';
import { planFromTree } from './readLesson.ts';
import { checkReferences, type LessonError, type ReferenceContext } from './referenceChecks.ts';
import { formatDefinitionError } from '../definitions/definitionError.ts';
import { loadLabContext } from './labContext.ts';
import { findLabFile } from '../lab/loadLab.ts';
import { challengesFileFor } from '../checker/challenges.ts';
import { tasksFileFor } from '../lab/tasks.ts';

export type OnLessonError = 'throw' | 'page';

export type RemarkValidateOptions = (
  /** Lab whose hosts and challenges the lessons refer to (a name under labs/ or a path). */
  | { lab: string }
  /** A context given directly (tests). */
  | { lab?: undefined; context: ReferenceContext; name: string }
) & {
  /** Default: `page` under `docusaurus start` (NODE_ENV=development), else `throw`. */
  onError?: OnLessonError;
  /** Where `page` mode prints (default stderr). */
  print?: (text: string) => void;
};

/**
 * An error of the lesson, not of the program: its message is everything there is to say. Docusaurus prints
 * a failed page's message, then its enumerable fields and stack: a plain Error has no such fields, and its
 * stack is emptied (it would say where this plugin is, not where the lesson is wrong). Plain, too, so
 * webpack's cache can store it.
 */
export function lessonErrors(message: string): Error {
  const error = new Error(message);
  error.stack = '';
  return error;
}

/** The files a lab's references come from: lab.yaml, its challenges.yaml and tasks.yaml. */
export function labReferenceFiles(lab: string): string[] {
  return [findLabFile(lab), challengesFileFor(lab), tasksFileFor(lab)];
}

interface LoadedContext {
  /** mtimes of the lab's files when it was read: a save (`patchbay dev`) makes it stale. */
  stamp: string;
  result: Promise<{ ok: true; context: ReferenceContext } | { ok: false; message: string }>;
  /** Whether a lesson has reported the lab's own errors already (they are the lab's, said once). */
  reported: boolean;
}
const contexts = new Map<string, LoadedContext>();

function stampOf(files: string[]): string {
  return files.map((f) => (existsSync(f) ? statSync(f).mtimeMs : 0)).join(',');
}

function contextFor(lab: string): LoadedContext {
  const stamp = stampOf(labReferenceFiles(lab));
  let loaded = contexts.get(lab);
  if (!loaded || loaded.stamp !== stamp) {
    loaded = {
      stamp,
      reported: false,
      result: loadLabContext(lab).then((r) =>
        r.ok ? { ok: true as const, context: r.context.references } : { ok: false as const, message: `The lessons' lab "${lab}" has errors, so no lesson's references were checked:\n${r.errors.join('\n')}` },
      ),
    };
    contexts.set(lab, loaded);
  }
  return loaded;
}

/** What `page` mode printed last for each file, so a page compiled again with the same errors prints nothing. */
const printed = new Map<string, string>();

export default function remarkValidate(options: RemarkValidateOptions) {
  const onError: OnLessonError = options.onError ?? (process.env.NODE_ENV === 'development' ? 'page' : 'throw');
  const print = options.print ?? ((text: string) => console.error(text));
  return async (tree: Root, file: { path?: string; history?: string[] }): Promise<void> => {
    const path = file.path ?? file.history?.[0] ?? 'unknown.mdx';
    const shown = relative(process.cwd(), path) || path;
    const plan = planFromTree(tree, shown);
    // Pages that use none of the lesson components and no image need no lab: skip the load.
    if (plan.steps.length === 0 && plan.terminals.length === 0 && plan.problems.length === 0 && !plan.references?.images.length) return;
    let context: ReferenceContext;
    if (options.lab !== undefined) {
      const loaded = contextFor(options.lab);
      const r = await loaded.result;
      if (!r.ok) {
        if (loaded.reported) return;
        loaded.reported = true;
        if (onError === 'throw') throw lessonErrors(r.message);
        print(r.message);
        return;
      }
      context = r.context;
    } else {
      context = options.context;
    }
    const errors = checkReferences(plan, context);
    const text = errors.map(formatDefinitionError).join('\n');
    if (onError === 'throw') {
      if (errors.length) throw lessonErrors(text);
      return;
    }
    if (printed.get(shown) !== text) {
      if (errors.length) print(text);
      else if (printed.has(shown)) print(`${shown}: no errors left`);
      printed.set(shown, text);
    }
    if (errors.length) showInPage(tree, errors, text);
  };
}

/** `page` mode: the errors at the top of the page, and a note where an image is missing. */
function showInPage(tree: Root, errors: LessonError[], text: string): void {
  const missing = new Set(errors.filter((e) => e.kind === 'missing-image').map((e) => `${e.line}:${e.column}`));
  const replaceImages = (parent: Parent) => {
    parent.children = parent.children.map((child: Node) => {
      const at = child.position ? `${child.position.start.line}:${child.position.start.column}` : '';
      if (child.type === 'image' && missing.has(at)) return { type: 'inlineCode', value: `missing image: ${(child as Image).url}` };
      if ('children' in child) replaceImages(child as Parent);
      return child;
    }) as Parent['children'];
  };
  replaceImages(tree);
  const banner: MdxJsxFlowElement = {
    type: 'mdxJsxFlowElement',
    name: 'div',
    attributes: [
      { type: 'mdxJsxAttribute', name: 'className', value: 'alert alert--danger' },
      { type: 'mdxJsxAttribute', name: 'role', value: 'alert' },
      { type: 'mdxJsxAttribute', name: 'data-lesson-errors', value: String(errors.length) },
    ],
    children: [
      { type: 'paragraph', children: [{ type: 'strong', children: [{ type: 'text', value: `This page has ${errors.length === 1 ? 'an error' : `${errors.length} errors`}` }] }, { type: 'text', value: ` (the site build fails on ${errors.length === 1 ? 'it' : 'them'}; fix and save):` }] },
      { type: 'code', lang: 'text', value: text },
    ],
  };
  // After the front matter, which must stay first.
  const at = tree.children.findIndex((n) => n.type !== 'yaml');
  tree.children.splice(at < 0 ? tree.children.length : at, 0, banner as RootContent);
}
