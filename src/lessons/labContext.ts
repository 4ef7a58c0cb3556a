/**
 * What lessons of a lab may refer to, read from the lab's own files: host names from its definition
 * (the lab runtime's loader), challenge ids from its challenges file (the checker's loader), and the
 * checker's PromQL syntax check for graph queries. Shared by `patchbay test` and the site build.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadLab, PROJECT_DIR } from '../lab/loadLab.ts';
import { formatDefinitionError } from '../definitions/definitionError.ts';
import { loadChallenges, type ChallengeSet } from '../checker/challenges.ts';
import { grafanaVariables } from '../protocol/grafanaVariables.ts';
import { querySyntaxError } from '../checker/querySyntax.ts';
import type { ReferenceContext } from './referenceChecks.ts';
import { localImagePath } from './pageReferences.ts';

export interface LabContext {
  lab: string;
  hosts: string[];
  challenges: ChallengeSet;
  references: ReferenceContext;
}

export type LabContextResult = { ok: true; context: LabContext } | { ok: false; errors: string[] };

export async function loadLabContext(lab: string, projectDir?: string): Promise<LabContextResult> {
  const loaded = projectDir ? loadLab(lab, projectDir) : loadLab(lab);
  const challenges = projectDir ? await loadChallenges(lab, projectDir) : await loadChallenges(lab);
  const errors: string[] = [];
  if (!loaded.ok) errors.push(...loaded.errors.map(formatDefinitionError));
  if (!challenges.ok) errors.push(...challenges.errors.map(formatDefinitionError));
  if (!loaded.ok || !challenges.ok) return { ok: false, errors };
  const set = challenges.set;
  const hosts = Object.keys(loaded.lab.spec.hosts);
  const namedHosts = Object.entries(loaded.lab.spec.hosts).map(([name, h]) => ({ name, aliases: h.aliases }));
  // Where Docusaurus would look for an image (the site's static directory is `static/`).
  const site = { projectDir: projectDir ?? PROJECT_DIR, staticDir: join(projectDir ?? PROJECT_DIR, 'static') };
  const missingImage = (url: string, lessonFile: string): string | null => {
    const path = localImagePath(url, lessonFile, site);
    return path !== null && !existsSync(path) ? path : null;
  };
  // Graphs use Grafana's variables as challenges do; a graph's step is not known here, so the scrape
  // interval stands in for $__interval (the substitution only has to produce a parsable duration).
  const variables = grafanaVariables({ scrapeSeconds: set.scrapeInterval, intervalSeconds: set.scrapeInterval, rangeSeconds: set.live.window });
  const parseQuery = (query: string): { ok: true } | { ok: false; message: string } => {
    const problem = querySyntaxError(query, variables);
    return problem ? { ok: false, message: problem.message } : { ok: true };
  };
  return {
    ok: true,
    context: { lab, hosts, challenges: set, references: { hosts: namedHosts, challengeIds: [...set.byId.keys()], parseQuery, missingImage } },
  };
}
