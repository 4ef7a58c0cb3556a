/**
 * The database file on disk: migrations from an empty file and from the version before, a file newer
 * than the code refused untouched, and a writer SIGKILLed mid-loop losing nothing it had committed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Sqlite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseTooNewError, learnerKey, MIGRATIONS, openDatabase, sharedDatabase, type Database } from './database.ts';
import { ProgressStore } from './progressStore.ts';
import { Roster } from './roster.ts';
import { DatabaseSessionStore } from './rosterSessionStore.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dirs: string[] = [];
const opened: Database[] = [];
const processes: ChildProcess[] = [];
afterEach(() => {
  for (const c of processes.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const db of opened.splice(0)) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempFile(name = 'patchbay.db'): string {
  const d = mkdtempSync(path.join(tmpdir(), 'pbdb-'));
  dirs.push(d);
  return path.join(d, name);
}

function open(file: string, migrations = MIGRATIONS): Database {
  const db = openDatabase(file, { migrations });
  opened.push(db);
  return db;
}

const tables = (db: Database) => db.sqlite.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all();

describe('openDatabase', () => {
  it('creates a file at the latest version, owner-only, in WAL mode with foreign keys on', () => {
    const file = tempFile();
    const db = open(path.join(path.dirname(file), 'sub', 'dir', 'p.db')); // makes the directories
    expect(db.version).toBe(MIGRATIONS.length);
    expect(tables(db)).toEqual(['challenge_progress', 'dashboards', 'imported_progress_files', 'instance_assignments', 'invites', 'learners', 'revoked_sessions', 'sessions']);
    expect(db.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.sqlite.pragma('synchronous', { simple: true })).toBe(1); // NORMAL (database.ts says why)
    expect(db.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(statSync(db.file).mode & 0o777).toBe(0o600);
    expect(() => db.sqlite.prepare("INSERT INTO challenge_progress (learner_id, challenge_id) VALUES ('nobody', 'x')").run()).toThrow(/FOREIGN KEY/);
  });

  it('migrates a file from the version before, keeping its data', async () => {
    const file = tempFile();
    const old = open(file, MIGRATIONS.slice(0, -1));
    expect(old.version).toBe(MIGRATIONS.length - 1);
    await new ProgressStore(old).recordAttempt('ada', 'rate-1', true, new Date(1000));
    // The roster needs the latest schema; the version before had the learners table already.
    old.sqlite.prepare('UPDATE learners SET display_name = ? WHERE id = ?').run('Ada', learnerKey('ada'));
    old.close();

    const db = open(file);
    expect(db.version).toBe(MIGRATIONS.length);
    expect(await new ProgressStore(db).get('ada')).toEqual({ 'rate-1': { passed: true, passedAt: new Date(1000).toISOString(), attempts: 1, revealed: false } });
    // What the last migration added works on the old data: ada signs in again and keeps her row.
    new DatabaseSessionStore(db).put({ id: 'sid-2', learnerId: 'ada', name: null, address: '10.0.0.3', created: 3000, lastSeen: 3000 });
    expect(new Roster(db).list()).toMatchObject([{ key: learnerKey('ada'), name: 'Ada', address: '10.0.0.3', lastSeenAt: 3000, progress: { passed: 1 } }]);
  });

  it('applies each migration once, in a transaction with its version: a failing one leaves the file as it was', () => {
    const file = tempFile();
    open(file, MIGRATIONS.slice(0, 1)).close();
    const broken = [...MIGRATIONS.slice(0, 1), { version: 2, name: 'broken', sql: 'CREATE TABLE half (x INTEGER) STRICT; CREATE TABLE oops (' }];
    expect(() => openDatabase(file, { migrations: broken })).toThrow(/migration 2 \(broken\) failed, nothing of it was applied/);
    const db = open(file, MIGRATIONS.slice(0, 1));
    expect(db.version).toBe(1);
    expect(tables(db)).not.toContain('half');
    expect(() => openDatabase(file, { migrations: [MIGRATIONS[1]!] })).toThrow(/has version 2, expected 1/);
  });

  it('refuses a file newer than the code, with a clear error, and leaves it untouched', () => {
    const file = tempFile();
    open(file).close();
    const raw = new Sqlite(file);
    raw.pragma(`user_version = ${MIGRATIONS.length + 3}`);
    raw.close();
    const before = readFileSync(file);
    let error: unknown;
    try {
      openDatabase(file);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DatabaseTooNewError);
    expect((error as Error).message).toBe(
      `${file} has database schema version ${MIGRATIONS.length + 3}, newer than the ${MIGRATIONS.length} this Patchbay knows: a newer Patchbay wrote it. ` +
        'Run that version, or point PATCHBAY_DATABASE at another file; this one is left untouched.',
    );
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('shares one connection per file in a process, and opens a closed one again', () => {
    const file = tempFile();
    const a = sharedDatabase(file);
    opened.push(a);
    expect(sharedDatabase(path.join(path.dirname(file), '.', 'patchbay.db'))).toBe(a);
    a.close();
    const b = sharedDatabase(file);
    opened.push(b);
    expect(b).not.toBe(a);
    expect(b.open).toBe(true);
  });

  it('loses nothing committed when the writer is SIGKILLed mid-write, several times over', async () => {
    const file = tempFile();
    const dir = path.dirname(file);
    // .mts: the temp dir has no package.json saying "module", and the writer uses top-level await.
    const script = path.join(dir, 'writer.mts');
    // What the writer has committed, written synchronously after each commit: its stdout only says when
    // to kill it, since a pipe the test reads slowly makes Node queue stdout writes behind the commits.
    const reportFile = path.join(dir, 'committed.txt');
    writeFileSync(
      script,
      `import { appendFileSync } from 'node:fs';
import { openDatabase } from ${JSON.stringify(path.join(ROOT, 'src/server/database.ts'))};
import { ProgressStore } from ${JSON.stringify(path.join(ROOT, 'src/server/progressStore.ts'))};
import { Roster } from ${JSON.stringify(path.join(ROOT, 'src/server/roster.ts'))};
const db = openDatabase(${JSON.stringify(file)});
const store = new ProgressStore(db);
const roster = new Roster(db);
const round = process.argv[2];
for (let i = 0; ; i++) {
  // Progress on one challenge, and a roster write, each a commit; reported only once committed.
  const p = await store.recordAttempt('victim', 'c', i % 3 === 0);
  roster.setLesson('victim', 'round-' + round + '-' + i);
  appendFileSync(${JSON.stringify(reportFile)}, 'committed ' + p.attempts + ' ' + i + '\\n');
  process.stdout.write('.');
}
`,
    );
    let total = 0;
    for (let round = 0; round < 4; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', script, String(round)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      processes.push(child);
      let out = '';
      const enough = 50 + Math.floor(Math.random() * 400);
      // Kill it without warning once it has reported a random number of commits: mid-loop, mid-write.
      const exited = new Promise<void>((resolve) => {
        child.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.length >= enough) child.kill('SIGKILL');
        });
        child.once('exit', () => resolve());
      });
      await exited;
      expect(child.signalCode).toBe('SIGKILL');
      const reports = readFileSync(reportFile, 'utf8').split('\n').filter((l) => /^committed \d+ \d+$/.test(l));
      rmSync(reportFile);
      const [attempts, i] = reports.at(-1)!.split(' ').slice(1).map(Number) as [number, number];
      expect(attempts).toBe(total + i + 1);

      const db = open(file);
      expect(db.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
      const stored = (await new ProgressStore(db).get('victim')).c!.attempts;
      // Every reported commit is there; at most the one after it (committed, killed before reporting).
      expect(stored).toBeGreaterThanOrEqual(attempts);
      expect(stored).toBeLessThanOrEqual(attempts + 1);
      // The roster write reported with it is there too.
      const lesson = new Roster(db).get('victim')!.lesson!;
      expect([`round-${round}-${i}`, `round-${round}-${i + 1}`]).toContain(lesson);
      db.close();
      total = stored;
    }
    expect(total).toBeGreaterThanOrEqual(200);
  });
});
