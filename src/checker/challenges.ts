/**
 * Loading a lab's challenges: read `labs/<lab>/challenges.yaml`, validate it, and resolve what the
 * checker needs (the fixture's absolute path, timing). Errors are values with file:line:column.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { challengeSetSchema, type ChallengeSetSpec, type ChallengeSpec } from './challengeSchema.ts';
import { issuesToErrors, parseYaml, type PositionedError } from './yamlPositions.ts';

export const CHALLENGES_FILE = 'challenges.yaml';
const PROJECT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export type Challenge = ChallengeSpec;

export interface ChallengeSet extends Omit<ChallengeSetSpec, 'offline'> {
  lab: string;
  file: string;
  offline: ChallengeSetSpec['offline'] & { fixturePath: string };
  byId: Map<string, Challenge>;
}

export type LoadResult = { ok: true; set: ChallengeSet } | { ok: false; errors: PositionedError[] };

/** `lab` is a lab name under labs/, a directory, or a path to a YAML file. */
export function challengesFileFor(lab: string, projectDir = PROJECT_DIR): string {
  if (lab.endsWith('.yaml') || lab.endsWith('.yml')) return path.resolve(lab);
  if (lab.includes('/')) return path.resolve(lab, CHALLENGES_FILE);
  return path.join(projectDir, 'labs', lab, CHALLENGES_FILE);
}

export async function loadChallenges(lab: string, projectDir = PROJECT_DIR): Promise<LoadResult> {
  const file = challengesFileFor(lab, projectDir);
  const shown = path.relative(process.cwd(), file) || file;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { ok: false, errors: [{ file: shown, line: 1, column: 1, path: '', message: `cannot read: ${(err as Error).message}` }] };
  }
  return parseChallenges(text, file, shown);
}

export function parseChallenges(text: string, file: string, shown = file): LoadResult {
  const parsed = parseYaml(text, shown);
  if (parsed.errors.length) return { ok: false, errors: parsed.errors };
  const result = challengeSetSchema.safeParse(parsed.value);
  if (!result.success) return { ok: false, errors: issuesToErrors(result.error.issues, parsed, shown) };
  const spec = result.data;
  const dir = path.dirname(file);
  return {
    ok: true,
    set: {
      ...spec,
      lab: path.basename(dir),
      file,
      offline: { ...spec.offline, fixturePath: path.resolve(dir, spec.offline.fixture) },
      byId: new Map(spec.challenges.map((c) => [c.id, c])),
    },
  };
}
