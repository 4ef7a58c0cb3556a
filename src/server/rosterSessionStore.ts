/**
 * The gateway's SessionStore (SessionStore.ts) in the database: sessions and revocations outlive a
 * restart, and every session is also a learner on the roster (roster.ts), whose name, address and last
 * seen follow the session's.
 *
 * The gateway calls get and touch on every request: touch writes at most once per session per
 * `touchIntervalMs` and keeps the latest time in memory meanwhile; every read (get, list,
 * countSeenSince) sees it, flushing first where it queries the file.
 *
 *   createGateway({ ..., auth: { store: new DatabaseSessionStore(defaultDatabase()) } })
 */
import { learnerKey, type Database } from './database.ts';
import { cleanText, RosterLimits } from './roster.ts';
import type { SessionRecord, SessionStore } from './SessionStore.ts';
import { ThrottledTouches } from './ThrottledTouches.ts';

interface SessionRow {
  id: string;
  learner: string;
  display_name: string | null;
  client_address: string;
  created_at: number;
  last_seen_at: number;
}

export interface DatabaseSessionStoreOptions {
  touchIntervalMs?: number;
}

export class DatabaseSessionStore implements SessionStore {
  /** Last-seen times by session id (and the session's learner), written at most once per interval. */
  private readonly touches: ThrottledTouches;
  private readonly s;

  constructor(
    readonly db: Database,
    options: DatabaseSessionStoreOptions = {},
  ) {
    const sql = db.sqlite;
    const columns = 'id, learner, display_name, client_address, created_at, last_seen_at';
    this.s = {
      get: sql.prepare<[string]>(`SELECT ${columns} FROM sessions WHERE id = ?`),
      list: sql.prepare(`SELECT ${columns} FROM sessions ORDER BY created_at, id`),
      learner: sql.prepare<{ key: string; name: string | null; address: string; now: number; created: number }>(
        `INSERT INTO learners (id, display_name, client_address, created_at, last_seen_at) VALUES (@key, @name, @address, @created, @now)
         ON CONFLICT (id) DO UPDATE SET
           display_name = coalesce(@name, display_name),
           client_address = @address,
           last_seen_at = max(last_seen_at, @now)`,
      ),
      put: sql.prepare<{ id: string; learner: string; key: string; name: string | null; address: string; created: number; now: number }>(
        `INSERT INTO sessions (id, learner, learner_id, display_name, client_address, created_at, last_seen_at)
         VALUES (@id, @learner, @key, @name, @address, @created, @now)
         ON CONFLICT (id) DO UPDATE SET learner = @learner, learner_id = @key, display_name = @name, client_address = @address,
           created_at = @created, last_seen_at = @now`,
      ),
      touch: sql.prepare<[number, string]>('UPDATE sessions SET last_seen_at = max(last_seen_at, ?) WHERE id = ?'),
      touchLearner: sql.prepare<[number, string]>('UPDATE learners SET last_seen_at = max(last_seen_at, ?) WHERE id = (SELECT learner_id FROM sessions WHERE id = ?)'),
      remove: sql.prepare<[string]>('DELETE FROM sessions WHERE id = ?'),
      revoke: sql.prepare<[string, number]>('INSERT INTO revoked_sessions (id, until) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET until = max(until, excluded.until)'),
      isRevoked: sql.prepare<[string]>('SELECT 1 FROM revoked_sessions WHERE id = ?').pluck(),
      count: sql.prepare<[string, number]>('SELECT count(*) FROM sessions WHERE client_address = ? AND last_seen_at >= ?').pluck(),
      pruneSessions: sql.prepare<[number]>('DELETE FROM sessions WHERE last_seen_at < ?'),
      pruneRevoked: sql.prepare<[number]>('DELETE FROM revoked_sessions WHERE until < ?'),
    };
    this.touches = new ThrottledTouches(options.touchIntervalMs ?? RosterLimits.touchIntervalMs, (times) =>
      this.db.write(() => {
        for (const [id, t] of times) {
          this.s.touch.run(t, id);
          this.s.touchLearner.run(t, id);
        }
      }),
    );
  }

  get(id: string): SessionRecord | undefined {
    const row = this.s.get.get(id) as SessionRow | undefined;
    if (!row) return undefined;
    const record = toRecord(row);
    const pending = this.touches.pendingTime(id);
    if (pending !== undefined && pending > record.lastSeen) record.lastSeen = pending;
    return record;
  }

  /** A sign-in: the session, and its learner on the roster (name and address follow the latest sign-in). */
  put(record: SessionRecord): void {
    const key = learnerKey(record.learnerId);
    const name = cleanText(record.name, RosterLimits.maxDisplayNameChars);
    this.db.write(() => {
      this.s.learner.run({ key, name, address: record.address, now: record.lastSeen, created: record.created });
      this.s.put.run({ id: record.id, learner: record.learnerId, key, name, address: record.address, created: record.created, now: record.lastSeen });
    });
    this.touches.wrote(record.id, record.lastSeen);
  }

  touch(id: string, now: number): void {
    this.touches.touch(id, now);
  }

  revoke(id: string, until: number): void {
    this.touches.forget(id);
    this.db.write(() => {
      this.s.remove.run(id);
      this.s.revoke.run(id, until);
    });
  }

  isRevoked(id: string): boolean {
    return this.s.isRevoked.get(id) !== undefined;
  }

  countSeenSince(address: string, since: number): number {
    this.flush();
    return this.s.count.get(address, since) as number;
  }

  list(): SessionRecord[] {
    this.flush();
    return (this.s.list.all() as SessionRow[]).map(toRecord);
  }

  /** Forgets sessions not seen since `before` (their learners stay on the roster) and ended revocations. */
  prune(before: number, now: number): void {
    this.flush();
    this.db.write(() => {
      this.s.pruneSessions.run(before);
      this.s.pruneRevoked.run(now);
    });
    this.touches.forgetWrittenBefore(before);
  }

  /** Writes the last-seen times held back by `touch`. */
  flush(): void {
    this.touches.flush();
  }
}

function toRecord(row: SessionRow): SessionRecord {
  return { id: row.id, learnerId: row.learner, name: row.display_name, address: row.client_address, created: row.created_at, lastSeen: row.last_seen_at };
}
