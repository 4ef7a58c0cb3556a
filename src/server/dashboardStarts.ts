/**
 * Lessons' starting dashboards: a lab's `dashboards.yaml` (beside its challenges.yaml) gives, per
 * dashboard id, the panels a learner starts from until they save their own. Validated with the same
 * schema as a learner's save (dashboardSchema.ts), so a start is always a dashboard they could have built.
 *
 *   # labs/connections/dashboards.yaml
 *   dashboards:
 *     api-connections:
 *       title: API connections        # the dashboard's title in a Grafana export (optional)
 *       panels:
 *         - id: api-connections
 *           title: API connections
 *           timeRange: 5m
 *           queries:
 *             - { refId: A, expr: 'envoy_listener_downstream_cx_active', legendMode: custom, legendFormat: '{{envoy_listener_address}}' }
 *
 * No file: no starting dashboards (every dashboard starts empty).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { DefinitionError } from '../definitions/definitionError.ts';
import { fileError, loadDefinition } from '../definitions/loadDefinition.ts';
import { DashboardLimits, type Panel } from '../protocol/dashboard.ts';
import { PROJECT_DIR } from '../lab/loadLab.ts';
import { panelsSchema } from './dashboardSchema.ts';

export const DASHBOARDS_FILE = 'dashboards.yaml';

export interface DashboardStart {
  title?: string;
  panels: Panel[];
}

export type DashboardStarts = ReadonlyMap<string, DashboardStart>;

const startsSchema = z
  .object({
    dashboards: z.record(
      z.string().regex(DashboardLimits.ID_PATTERN, 'a dashboard id is lowercase letters, digits and dashes (at most 64)'),
      z.object({ title: z.string().max(DashboardLimits.MAX_TITLE_CHARS).optional(), panels: panelsSchema }).strict(),
    ),
  })
  .strict();

/** The file of lab `lab` (a name under labs/, or a directory). */
export function dashboardsFileFor(lab: string, projectDir = PROJECT_DIR): string {
  return lab.includes('/') ? path.resolve(lab, DASHBOARDS_FILE) : path.join(projectDir, 'labs', lab, DASHBOARDS_FILE);
}

export type LoadStartsResult = { ok: true; starts: DashboardStarts } | { ok: false; errors: DefinitionError[] };

/** The lab's starting dashboards; none when it has no dashboards.yaml; every error of the file at once. */
export async function loadDashboardStarts(lab: string, projectDir = PROJECT_DIR): Promise<LoadStartsResult> {
  const file = dashboardsFileFor(lab, projectDir);
  if (!existsSync(file)) return { ok: true, starts: new Map() };
  const shown = path.relative(process.cwd(), file) || file;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { ok: false, errors: [fileError(shown, `cannot read: ${(err as Error).message}`)] };
  }
  return parseDashboardStarts(text, shown);
}

export function parseDashboardStarts(text: string, file: string): LoadStartsResult {
  const r = loadDefinition(text, file, startsSchema);
  if (!r.ok) return { ok: false, errors: r.errors };
  const starts = new Map<string, DashboardStart>();
  for (const [id, d] of Object.entries(r.value.dashboards)) starts.set(id, { ...(d.title !== undefined ? { title: d.title } : {}), panels: d.panels });
  return { ok: true, starts };
}
