import { describe, expect, it } from 'vitest';
import { panelSeries } from './panelSeries.ts';
import { addPanel, addQuery, nextRefId, removeQuery, updateQuery } from './dashboardEdits.ts';
import { DashboardLimits, type Dashboard } from '../../protocol/dashboard.ts';

describe('panelSeries', () => {
  it("puts every query's series on one time axis, each named by its own query's legend", () => {
    const a = { timestamps: [10, 20], series: [{ labels: { __name__: 'cx', envoy_listener_address: 'public' }, values: [1, 2] }] };
    const b = {
      timestamps: [20, 30],
      series: [
        { labels: { __name__: 'cx', service: 'api', host: 'h1' }, values: [3, 4] },
        { labels: { __name__: 'cx', service: 'db', host: 'h1' }, values: [5, null] },
      ],
    };
    const r = panelSeries([
      { query: { refId: 'A', legendMode: 'custom', legendFormat: '{{envoy_listener_address}}' }, data: a },
      { query: { refId: 'B', legendMode: 'auto' }, data: b },
    ]);
    expect(r.data.timestamps).toEqual([10, 20, 30]);
    expect(r.data.series.map((s) => s.values)).toEqual([
      [1, 2, null],
      [null, 3, 4],
      [null, 5, null],
    ]);
    expect(r.names).toEqual(['public', '{service="api"}', '{service="db"}']);
    expect(r.refIds).toEqual(['A', 'B', 'B']);
  });

  it('names verbose series in full', () => {
    const d = { timestamps: [1], series: [{ labels: { __name__: 'up', job: 'x' }, values: [1] }] };
    expect(panelSeries([{ query: { refId: 'A', legendMode: 'verbose' }, data: d }]).names).toEqual(['up{job="x"}']);
  });
});

describe('dashboard edits', () => {
  it("gives refIds as Grafana does, reusing a removed one's letter", () => {
    expect(nextRefId([])).toBe('A');
    expect(nextRefId([{ refId: 'A', expr: '', legendMode: 'auto' }, { refId: 'C', expr: '', legendMode: 'auto' }])).toBe('B');
    const letters = Array.from({ length: 26 }, (_, i) => ({ refId: String.fromCharCode(65 + i), expr: '', legendMode: 'auto' as const }));
    expect(nextRefId(letters)).toBe('AA');
  });

  it('stays within the limits', () => {
    let d: Dashboard = { version: 0, panels: [] };
    for (let i = 0; i < DashboardLimits.MAX_PANELS + 2; i++) d = addPanel(d);
    expect(d.panels).toHaveLength(DashboardLimits.MAX_PANELS);
    expect(new Set(d.panels.map((p) => p.id)).size).toBe(DashboardLimits.MAX_PANELS);
    let p = d.panels[0]!;
    for (let i = 0; i < DashboardLimits.MAX_QUERIES_PER_PANEL + 2; i++) p = addQuery(p);
    expect(p.queries.map((q) => q.refId)).toEqual(['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H']);
    p = updateQuery(p, 'B', { expr: 'x'.repeat(DashboardLimits.MAX_QUERY_CHARS + 5) });
    expect(p.queries[1]!.expr).toHaveLength(DashboardLimits.MAX_QUERY_CHARS);
    expect(removeQuery(p, 'A').queries[0]!.refId).toBe('B');
  });
});
