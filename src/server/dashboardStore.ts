/**
 * Learners' dashboards in the gateway's database (database.ts, migration 4): one row per learner and
 * dashboard id with its panels as JSON, a version and when it was saved. The learner's, not their lab
 * instance's, so dashboards survive a reload, a reset lab and a new instance, like the progress.
 *
 * A save names the version it was made from; the stored version must be that one (0 when nothing is
 * stored yet) and the saved one is the next. A save from an older copy (another tab saved meanwhile) is
 * refused, never silently overwriting. Each save is one IMMEDIATE transaction: read and write under
 * the write lock, so two processes cannot both win.
 *
 *   const store = new DashboardStore(defaultDatabase());
 *   store.put(learner, 'api-connections', { version: 0, panels })   // { ok: true, dashboard: { version: 1, … } }
 */
import type { Dashboard, Panel } from '../protocol/dashboard.ts';
import { learnerKey, type Database } from './database.ts';

export interface StoredDashboard {
  dashboard: Dashboard;
  updatedAt: Date;
}

export type PutResult = { ok: true; dashboard: Dashboard } | { ok: false; conflict: true; storedVersion: number };

interface Row {
  dashboard: string;
  version: number;
  updated_at: number;
}

export class DashboardStore {
  private readonly statements;

  constructor(readonly db: Database) {
    const sql = db.sqlite;
    this.statements = {
      select: sql.prepare<[string, string]>('SELECT dashboard, version, updated_at FROM dashboards WHERE learner_id = ? AND dashboard_id = ?'),
      learner: sql.prepare<[string, number, number]>('INSERT INTO learners (id, created_at, last_seen_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING'),
      upsert: sql.prepare<{ learner: string; id: string; json: string; version: number; now: number }>(
        `INSERT INTO dashboards (learner_id, dashboard_id, dashboard, version, updated_at) VALUES (@learner, @id, @json, @version, @now)
         ON CONFLICT (learner_id, dashboard_id) DO UPDATE SET dashboard = @json, version = @version, updated_at = @now`,
      ),
    };
  }

  /** The learner's dashboard `id`, or null when they never saved one. */
  get(learnerId: string, id: string): StoredDashboard | null {
    const row = this.statements.select.get(learnerKey(learnerId), id) as Row | undefined;
    return row ? stored(row) : null;
  }

  /** Saves `dashboard` (already validated) when its version is the stored one; the saved copy has the next. */
  put(learnerId: string, id: string, dashboard: Dashboard, now = new Date()): PutResult {
    return this.db.write((): PutResult => {
      const learner = learnerKey(learnerId);
      const row = this.statements.select.get(learner, id) as Row | undefined;
      const storedVersion = row?.version ?? 0;
      if (dashboard.version !== storedVersion) return { ok: false, conflict: true, storedVersion };
      const t = now.getTime();
      this.statements.learner.run(learner, t, t);
      const saved: Dashboard = { version: storedVersion + 1, panels: dashboard.panels };
      this.statements.upsert.run({ learner, id, json: JSON.stringify({ panels: saved.panels }), version: saved.version, now: t });
      return { ok: true, dashboard: saved };
    });
  }
}

function stored(row: Row): StoredDashboard {
  const { panels } = JSON.parse(row.dashboard) as { panels: Panel[] };
  return { dashboard: { version: row.version, panels }, updatedAt: new Date(row.updated_at) };
}
