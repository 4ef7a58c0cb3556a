/**
 * Reads a lab definition: YAML with node positions, one schema pass, the cross-field rules, then the
 * checks that need the disk (commands on PATH, program files). Every problem becomes a `LabError` with
 * file:line:column. Nothing is created here.
 */
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { basename, delimiter, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { ZodIssue } from 'zod';
import { labSchema, type LabSpec } from './schema.ts';
import { substitute, validateSpec, type SpecIssue } from './validate.ts';
import type { LabError } from './types.ts';
import { labPath } from './labEnv.ts';
import { offsetOfPath } from '../definitions/yamlPaths.ts';

export const PROJECT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface LoadedLab {
  spec: LabSpec;
  /** `name` from the file, else the directory name. */
  name: string;
  file: string;
  labDir: string;
  projectDir: string;
  programsDir: string;
}

export type LoadResult = { ok: true; lab: LoadedLab } | { ok: false; errors: LabError[] };

/** `connections` → `<project>/labs/connections/lab.yaml`; a directory → its `lab.yaml`; a file as is. */
export function findLabFile(lab: string, projectDir = PROJECT_DIR): string {
  const candidates = [lab, join(projectDir, 'labs', lab)];
  for (const c of candidates) {
    const p = resolve(c);
    if (existsSync(p) && statSync(p).isDirectory()) return join(p, 'lab.yaml');
    if (existsSync(p) && statSync(p).isFile()) return p;
  }
  return /[/.]/.test(lab) ? resolve(lab) : join(projectDir, 'labs', lab, 'lab.yaml');
}

export function loadLab(lab: string, projectDir = PROJECT_DIR): LoadResult {
  const file = findLabFile(lab, projectDir);
  const shown = relative(process.cwd(), file) || file;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { ok: false, errors: [{ file: shown, line: 1, column: 1, path: '', message: `cannot read lab definition ${file} (is \`${lab}\` a lab under labs/ or a path to a lab.yaml?)` }] };
  }
  const parsed = parseLabText(text, shown);
  if (!parsed.ok) return parsed;
  const labDir = dirname(file);
  const loaded: LoadedLab = {
    spec: parsed.spec,
    name: parsed.spec.name ?? basename(labDir),
    file,
    labDir,
    projectDir,
    programsDir: join(projectDir, 'build', 'programs'),
  };
  const disk = checkOnDisk(loaded).map((i) => toLabError(parsed.doc, parsed.lines, shown, i));
  return disk.length ? { ok: false, errors: disk } : { ok: true, lab: loaded };
}

/** Pure: text → spec or positioned errors. */
export function parseLabText(
  text: string,
  file: string,
): { ok: true; spec: LabSpec; doc: Document; lines: LineCounter } | { ok: false; errors: LabError[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length) {
    return {
      ok: false,
      errors: doc.errors.map((e) => {
        const { line, col } = lines.linePos(e.pos[0]);
        return { file, line, column: col, path: '', message: `YAML: ${e.message.split('\n')[0]}` };
      }),
    };
  }
  const result = labSchema.safeParse(doc.toJS());
  if (!result.success) {
    const errors = dedupe(result.error.issues.flatMap(flattenUnion)).map((issue) =>
      toLabError(doc, lines, file, { path: issue.path, message: describeIssue(issue), atKey: isUnknownKey(issue) }),
    );
    return { ok: false, errors: sortErrors(errors) };
  }
  const issues = validateSpec(result.data);
  if (issues.length) return { ok: false, errors: sortErrors(issues.map((i) => toLabError(doc, lines, file, i))) };
  return { ok: true, spec: result.data, doc, lines };
}

function isUnknownKey(issue: ZodIssue): boolean {
  return issue.code === 'custom' && (issue.params as { unknownKey?: boolean } | undefined)?.unknownKey === true;
}

