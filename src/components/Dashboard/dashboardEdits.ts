/**
 * Pure edits of a dashboard (protocol/dashboard.ts), as <Dashboard> applies them through
 * dashboardStore's editDashboard: each returns a new dashboard and never goes past DashboardLimits.
 */
import { DashboardLimits, type Dashboard, type Panel, type PanelQuery } from '../../protocol/dashboard.ts';

/** A panel id the protocol accepts (ID_PATTERN), unique within the dashboard. */
export function newPanelId(d: Dashboard, random: () => number = Math.random): string {
  for (;;) {
    const id = `panel-${Math.floor(random() * 0xffffffff)
      .toString(16)
      .padStart(8, '0')}`;
    if (!d.panels.some((p) => p.id === id)) return id;
  }
}

/** Grafana's next refId: the first of A, B, … Z, AA, AB, … the panel does not use yet. */
export function nextRefId(queries: readonly PanelQuery[]): string {
  const used = new Set(queries.map((q) => q.refId));
  for (let i = 0; ; i++) {
    const id = i < 26 ? String.fromCharCode(65 + i) : String.fromCharCode(65 + Math.floor(i / 26) - 1) + String.fromCharCode(65 + (i % 26));
    if (!used.has(id)) return id;
  }
}

export function canAddPanel(d: Dashboard): boolean {
  return d.panels.length < DashboardLimits.MAX_PANELS;
}

export function canAddQuery(p: Panel): boolean {
  return p.queries.length < DashboardLimits.MAX_QUERIES_PER_PANEL;
}

export function addPanel(d: Dashboard, id = newPanelId(d)): Dashboard {
  if (!canAddPanel(d)) return d;
  const panel: Panel = { id, title: 'New panel', timeRange: '5m', queries: [{ refId: 'A', expr: '', legendMode: 'auto' }] };
  return { ...d, panels: [...d.panels, panel] };
}

export function removePanel(d: Dashboard, panelId: string): Dashboard {
  return { ...d, panels: d.panels.filter((p) => p.id !== panelId) };
}

export function updatePanel(d: Dashboard, panelId: string, change: (p: Panel) => Panel): Dashboard {
  return { ...d, panels: d.panels.map((p) => (p.id === panelId ? change(p) : p)) };
}

export function addQuery(p: Panel): Panel {
  if (!canAddQuery(p)) return p;
  return { ...p, queries: [...p.queries, { refId: nextRefId(p.queries), expr: '', legendMode: 'auto' }] };
}

export function removeQuery(p: Panel, refId: string): Panel {
  return { ...p, queries: p.queries.filter((q) => q.refId !== refId) };
}

export function updateQuery(p: Panel, refId: string, change: Partial<Omit<PanelQuery, 'refId'>>): Panel {
  return { ...p, queries: p.queries.map((q) => (q.refId === refId ? clampQuery({ ...q, ...change }) : q)) };
}

/** Text fields cut at the protocol's bounds, so a save is never refused for length. */
function clampQuery(q: PanelQuery): PanelQuery {
  return {
    ...q,
    expr: q.expr.slice(0, DashboardLimits.MAX_QUERY_CHARS),
    ...(q.legendFormat !== undefined ? { legendFormat: q.legendFormat.slice(0, DashboardLimits.MAX_LEGEND_CHARS) } : {}),
  };
}

export function clampTitle(title: string): string {
  return title.slice(0, DashboardLimits.MAX_TITLE_CHARS);
}
