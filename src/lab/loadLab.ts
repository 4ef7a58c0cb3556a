/**
 * Reads a lab definition with the definitions toolkit (src/definitions): YAML with node positions, one
 * schema pass, then the cross-field rules and the checks that need the disk (commands on PATH, program
 * files). Every problem becomes a positioned `DefinitionError`, all of them at once. Nothing is created here.
 */
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { basename, delimiter, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DefinitionError } from '../definitions/definitionError.ts';
import { fileError, loadDefinition, type DefinitionIssue } from '../definitions/loadDefinition.ts';
import type { YamlSource } from '../definitions/yamlSource.ts';
import { labSchema, type LabSpec } from './schema.ts';
import { substitute, validateSpec } from './validate.ts';
import { labPath } from './labEnv.ts';

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

export type LoadResult = { ok: true; lab: LoadedLab } | { ok: false; errors: DefinitionError[] };

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

/** `text`: lab.yaml as the caller already read it (patchbay dev loads exactly the bytes it fingerprinted). */
export function loadLab(lab: string, projectDir = PROJECT_DIR, text?: string): LoadResult {
  const file = findLabFile(lab, projectDir);
  const shown = relative(process.cwd(), file) || file;
  try {
    text ??= readFileSync(file, 'utf8');
  } catch {
    return { ok: false, errors: [fileError(shown, `cannot read lab definition ${file} (is \`${lab}\` a lab under labs/ or a path to a lab.yaml?)`)] };
  }
  const labDir = dirname(file);
  const loadedFrom = (spec: LabSpec): LoadedLab => ({
    spec,
    name: spec.name ?? basename(labDir),
    file,
    labDir,
    projectDir,
    programsDir: join(projectDir, 'build', 'programs'),
  });
  const parsed = parseLabText(text, shown, (spec) => checkOnDisk(loadedFrom(spec)));
  return parsed.ok ? { ok: true, lab: loadedFrom(parsed.spec) } : parsed;
}

/**
 * Pure: text → spec or every positioned error at once (YAML, schema, then the cross-field rules and
 * `more`, e.g. the disk checks, once the definition is well-formed).
 */
export function parseLabText(
  text: string,
  file: string,
  more: (spec: LabSpec) => DefinitionIssue[] = () => [],
): { ok: true; spec: LabSpec; source: YamlSource } | { ok: false; errors: DefinitionError[] } {
  const r = loadDefinition(text, file, labSchema, { check: (spec) => [...validateSpec(spec), ...more(spec)] });
  return r.ok ? { ok: true, spec: r.value, source: r.source } : { ok: false, errors: r.errors };
}

/**
 * Programs must exist before anything starts: `command[0]` on the lab's PATH (or as a file), and any
 * argument that names a file under `${PROGRAMS}` or `${LAB_DIR}`.
 */
function checkOnDisk(lab: LoadedLab): DefinitionIssue[] {
  const issues: DefinitionIssue[] = [];
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
