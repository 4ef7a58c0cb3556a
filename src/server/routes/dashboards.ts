/**
 * HTTP routes of the learner's dashboards (wire contract: src/protocol/dashboard.ts): read, save, and
 * export as a Grafana dashboard. Reached with a signed-in session only (as every /api route): a learner
 * reads and writes their own dashboards, never another's. Storage is dashboardStore.ts; a lesson's
 * starting dashboards come from the lab's dashboards.yaml (dashboardStarts.ts).
 *
 *   createGateway({ routes: [...dashboardRoutes({ store: new DashboardStore(db), starts })] })
 */
import { DASHBOARDS_PATH, type Dashboard, type DashboardResponse } from '../../protocol/dashboard.ts';
import { toGrafanaDashboard } from '../../protocol/grafanaExport.ts';
import type { DashboardStarts } from '../dashboardStarts.ts';
import { isDashboardId, parseDashboard } from '../dashboardSchema.ts';
import type { DashboardStore } from '../dashboardStore.ts';
import type { Route, RouteContext } from '../Route.ts';

export const DashboardRouteLimits = {
  /**
   * Every dashboard within DashboardLimits fits, whatever its text: at the limits (12 panels × 8 queries
   * of 4096 characters, legends and titles full) it is 421 KB of JSON in plain ASCII, 1.25 MB in 3-byte
   * UTF-8 and 2.49 MB when every character is a control character JSON escapes as \u0001 (measured;
   * dashboards.test.ts saves that one). A real dashboard is well under 1 KB. Anything bigger is not a dashboard.
   */
  MAX_BODY_BYTES: 2.5 * 1024 * 1024,
} as const;

export interface DashboardRoutesOptions {
  store: DashboardStore;
  /** Lessons' starting dashboards by id, or a function giving the current ones (`patchbay dev` may reload them). */
  starts?: DashboardStarts | (() => DashboardStarts);
}

export function dashboardRoutes(options: DashboardRoutesOptions): Route[] {
  const { store } = options;
  const given = options.starts ?? new Map();
  const starts = typeof given === 'function' ? given : () => given;

  /** The dashboard id of the request, or null after answering that it is not one. */
  const idOf = (ctx: RouteContext): string | null => {
    const id = ctx.params.id ?? '';
    if (isDashboardId(id)) return id;
    ctx.sendError('PB_BAD_REQUEST', `"${id.slice(0, 80)}" is not a dashboard id: lowercase letters, digits and dashes, at most 64`);
    return null;
  };

  /** The learner's own, else the lesson's start, else an empty dashboard. */
  const current = (ctx: RouteContext, id: string): DashboardResponse => {
    const saved = store.get(ctx.sessionId, id);
    if (saved) return { id, dashboard: saved.dashboard, source: 'saved' };
    const start = starts().get(id);
    if (start) return { id, dashboard: { version: 0, panels: start.panels }, source: 'lesson' };
    return { id, dashboard: { version: 0, panels: [] }, source: 'empty' };
  };

  return [
    {
      method: 'GET',
      path: `${DASHBOARDS_PATH}/:id`,
      handler: (_req, _res, ctx) => {
        const id = idOf(ctx);
        if (id !== null) ctx.sendJson(200, current(ctx, id));
      },
    },
    {
      method: 'PUT',
      path: `${DASHBOARDS_PATH}/:id`,
      handler: async (_req, _res, ctx) => {
        const id = idOf(ctx);
        if (id === null) return;
        const body = await ctx.readJson(DashboardRouteLimits.MAX_BODY_BYTES);
        if (!body.ok) return;
        const parsed = parseDashboard(body.value);
        if (!parsed.ok) return ctx.sendError('PB_BAD_REQUEST', parsed.message);
        const r = store.put(ctx.sessionId, id, parsed.dashboard);
        if (!r.ok) return ctx.sendError('PB_DASHBOARD_STALE', id, String(r.storedVersion), String(parsed.dashboard.version));
        ctx.sendJson(200, { id, dashboard: r.dashboard, source: 'saved' } satisfies DashboardResponse);
      },
    },
    {
      method: 'GET',
      path: `${DASHBOARDS_PATH}/:id/grafana`,
      handler: (_req, res, ctx) => {
        const id = idOf(ctx);
        if (id === null) return;
        const dashboard: Dashboard = current(ctx, id).dashboard;
        const title = starts().get(id)?.title;
        // A download named after the dashboard when the browser follows the link; still JSON to fetch().
        res.setHeader('content-disposition', `attachment; filename="patchbay-${id}.grafana.json"`);
        ctx.sendJson(200, toGrafanaDashboard(dashboard, { id, ...(title !== undefined ? { title } : {}) }));
      },
    },
  ];
}
