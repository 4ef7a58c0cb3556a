/**
 * The progress store on a real SQLite file: the wire format the routes return, every update kept when
 * many arrive at once (in one process, and from two processes on one file), a restart, and the import
 * of the progress files earlier versions wrote.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { learnerKey, openDatabase, type Database } from './database.ts';
import { DIR_DATABASE_FILE, ProgressStore } from './progressStore.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dirs: string[] = [];
const opened: Database[] = [];
const processes: ChildProcess[] = [];
afterEach(() => {
  for (const c of processes.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const db of opened.splice(0)) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'pbp-progress-'));
  dirs.push(d);
  return d;
}

function open(file: string, importFrom?: string): Database {
  const db = openDatabase(file, importFrom === undefined ? {} : { importProgressFrom: importFrom });
  opened.push(db);
  return db;
}

describe('ProgressStore', () => {
  it('records attempts, the first pass and reveals per learner', async () => {
    const store = new ProgressStore(open(path.join(tempDir(), 'p.db')));
    await store.recordAttempt('s1', 'a', false);
    const passed = await store.recordAttempt('s1', 'a', true, new Date('2026-01-01T00:00:00Z'));
    await store.recordAttempt('s1', 'a', true, new Date('2026-01-02T00:00:00Z'));
    await store.markRevealed('s1', 'b');
    expect(await store.get('s1')).toEqual({
      a: { passed: true, passedAt: '2026-01-01T00:00:00.000Z', attempts: 3, revealed: false },
      b: { passed: false, attempts: 0, revealed: true },
    });
    expect(passed).toEqual({ passed: true, passedAt: '2026-01-01T00:00:00.000Z', attempts: 2, revealed: false });
    expect(await store.get('s2')).toEqual({});
  });

  it('keeps what the database knows beyond the wire format: passes, reveals and their times', async () => {
    const db = open(path.join(tempDir(), 'p.db'));
    const store = new ProgressStore(db);
    await store.recordAttempt('s', 'a', true, new Date(1000));
    await store.recordAttempt('s', 'a', false, new Date(2000));
    await store.recordAttempt('s', 'a', true, new Date(3000));
    await store.markRevealed('s', 'a', new Date(4000));
    await store.markRevealed('s', 'a', new Date(5000));
    expect(db.sqlite.prepare('SELECT * FROM challenge_progress').all()).toEqual([
      {
        learner_id: learnerKey('s'),
        challenge_id: 'a',
        attempts: 3,
        passes: 2,
        reveals: 2,
        first_attempt_at: 1000,
        last_attempt_at: 3000,
        first_passed_at: 1000,
        last_passed_at: 3000,
        first_revealed_at: 4000,
      },
    ]);
    // The learner's id is never stored as given.
    expect(db.sqlite.prepare('SELECT id FROM learners').pluck().all()).toEqual([learnerKey('s')]);
  });

  it('keeps every update when many arrive at once for one learner', async () => {
    const store = new ProgressStore(open(path.join(tempDir(), 'p.db')));
    await Promise.all(Array.from({ length: 25 }, (_, i) => store.recordAttempt('s', `c${i % 5}`, i % 2 === 0)));
    const all = await store.get('s');
    expect(Object.values(all).reduce((n, p) => n + p.attempts, 0)).toBe(25);
  });

  it('keeps every update when two processes write the same learner and challenge at once', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'p.db');
    open(file).close(); // created and migrated once, so both writers start from the same schema
    const script = path.join(dir, 'writer.mts');
    writeFileSync(
      script,
      `import { openDatabase } from ${JSON.stringify(path.join(ROOT, 'src/server/database.ts'))};
import { ProgressStore } from ${JSON.stringify(path.join(ROOT, 'src/server/progressStore.ts'))};
const store = new ProgressStore(openDatabase(${JSON.stringify(file)}));
// Start together: wait for the test's go on stdin.
process.stdout.write('ready\\n');
await new Promise((r) => process.stdin.once('data', r));
for (let i = 0; i < 300; i++) await store.recordAttempt('shared', 'c', i % 2 === 0);
process.stdout.write('done\\n');
`,
    );
    const children = [0, 1].map(() => spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] }));
    processes.push(...children);
    await Promise.all(children.map((c) => new Promise((r) => c.stdout!.once('data', r))));
    for (const c of children) c.stdin!.end('go\n'); // ended, so stdin keeps neither writer alive after its loop
    const codes = await Promise.all(children.map((c) => new Promise<number | null>((r) => c.once('exit', r))));
    expect(codes).toEqual([0, 0]);
    const progress = await new ProgressStore(open(file)).get('shared');
    expect(progress.c).toMatchObject({ attempts: 600, passed: true });
  });

  it('survives a restart: a new store on the same file reads what the old one wrote', async () => {
    const file = path.join(tempDir(), 'p.db');
    const first = open(file);
    await new ProgressStore(first).recordAttempt('learner', 'x', true);
    first.close();
    expect((await new ProgressStore(open(file)).get('learner')).x?.passed).toBe(true);
  });

  it('imports the progress files of earlier versions once, and renames them', async () => {
    const dir = tempDir();
    const legacy = path.join(dir, 'progress');
    const dbFile = path.join(dir, 'var', 'patchbay.db');
    // Files as the earlier ProgressStore wrote them: named by the hash of the session id.
    mkdirSync(legacy);
    const ada = path.join(legacy, `${learnerKey('ada-session')}.json`);
    writeFileSync(
      ada,
      JSON.stringify({
        version: 1,
        challenges: {
          'rate-1': { passed: true, passedAt: '2026-03-01T10:00:00.000Z', attempts: 4, revealed: false },
          'sum-2': { passed: false, attempts: 2, revealed: true },
        },
      }),
    );
    utimesSync(ada, new Date('2026-03-01T11:00:00Z'), new Date('2026-03-01T11:00:00Z'));
    writeFileSync(path.join(legacy, `${learnerKey('bob-session')}.json`), JSON.stringify({ version: 1, challenges: {} }));
    const broken = `${learnerKey('broken')}.json`;
    writeFileSync(path.join(legacy, broken), '{"version": 1, "challenges": {"x": {"pas');
    writeFileSync(path.join(legacy, `${learnerKey('ada-session')}.json.123abc.tmp`), 'half a write'); // a killed writer's temp file

    const db = open(dbFile, legacy);
    expect(db.importReport).toMatchObject({ files: 2, challenges: 2, skipped: [{ file: broken }] });
    const store = new ProgressStore(db);
    expect(await store.get('ada-session')).toEqual({
      'rate-1': { passed: true, passedAt: '2026-03-01T10:00:00.000Z', attempts: 4, revealed: false },
      'sum-2': { passed: false, attempts: 2, revealed: true },
    });
    // The learner row carries the file's time; the import is recorded.
    expect(db.sqlite.prepare('SELECT created_at FROM learners WHERE id = ?').pluck().get(learnerKey('ada-session'))).toBe(Date.parse('2026-03-01T11:00:00Z'));
    expect(db.sqlite.prepare('SELECT count(*) FROM imported_progress_files').pluck().get()).toBe(2);
    expect(readdirSync(legacy).sort()).toEqual(
      [`${learnerKey('ada-session')}.json.imported`, `${learnerKey('ada-session')}.json.123abc.tmp`, `${learnerKey('bob-session')}.json.imported`, broken].sort(),
    );

    // The learner keeps going from there; a second start imports nothing again.
    await store.recordAttempt('ada-session', 'sum-2', true);
    db.close();
    const again = open(dbFile, legacy);
    expect(again.importReport).toMatchObject({ files: 0, skipped: [{ file: broken }] });
    expect((await new ProgressStore(again).get('ada-session'))['sum-2']).toMatchObject({ attempts: 3, passed: true, revealed: true });
  });

  it('imports nothing twice when the process died between the commit and the renames', async () => {
    const dir = tempDir();
    const name = `${learnerKey('carol')}.json`;
    writeFileSync(path.join(dir, name), JSON.stringify({ version: 1, challenges: { a: { passed: false, attempts: 1, revealed: false } } }));
    const file = path.join(dir, 'p.db');
    open(file, dir).close();
    // Put the file back as if the rename had not happened.
    renameSync(path.join(dir, `${name}.imported`), path.join(dir, name));
    const db = open(file, dir);
    expect((await new ProgressStore(db).get('carol')).a?.attempts).toBe(1);
    expect(existsSync(path.join(dir, `${name}.imported`))).toBe(true);
  });

  it('given a directory, keeps its database file there and imports the files beside it', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, `${learnerKey('dan')}.json`), JSON.stringify({ version: 1, challenges: { a: { passed: true, attempts: 1, revealed: false } } }));
    const store = new ProgressStore(dir);
    opened.push(store.db);
    expect((await store.get('dan')).a?.passed).toBe(true);
    expect(existsSync(path.join(dir, DIR_DATABASE_FILE))).toBe(true);
  });
});
