/**
 * Loading a lab's challenges: read `labs/<lab>/challenges.yaml`, validate it, and resolve what the
 * checker needs (the fixture's absolute path, timing). Errors are values with file:line:column, all of
 * a file's at once.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { challengeSetSchema, type ChallengeSetSpec, type ChallengeSpec, type PanelSpec } from './challengeSchema.ts';
import type { DefinitionError, SourcePosition } from '../definitions/definitionError.ts';
import type { DefinitionPath } from '../definitions/yamlSource.ts';
import { fileError, loadDefinition } from '../definitions/loadDefinition.ts';

export const CHALLENGES_FILE = 'challenges.yaml';
const PROJECT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A challenge graded on one query (kind `query`). */
export type Challenge = Omit<ChallengeSpec, 'kind' | 'reference' | 'panel'> & { reference: string };

/** A challenge graded on a panel of the learner's dashboard (kind `panel`): src/checker/checkPanel.ts. */
export type PanelChallenge = Pick<ChallengeSpec, 'id' | 'lesson' | 'title' | 'prompt' | 'variables'> & { kind: 'panel'; panel: PanelSpec };

export interface ChallengeSet extends Omit<ChallengeSetSpec, 'offline' | 'challenges'> {
  lab: string;
  file: string;
  offline: ChallengeSetSpec['offline'] & { fixturePath: string };
  /** Query challenges, in file order. */
  challenges: Challenge[];
  byId: Map<string, Challenge>;
  /** Panel challenges, in file order (their ids are distinct from the query challenges'). */
  panels: PanelChallenge[];
  panelById: Map<string, PanelChallenge>;
  /** Every challenge id, in file order. */
  ids: string[];
  /**
   * Where a part of a challenge is written in the file (`['reference']`, `['mustFail', 0, 'query']`; the
   * challenge's own entry when the path is empty), so a failure can point at the line to fix.
   */
  positionOf(id: string, path?: DefinitionPath): SourcePosition;
}

export type LoadResult = { ok: true; set: ChallengeSet } | { ok: false; errors: DefinitionError[] };

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
    return { ok: false, errors: [fileError(shown, `cannot read: ${(err as Error).message}`)] };
  }
  return parseChallenges(text, file, shown);
}

/** Errors of the challenges file beside a lab definition (none when it has none or it is valid). */
export async function challengeErrorsBeside(labFile: string): Promise<DefinitionError[]> {
  const dir = path.dirname(path.resolve(labFile));
  if (!existsSync(path.join(dir, CHALLENGES_FILE))) return [];
  const r = await loadChallenges(dir);
  return r.ok ? [] : r.errors;
}

/** Every error of the file at once, each with file:line:column (src/definitions). */
export function parseChallenges(text: string, file: string, shown = file): LoadResult {
  const r = loadDefinition(text, shown, challengeSetSchema);
  if (!r.ok) return { ok: false, errors: r.errors };
  const spec = r.value;
  const dir = path.dirname(file);
  const index = new Map(spec.challenges.map((c, i) => [c.id, i]));
  const challenges: Challenge[] = [];
  const panels: PanelChallenge[] = [];
  // The schema has checked that a query challenge has a reference and a panel challenge its panel.
  for (const { kind, reference, panel, ...c } of spec.challenges) {
    if (kind === 'panel') panels.push({ id: c.id, lesson: c.lesson, title: c.title, prompt: c.prompt, variables: c.variables, kind, panel: panel! });
    else challenges.push({ ...c, reference: reference! });
  }
  return {
    ok: true,
    set: {
      ...spec,
      challenges,
      panels,
      lab: path.basename(dir),
      file,
      offline: { ...spec.offline, fixturePath: path.resolve(dir, spec.offline.fixture) },
      byId: new Map(challenges.map((c) => [c.id, c])),
      panelById: new Map(panels.map((c) => [c.id, c])),
      ids: spec.challenges.map((c) => c.id),
      positionOf: (id, at = []) => {
        const i = index.get(id);
        return { file: shown, ...r.source.positionOf(i === undefined ? [] : ['challenges', i, ...at]) };
      },
    },
  };
}