/** A union's own message says nothing; report the branch that got furthest. */
function flattenUnion(issue: ZodIssue): ZodIssue[] {
  if (issue.code !== 'invalid_union') return [issue];
  const branches = issue.unionErrors.map((e) => e.issues);
  const deepest = branches.reduce((best, b) => (depth(b) > depth(best) ? b : best), branches[0] ?? []);
  if (depth(deepest) > issue.path.length) return deepest.flatMap(flattenUnion);
  const expected = branches.flat().filter((i) => i.code === 'invalid_type').map((i) => (i as { expected: string }).expected);
  return [{ ...issue, message: expected.length ? `expected ${[...new Set(expected)].join(' or ')}` : issue.message }];
}
const depth = (issues: ZodIssue[]) => Math.max(0, ...issues.map((i) => i.path.length));

function describeIssue(issue: ZodIssue): string {
  if (issue.code === 'invalid_type') {
    if (issue.received === 'undefined') return `missing required key \`${String(issue.path.at(-1))}\``;
    return `expected ${issue.expected}, got ${issue.received}`;
  }
  if (issue.code === 'invalid_enum_value') return `expected one of ${issue.options.join(', ')}, got "${String(issue.received)}"`;
  return issue.message;
}

function dedupe(issues: ZodIssue[]): ZodIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path.join('.')}|${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function sortErrors(errors: LabError[]): LabError[] {
  return errors.sort((a, b) => a.line - b.line || a.column - b.column);
}

export function toLabError(doc: Document, lines: LineCounter, file: string, issue: SpecIssue): LabError {
  const offset = offsetOfPath(doc, issue.path, issue.atKey ?? false);
  const { line, col } = lines.linePos(offset);
  return { file, line, column: col, path: issue.path.join('.'), message: issue.message };
}

/**
 * Programs must exist before anything starts: `command[0]` on the lab's PATH (or as a file), and any
 * argument that names a file under `${PROGRAMS}` or `${LAB_DIR}`.
 */
function checkOnDisk(lab: LoadedLab): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const vars = { ...lab.spec.variables, LAB: lab.name, LAB_DIR: lab.labDir, PROGRAMS: lab.programsDir };
  const checkArgv = (argv: string[], base: (string | number)[]) => {
    const program = substitute(argv[0]!, vars);
    if (!program.includes('${') && !findProgram(program)) {
      issues.push({ path: [...base, 0], message: program.includes('/') ? `program ${program} does not exist or is not executable` : `command \`${program}\` not found on the lab's PATH (${labPath()})` });
    }
    argv.forEach((arg, i) => {
      if (!/^\$\{(PROGRAMS|LAB_DIR)\}\//.test(arg)) return;
      const path = substitute(arg, vars);
      if (!existsSync(path)) {
        const hint = arg.startsWith('${PROGRAMS}') ? ' (run `npm run build:programs`)' : '';
        issues.push({ path: [...base, i], message: `file ${relative(process.cwd(), path) || path} does not exist${hint}` });
      }
    });
  };
  for (const [host, h] of Object.entries(lab.spec.hosts)) {
    for (const [proc, p] of Object.entries(h.processes)) {
      checkArgv(p.command, ['hosts', host, 'processes', proc, 'command']);
      if (p.ready?.command) checkArgv(p.ready.command, ['hosts', host, 'processes', proc, 'ready', 'command']);
      for (const [f, v] of Object.entries(p.files)) {
        if (typeof v !== 'string' && v.from !== undefined && !existsSync(resolve(lab.labDir, v.from))) {
          issues.push({ path: ['hosts', host, 'processes', proc, 'files', f, 'from'], message: `file ${v.from} does not exist in ${lab.labDir}` });
        }
      }
    }
  }
  return issues;
}

export function findProgram(program: string): string | null {
  const executable = (p: string) => {
    try {
      accessSync(p, constants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (program.includes('/')) return isAbsolute(program) && executable(program) ? program : null;
  for (const dir of labPath().split(delimiter)) {
    const p = join(dir, program);
    if (executable(p)) return p;
  }
  return null;
}
