/**
 * Which lesson files `patchbay test [LESSON…]` runs: every .md/.mdx under the course directory in
 * sidebar order (numeric file prefixes, as Docusaurus orders them), or the ones named, by path, by
 * file name, or by doc id.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { didYouMean } from '../definitions/closest.ts';
import { readLesson } from './readLesson.ts';

/** Where the course lives, relative to the project. */
export const COURSE_DIR = 'docs/course';

const LESSON_FILE = /\.mdx?$/;

/** Files starting with `_` are partials or category metadata, not lessons. */
function isLesson(name: string): boolean {
  return LESSON_FILE.test(name) && !name.startsWith('_');
}

export function listLessons(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const entries = readdirSync(dir).filter((n) => !n.startsWith('_') && !n.startsWith('.'));
  for (const name of entries.sort(naturalCompare)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listLessons(p));
    else if (isLesson(name) && hasSomethingToRun(p)) out.push(p);
  }
  return out;
}

/**
 * A page that declares no terminal, command, challenge or graph (a course's landing or completion page)
 * has nothing to validate, so it is not counted as a lesson; the site build's check skips the same pages
 * (remarkValidate.ts). A page that does not parse is a lesson: its error must be reported.
 */
function hasSomethingToRun(file: string): boolean {
  const plan = readLesson(readFileSync(file, 'utf8'), file);
  return plan.terminals.length > 0 || plan.steps.length > 0 || plan.problems.length > 0;
}

/** `02-x` before `10-y`: compare digit runs as numbers. */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

export type DiscoverResult = { ok: true; files: string[] } | { ok: false; message: string };

/** Resolves the command line's LESSON arguments (relative paths are shown relative to cwd). */
export function discoverLessons(args: readonly string[], projectDir: string, cwd = process.cwd()): DiscoverResult {
  const courseDir = join(projectDir, COURSE_DIR);
  const all = listLessons(courseDir);
  const shown = (p: string) => relative(cwd, p) || p;
  if (args.length === 0) {
    return all.length ? { ok: true, files: all.map(shown) } : { ok: false, message: `no lessons under ${shown(courseDir)}` };
  }
  const files: string[] = [];
  for (const arg of args) {
    const asPath = resolve(cwd, arg);
    if (existsSync(asPath) && statSync(asPath).isFile()) {
      files.push(shown(asPath));
      continue;
    }
    if (existsSync(asPath) && statSync(asPath).isDirectory()) {
      files.push(...listLessons(asPath).map(shown));
      continue;
    }
    const stem = (p: string) => basename(p).replace(LESSON_FILE, '');
    const match = all.filter((p) => stem(p) === arg || stem(p).replace(/^\d+[-_.\s]+/, '') === arg);
    if (match.length !== 1) {
      const known = all.map(stem).join(', ');
      // A file name, or the id without its number, as the learner's URL shows it.
      const meant = didYouMean(arg, all.flatMap((p) => [stem(p), stem(p).replace(/^\d+[-_.\s]+/, '')]));
      return {
        ok: false,
        message: match.length
          ? `"${arg}" matches several lessons: ${match.map(shown).join(', ')}`
          : `no lesson "${arg}"${meant ? `; did you mean ${meant}?` : ` (lessons: ${known || 'none'})`}`,
      };
    }
    files.push(shown(match[0]!));
  }
  return { ok: true, files };
}
