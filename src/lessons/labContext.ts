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
import { loadTasks, type TaskSet } from '../lab/tasks.ts';
import { grafanaVariables } from '../protocol/grafanaVariables.ts';
import { querySyntaxError } from '../checker/querySyntax.ts';
import type { ReferenceContext } from './referenceChecks.ts';
import { localImagePath } from './pageReferences.ts';

export interface LabContext {
  lab: string;
  hosts: string[];
  challenges: ChallengeSet;
  /** The lab's tasks (none without a tasks.yaml). */
  tasks: TaskSet;
  references: ReferenceContext;
}

export type LabContextResult = { ok: true; context: LabContext } | { ok: false; errors: string[] };

export async function loadLabContext(lab: string, projectDir?: string): Promise<LabContextResult> {
  const loaded = projectDir ? loadLab(lab, projectDir) : loadLab(lab);
  const challenges = projectDir ? await loadChallenges(lab, projectDir) : await loadChallenges(lab);
  const tasks = projectDir ? await loadTasks(lab, projectDir) : await loadTasks(lab);
  const errors: string[] = [];
  if (!loaded.ok) errors.push(...loaded.errors.map(formatDefinitionError));
  if (!challenges.ok) errors.push(...challenges.errors.map(formatDefinitionError));
  if (!tasks.ok) errors.push(...tasks.errors.map(formatDefinitionError));
  if (!loaded.ok || !challenges.ok || !tasks.ok) return { ok: false, errors };
  const set = challenges.set;
  const hosts = Object.keys(loaded.lab.spec.hosts);
  const namedHosts = Object.entries(loaded.lab.spec.hosts).map(([name, h]) => ({ name, aliases: h.aliases }));
  // A task's check runs on a host of the lab (or an alias of one).
  for (const t of tasks.set.tasks) {
    if (!namedHosts.some((h) => h.name === t.host || h.aliases.includes(t.host))) {
      errors.push(formatDefinitionError({ ...tasks.set.positionOf(t.id, ['host']), path: `tasks.${t.id}.host`, message: `host "${t.host}" is not a host of the lab; hosts: ${hosts.join(', ')}` }));
    }
  }
  if (errors.length) return { ok: false, errors };
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
    context: { lab, hosts, challenges: set, tasks: tasks.set, references: { hosts: namedHosts, challengeIds: set.ids, taskIds: [...tasks.set.byId.keys()], webServiceIds: Object.keys(loaded.lab.spec.web), parseQuery, missingImage } },
  };
}
