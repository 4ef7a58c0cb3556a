/**
 * The dashboard API on a real gateway and database file: a learner's GET answers the lesson's start
 * (dashboards.yaml) until they save, then theirs; another learner never sees it; a stale save is 409; a
 * malformed or oversized one is refused; a request without a session is 401; the dashboard survives a
 * restart of the gateway on the same file; and the Grafana export of a saved dashboard type-checks against
 * @grafana/schema's Dashboard, while a broken model does not.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DashboardLimits, dashboardPath, grafanaExportPath, type Dashboard } from '../../src/protocol/dashboard.ts';
import { openDatabase, type Database } from '../../src/server/database.ts';
import { parseDashboardStarts } from '../../src/server/dashboardStarts.ts';
import { DashboardStore } from '../../src/server/dashboardStore.ts';
import { dashboardRoutes, DashboardRouteLimits } from '../../src/server/routes/dashboards.ts';
import { learnerIdOf, startGateway, type TestGateway } from '../helpers/gateway.ts';
import { grafanaSchemaErrors } from '../helpers/grafanaSchemaCheck.ts';

const STARTS = `dashboards:
  api-connections:
    title: API connections
    panels:
      - id: api
        title: API connections
        timeRange: 5m
        queries:
          - { refId: A, expr: 'envoy_listener_downstream_cx_active{job="api"}', legendMode: custom, legendFormat: '{{envoy_listener_address}}' }
`;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function gatewayOn(file: string): Promise<{ gw: TestGateway; db: Database }> {
  const db = openDatabase(file);
  cleanups.push(() => db.close());
  const starts = parseDashboardStarts(STARTS, 'dashboards.yaml');
  if (!starts.ok) throw new Error('starts do not parse');
  const gw = await startGateway({ routes: dashboardRoutes({ store: new DashboardStore(db), starts: starts.starts }), cgroupParent: null });
  cleanups.push(() => gw.close());
  return { gw, db };
}

function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pbdb-dash-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'patchbay.db');
}

async function call(gw: TestGateway, path: string, init: { method?: string; body?: unknown; cookie?: string | null } = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { origin: gw.origin };
  if (init.cookie !== null) headers.cookie = init.cookie ?? gw.cookie;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${gw.url}${path}`, { method: init.method ?? 'GET', headers, ...(init.body !== undefined ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) } : {}) });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

const built: Dashboard = {
  version: 0,
  panels: [
    {
      id: 'api',
      title: 'API connections',
      timeRange: '5m',
      queries: [
        { refId: 'A', expr: 'envoy_listener_downstream_cx_active{job="api", envoy_listener_address=~".*_20000"}', legendMode: 'custom', legendFormat: '{{envoy_listener_address}}' },
        { refId: 'B', expr: 'sum(rate(envoy_listener_downstream_cx_total{job="api"}[$__rate_interval]))', legendMode: 'auto' },
      ],
    },
    { id: 'outbound', title: 'Outbound', timeRange: '15m', queries: [{ refId: 'A', expr: 'up', legendMode: 'verbose' }] },
  ],
};

describe('the dashboard API', () => {
  it("answers the lesson's start, then the learner's own, and keeps learners apart", async () => {
    const { gw } = await gatewayOn(tempFile());
    const first = await call(gw, dashboardPath('api-connections'));
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ id: 'api-connections', source: 'lesson', dashboard: { version: 0, panels: [{ id: 'api', title: 'API connections' }] } });
    expect((await call(gw, dashboardPath('elsewhere'))).body).toEqual({ id: 'elsewhere', source: 'empty', dashboard: { version: 0, panels: [] } });

    const saved = await call(gw, dashboardPath('api-connections'), { method: 'PUT', body: built });
    expect(saved.status).toBe(200);
    expect(saved.body).toEqual({ id: 'api-connections', source: 'saved', dashboard: { ...built, version: 1 } });
    expect((await call(gw, dashboardPath('api-connections'))).body).toEqual(saved.body);

    const other = await gw.newCookie();
    expect((await call(gw, dashboardPath('api-connections'), { cookie: other })).body.source).toBe('lesson');
  });

  it('refuses a stale save (409), a malformed or oversized one, a bad id, and a request without a session', async () => {
    const { gw } = await gatewayOn(tempFile());
    await call(gw, dashboardPath('d'), { method: 'PUT', body: built });
    const stale = await call(gw, dashboardPath('d'), { method: 'PUT', body: { ...built, panels: [] } });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: 'PB_DASHBOARD_STALE', message: 'Dashboard d was saved meanwhile (version 1, yours was made from 0): reload to see it' });
    expect((await call(gw, dashboardPath('d'))).body.dashboard.panels).toHaveLength(2);

    const bad = await call(gw, dashboardPath('d'), { method: 'PUT', body: { version: 1, panels: [{ ...built.panels[0], timeRange: '2d' }] } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/^Not a dashboard: panels\.0\.timeRange/);
    const huge = await call(gw, dashboardPath('d'), { method: 'PUT', body: JSON.stringify({ version: 1, panels: [], pad: 'x'.repeat(DashboardRouteLimits.MAX_BODY_BYTES) }) });
    expect(huge.status).toBe(413);
    expect((await call(gw, dashboardPath('Bad Id'))).status).toBe(400);
    // The body bound never refuses a dashboard within the limits, even one whose JSON escapes every character.
    const c = '\u0001';
    const full: Dashboard = {
      version: 1,
      panels: Array.from({ length: DashboardLimits.MAX_PANELS }, (_, i) => ({
        id: `panel-${i}`,
        title: c.repeat(DashboardLimits.MAX_TITLE_CHARS),
        timeRange: '5m' as const,
        queries: Array.from({ length: DashboardLimits.MAX_QUERIES_PER_PANEL }, (_, j) => ({
          refId: String.fromCharCode(65 + j),
          expr: c.repeat(DashboardLimits.MAX_QUERY_CHARS),
          legendMode: 'custom' as const,
          legendFormat: c.repeat(DashboardLimits.MAX_LEGEND_CHARS),
        })),
      })),
    };
    expect((await call(gw, dashboardPath('d'), { method: 'PUT', body: full })).status).toBe(200);
    expect((await call(gw, dashboardPath('d'), { cookie: null })).status).toBe(401);
  });

  it('keeps a saved dashboard across a restart of the gateway on the same database file', async () => {
    const file = tempFile();
    const first = await gatewayOn(file);
    const cookie = first.gw.cookie;
    await call(first.gw, dashboardPath('d'), { method: 'PUT', body: built });
    await first.gw.close();
    first.db.close();
    const again = await gatewayOn(file);
    // The test gateway's sessions live in memory (a new secret after the restart), so the learner's
    // dashboard is read from the reopened file under their id.
    const store = new DashboardStore(again.db);
    expect(store.get(learnerIdOf(cookie), 'd')?.dashboard).toEqual({ ...built, version: 1 });
  });

  it("exports a Grafana model that type-checks as @grafana/schema's Dashboard (a broken one does not)", async () => {
    const { gw } = await gatewayOn(tempFile());
    await call(gw, dashboardPath('api-connections'), { method: 'PUT', body: built });
    const exported = await call(gw, grafanaExportPath('api-connections'));
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-disposition')).toBe('attachment; filename="patchbay-api-connections.grafana.json"');
    const model = exported.body;
    expect(model).toMatchObject({
      uid: 'patchbay-api-connections',
      title: 'API connections',
      time: { from: 'now-5m', to: 'now' },
      templating: { list: [{ name: 'DS_PROMETHEUS', type: 'datasource', query: 'prometheus' }] },
      panels: [
        {
          type: 'timeseries',
          title: 'API connections',
          gridPos: { x: 0, y: 0, w: 12, h: 8 },
          datasource: { type: 'prometheus', uid: '${DS_PROMETHEUS}' },
          targets: [
            { refId: 'A', expr: built.panels[0]!.queries[0]!.expr, legendFormat: '{{envoy_listener_address}}' },
            { refId: 'B', expr: built.panels[0]!.queries[1]!.expr, legendFormat: '__auto' },
          ],
        },
        { type: 'timeseries', title: 'Outbound', gridPos: { x: 12, y: 0, w: 12, h: 8 }, timeFrom: '15m', targets: [{ refId: 'A', legendFormat: '' }] },
      ],
    });
    const { schemaVersion: _dropped, ...noSchemaVersion } = model;
    const errors = await grafanaSchemaErrors({
      exported: model,
      missingSchemaVersion: noSchemaVersion,
      panelWithoutType: { ...model, panels: [{ ...model.panels[0], type: undefined }] },
    });
    expect(errors.exported).toEqual([]);
    expect(errors.missingSchemaVersion.join('\n')).toMatch(/schemaVersion/);
    expect(errors.panelWithoutType.join('\n')).toMatch(/TS\d+/);
  }, 240_000);
});
