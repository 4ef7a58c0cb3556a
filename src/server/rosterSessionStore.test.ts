/**
 * DatabaseSessionStore on a real SQLite file: it answers as MemorySessionStore does for the same calls,
 * keeps sessions and revocations across a reopen, and puts every session's learner on the roster.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { learnerKey, openDatabase, type Database } from './database.ts';
import { Roster } from './roster.ts';
import { DatabaseSessionStore } from './rosterSessionStore.ts';
import { MemorySessionStore, type SessionRecord, type SessionStore } from './SessionStore.ts';

let dir: string;
const opened: Database[] = [];
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'pbs-sessions-'));
});
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(file = 'patchbay.db'): Database {
  const db = openDatabase(path.join(dir, file));
  opened.push(db);
  return db;
}

const session = (id: string, learnerId: string, address: string, t: number, name: string | null = null): SessionRecord => ({ id, learnerId, name, address, created: t, lastSeen: t });

/** The gateway's calls, with what each read answered. */
function scenario(store: SessionStore): unknown[] {
  const seen: unknown[] = [];
  store.put(session('s1', 'L1', '10.0.0.1', 1_000, 'Ada'));
  store.put(session('s2', 'L2', '10.0.0.1', 2_000));
  store.put(session('s3', 'L3', '10.0.0.2', 3_000, 'Cy'));
  store.touch('s1', 4_000);
  store.touch('s1', 5_000);
  store.touch('nope', 5_000);
  seen.push(store.get('s1'), store.get('nope'));
  seen.push(store.countSeenSince('10.0.0.1', 1_500), store.countSeenSince('10.0.0.1', 0), store.countSeenSince('10.0.0.9', 0));
  // A sign-in again from the same browser: the old session is revoked, a new one put.
  store.revoke('s2', 90_000);
  store.put(session('s4', 'L2', '10.0.0.1', 6_000, 'Bo'));
  seen.push(store.isRevoked('s2'), store.isRevoked('s4'), store.get('s2'));
  seen.push(store.list().sort((a, b) => a.id.localeCompare(b.id)));
  store.prune(3_500, 95_000); // s3 not seen since 3,000; the revocation ended at 90,000
  seen.push(store.list().map((r) => r.id).sort(), store.isRevoked('s2'));
  return seen;
}

describe('DatabaseSessionStore', () => {
  it('answers the gateway as MemorySessionStore does', () => {
    const expected = scenario(new MemorySessionStore());
    // Last-seen writes held back (10 s apart) or every one written: the same answers.
    expect(scenario(new DatabaseSessionStore(open('held.db'), { touchIntervalMs: 10_000 }))).toEqual(expected);
    expect(scenario(new DatabaseSessionStore(open('each.db'), { touchIntervalMs: 0 }))).toEqual(expected);
  });

  it('keeps sessions, their last seen and revocations across a reopen', () => {
    const first = new DatabaseSessionStore(open(), { touchIntervalMs: 60_000 });
    first.put(session('s1', 'L1', '10.0.0.1', 1_000, 'Ada'));
    first.touch('s1', 20_000); // held back by the interval…
    first.revoke('old', 99_000);
    first.flush(); // …and written on shutdown
    opened.pop()!.close();
    const again = new DatabaseSessionStore(open());
    expect(again.get('s1')).toEqual({ id: 's1', learnerId: 'L1', name: 'Ada', address: '10.0.0.1', created: 1_000, lastSeen: 20_000 });
    expect(again.isRevoked('old')).toBe(true);
  });

  it('puts each learner on the roster, following their latest sign-in and activity', () => {
    const db = open();
    const store = new DatabaseSessionStore(db, { touchIntervalMs: 0 });
    const roster = new Roster(db);
    store.put(session('s1', 'L1', '10.0.0.1', 1_000, 'Ada'));
    store.put(session('s2', 'L1', '10.0.0.5', 2_000)); // the same learner from elsewhere, no name given
    store.touch('s2', 3_000);
    expect(roster.list()).toMatchObject([{ key: learnerKey('L1'), name: 'Ada', address: '10.0.0.5', createdAt: 1_000, lastSeenAt: 3_000 }]);
    // Pruning sessions keeps the learner and their progress.
    store.prune(10_000, 10_000);
    expect(store.list()).toEqual([]);
    expect(roster.list()).toHaveLength(1);
  });
});

