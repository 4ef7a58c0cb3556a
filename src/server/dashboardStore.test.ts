/**
 * Learners' dashboards on a real SQLite file: a save counts the version on and a save from an older copy
 * is refused (nothing overwritten); learners never see each other's; a dashboard survives closing and
 * reopening the file (a gateway restart) and a file migrated from the schema before; what a save may
 * hold is bounded by DashboardLimits; a lab's dashboards.yaml gives starting dashboards or positioned errors.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DashboardLimits, type Dashboard, type Panel } from '../protocol/dashboard.ts';
import { MIGRATIONS, openDatabase, type Database } from './database.ts';
import { parseDashboard } from './dashboardSchema.ts';
import { parseDashboardStarts } from './dashboardStarts.ts';
import { DashboardStore } from './dashboardStore.ts';

const dirs: string[] = [];
const opened: Database[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempFile(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'pbp-dashboards-'));
  dirs.push(d);
  return path.join(d, 'patchbay.db');
}

function open(file: string, migrations = MIGRATIONS): Database {
  const db = openDatabase(file, { migrations });
  opened.push(db);
  return db;
}

const panel: Panel = {
  id: 'api',
  title: 'API connections',
  timeRange: '5m',
  queries: [
    { refId: 'A', expr: 'envoy_listener_downstream_cx_active{envoy_listener_address="0.0.0.0_8080"}', legendMode: 'custom', legendFormat: '{{envoy_listener_address}}' },
    { refId: 'B', expr: 'rate(envoy_listener_downstream_cx_total[$__rate_interval])', legendMode: 'auto' },
  ],
};

describe('DashboardStore', () => {
  it('saves from version 0, counts the version on, and refuses a save from an older copy', () => {
    const store = new DashboardStore(open(tempFile()));
    expect(store.get('learner-1', 'api-connections')).toBeNull();
    const first = store.put('learner-1', 'api-connections', { version: 0, panels: [panel] });
    expect(first).toEqual({ ok: true, dashboard: { version: 1, panels: [panel] } });
    const second = store.put('learner-1', 'api-connections', { version: 1, panels: [{ ...panel, title: 'Renamed' }] });
    expect(second.ok && second.dashboard.version).toBe(2);
    // Another tab still holding version 1 (or a fresh page's 0) does not overwrite version 2.
    expect(store.put('learner-1', 'api-connections', { version: 1, panels: [] })).toEqual({ ok: false, conflict: true, storedVersion: 2 });
    expect(store.put('learner-1', 'api-connections', { version: 0, panels: [] })).toEqual({ ok: false, conflict: true, storedVersion: 2 });
    expect(store.put('learner-1', 'api-connections', { version: 7, panels: [] })).toEqual({ ok: false, conflict: true, storedVersion: 2 });
    expect(store.get('learner-1', 'api-connections')?.dashboard).toEqual({ version: 2, panels: [{ ...panel, title: 'Renamed' }] });
  });

  it("keeps each learner's dashboards and each dashboard id apart", () => {
    const store = new DashboardStore(open(tempFile()));
    store.put('learner-1', 'api-connections', { version: 0, panels: [panel] });
    expect(store.get('learner-2', 'api-connections')).toBeNull();
    expect(store.get('learner-1', 'other')).toBeNull();
    expect(store.put('learner-2', 'api-connections', { version: 0, panels: [] }).ok).toBe(true);
    expect(store.get('learner-1', 'api-connections')?.dashboard.panels).toEqual([panel]);
  });

  it('survives closing and reopening the database file', () => {
    const file = tempFile();
    const db = open(file);
    new DashboardStore(db).put('learner-1', 'api-connections', { version: 0, panels: [panel] });
    db.close();
    const again = new DashboardStore(open(file));
    const got = again.get('learner-1', 'api-connections');
    expect(got?.dashboard).toEqual({ version: 1, panels: [panel] });
    expect(got?.updatedAt).toBeInstanceOf(Date);
    expect(again.put('learner-1', 'api-connections', { version: 1, panels: [] }).ok).toBe(true);
  });

  it('works on a file migrated from the schema before dashboards', () => {
    const file = tempFile();
    open(file, MIGRATIONS.slice(0, 3)).close();
    const db = open(file);
    expect(db.version).toBe(MIGRATIONS.length);
    const store = new DashboardStore(db);
    expect(store.put('learner-1', 'd', { version: 0, panels: [panel] }).ok).toBe(true);
  });
});

describe('parseDashboard (what PUT accepts)', () => {
  const ok = (d: unknown) => parseDashboard(d).ok;
  const dashboard = (panels: Panel[]): Dashboard => ({ version: 0, panels });

  it('accepts a dashboard within the limits', () => {
    expect(ok(dashboard([panel]))).toBe(true);
    expect(ok(dashboard(Array.from({ length: DashboardLimits.MAX_PANELS }, (_, i) => ({ ...panel, id: `p${i}` }))))).toBe(true);
  });

  it('refuses what is beyond the limits, with the reason', () => {
    const tooMany = dashboard(Array.from({ length: DashboardLimits.MAX_PANELS + 1 }, (_, i) => ({ ...panel, id: `p${i}` })));
    expect(parseDashboard(tooMany)).toEqual({ ok: false, message: expect.stringMatching(/panels: Array must contain at most 12/) });
    const queries = Array.from({ length: DashboardLimits.MAX_QUERIES_PER_PANEL + 1 }, (_, i) => ({ refId: String.fromCharCode(65 + i), expr: 'up', legendMode: 'auto' as const }));
    expect(ok(dashboard([{ ...panel, queries }]))).toBe(false);
    expect(ok(dashboard([{ ...panel, title: 'x'.repeat(DashboardLimits.MAX_TITLE_CHARS + 1) }]))).toBe(false);
    expect(ok(dashboard([{ ...panel, queries: [{ refId: 'A', expr: 'x'.repeat(DashboardLimits.MAX_QUERY_CHARS + 1), legendMode: 'auto' }] }]))).toBe(false);
    expect(ok(dashboard([{ ...panel, queries: [{ refId: 'A', expr: 'up', legendMode: 'custom', legendFormat: 'x'.repeat(DashboardLimits.MAX_LEGEND_CHARS + 1) }] }]))).toBe(false);
  });

  it('refuses malformed dashboards: duplicate ids and refIds, unknown keys, bad ranges and modes', () => {
    expect(ok(dashboard([panel, panel]))).toBe(false);
    expect(ok(dashboard([{ ...panel, queries: [panel.queries[0]!, { ...panel.queries[1]!, refId: 'A' }] }]))).toBe(false);
    expect(ok(dashboard([{ ...panel, id: 'Not An Id' }]))).toBe(false);
    expect(ok(dashboard([{ ...panel, timeRange: '2d' as never }]))).toBe(false);
    expect(ok(dashboard([{ ...panel, queries: [{ refId: 'A', expr: 'up', legendMode: 'fancy' as never }] }]))).toBe(false);
    expect(ok({ ...dashboard([]), extra: 1 })).toBe(false);
    expect(ok({ version: -1, panels: [] })).toBe(false);
    expect(ok(null)).toBe(false);
  });
});

describe("a lab's dashboards.yaml", () => {
  it('gives starting dashboards by id', () => {
    const r = parseDashboardStarts(
      `dashboards:
  api-connections:
    title: API connections
    panels:
      - id: api
        title: API connections
        timeRange: 5m
        queries:
          - { refId: A, expr: 'up', legendMode: custom, legendFormat: '{{job}}' }
`,
      'dashboards.yaml',
    );
    expect(r.ok && Object.fromEntries(r.starts)).toEqual({
      'api-connections': { title: 'API connections', panels: [{ id: 'api', title: 'API connections', timeRange: '5m', queries: [{ refId: 'A', expr: 'up', legendMode: 'custom', legendFormat: '{{job}}' }] }] },
    });
  });

  it('reports a mistake at its line', () => {
    const r = parseDashboardStarts('dashboards:\n  api:\n    panels:\n      - id: api\n        title: t\n        timeRange: 2d\n        queries: []\n', 'dashboards.yaml');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors[0]).toMatchObject({ file: 'dashboards.yaml', line: 6 });
  });
});
