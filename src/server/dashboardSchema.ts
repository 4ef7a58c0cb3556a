/**
 * The learner's dashboard (protocol/dashboard.ts) as zod schemas, within DashboardLimits: what PUT
 * /api/dashboards/:id accepts and what a lab's dashboards.yaml may start a lesson with. One place, so a
 * lesson's starting dashboard is always one the learner could have saved.
 */
import { z } from 'zod';
import { DashboardLimits, TIME_RANGES, type Dashboard, type Panel, type PanelQuery, type TimeRange } from '../protocol/dashboard.ts';

const REF_ID = /^[A-Z]{1,2}$/;

export const panelQuerySchema = z
  .object({
    refId: z.string().regex(REF_ID, 'a refId is A, B, … Z, then AA…'),
    expr: z.string().max(DashboardLimits.MAX_QUERY_CHARS),
    legendMode: z.enum(['auto', 'verbose', 'custom']),
    legendFormat: z.string().max(DashboardLimits.MAX_LEGEND_CHARS).optional(),
  })
  .strict() satisfies z.ZodType<PanelQuery>;

export const panelSchema = z
  .object({
    id: z.string().regex(DashboardLimits.ID_PATTERN, 'a panel id is lowercase letters, digits and dashes (at most 64)'),
    title: z.string().max(DashboardLimits.MAX_TITLE_CHARS),
    timeRange: z.enum(TIME_RANGES as [TimeRange, ...TimeRange[]]),
    queries: z
      .array(panelQuerySchema)
      .max(DashboardLimits.MAX_QUERIES_PER_PANEL)
      .refine((qs) => new Set(qs.map((q) => q.refId)).size === qs.length, 'each query of a panel has its own refId'),
  })
  .strict() satisfies z.ZodType<Panel>;

export const panelsSchema = z
  .array(panelSchema)
  .max(DashboardLimits.MAX_PANELS)
  .refine((ps) => new Set(ps.map((p) => p.id)).size === ps.length, 'each panel has its own id');

export const dashboardSchema = z
  .object({
    version: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    panels: panelsSchema,
  })
  .strict() satisfies z.ZodType<Dashboard>;

/** A parsed dashboard, or the first problems in words (for PB_BAD_REQUEST). */
export function parseDashboard(value: unknown): { ok: true; dashboard: Dashboard } | { ok: false; message: string } {
  const r = dashboardSchema.safeParse(value);
  if (r.success) return { ok: true, dashboard: r.data };
  const problems = r.error.issues.slice(0, 3).map((i) => `${i.path.length ? i.path.join('.') : 'the dashboard'}: ${i.message}`);
  return { ok: false, message: `Not a dashboard: ${problems.join('; ')}` };
}

export function isDashboardId(id: string): boolean {
  return DashboardLimits.ID_PATTERN.test(id);
}
