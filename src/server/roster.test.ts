/**
 * The roster on a real SQLite file: sessions recorded and updated, last-seen writes throttled but never
 * stale in what is read, names cleaned, instances assigned one to one, the progress summary, and the
 * CSV export read back by an RFC 4180 parser.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { learnerKey, openDatabase, type Database } from './database.ts';
import { ProgressStore } from './progressStore.ts';
import { cleanText, csvField, Roster } from './roster.ts';

let dir: string;
let db: Database;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'pbr-roster-'));
  db = openDatabase(path.join(dir, 'patchbay.db'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const lastSeenInFile = (id: string) => db.sqlite.prepare('SELECT last_seen_at FROM learners WHERE id = ?').pluck().get(learnerKey(id));

/** RFC 4180 records: quoted fields may hold commas, doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), (i += 2);
      else if (ch === '"') (quoted = false), i++;
      else (field += ch), i++;
    } else if (ch === '"' && field === '') (quoted = true), i++;
    else if (ch === ',') row.push(field), (field = ''), i++;
    else if (ch === '\r' && text[i + 1] === '\n') row.push(field), rows.push(row), (row = []), (field = ''), (i += 2);
    else if (ch === '"' || ch === '\r' || ch === '\n') throw new Error(`bare ${JSON.stringify(ch)} at ${i}`);
    else (field += ch), i++;
  }
  if (field !== '' || row.length > 0) throw new Error('last record does not end with CRLF');
  return rows;
}

describe('Roster', () => {
  it('records a session once and updates it on the next sign-in, keeping what is not given', () => {
    const roster = new Roster(db);
    const first = roster.recordSession('lid-ada', { name: 'Ada', address: '10.0.0.7', now: 1000 });
    expect(first).toEqual({
      key: learnerKey('lid-ada'),
      name: 'Ada',
      address: '10.0.0.7',
      createdAt: 1000,
      lastSeenAt: 1000,
      lesson: null,
      revokedAt: null,
      instance: null,
      progress: { tried: 0, passed: 0, attempts: 0, reveals: 0, lastAttemptAt: null },
    });
    const again = roster.recordSession('lid-ada', { address: '10.0.0.8', now: 5000 });
    expect(again).toMatchObject({ name: 'Ada', address: '10.0.0.8', createdAt: 1000, lastSeenAt: 5000 });
    roster.setLesson('lid-ada', 'course/lesson-3', 6000);
    roster.setDisplayName('lid-ada', '  Ada L.  ');
    expect(roster.get('lid-ada')).toMatchObject({ name: 'Ada L.', lesson: 'course/lesson-3', lastSeenAt: 6000 });
    expect(roster.get('nobody')).toBeNull();
  });

  it('writes last seen at most once per interval, yet reads it current', () => {
    const roster = new Roster(db, { touchIntervalMs: 10_000 });
    roster.recordSession('s', { now: 0 });
    roster.touch('s', 4_000);
    expect(lastSeenInFile('s')).toBe(0); // held back
    roster.touch('s', 10_500);
    expect(lastSeenInFile('s')).toBe(10_500); // interval passed: written
    roster.touch('s', 12_000);
    expect(lastSeenInFile('s')).toBe(10_500);
    expect(roster.list()[0]!.lastSeenAt).toBe(12_000); // list writes the pending one first
    expect(lastSeenInFile('s')).toBe(12_000);
    roster.touch('s', 13_000);
    roster.flush();
    expect(lastSeenInFile('s')).toBe(13_000);
    // A late, older time never moves last seen back.
    roster.touch('s', 100_000);
    roster.touch('s', 50_000);
    roster.flush();
    expect(roster.get('s')!.lastSeenAt).toBe(100_000);
  });

  it('cleans display names: control and bidi-override characters dropped, cut to length, empty is none', () => {
    expect(cleanText('  Ada\u0000\u001b[31m\u202e  ', 64)).toBe('Ada[31m');
    expect(cleanText('x'.repeat(100), 64)).toHaveLength(64);
    expect(cleanText('🙂'.repeat(70), 64)).toBe('🙂'.repeat(64)); // code points, never half a pair
    expect(cleanText(' \t\n ', 64)).toBeNull();
    const roster = new Roster(db);
    roster.recordSession('s', { name: '\u0007' });
    expect(roster.get('s')!.name).toBeNull();
  });

  it('revokes once: the first time counts', () => {
    const roster = new Roster(db);
    roster.recordSession('s', { now: 1 });
    expect(roster.isRevoked('s')).toBe(false);
    roster.revoke('s', 100);
    roster.revokeKey(learnerKey('s'), 200);
    expect(roster.get('s')!.revokedAt).toBe(100);
    expect(roster.isRevoked('s')).toBe(true);
  });

  it('assigns instances one to one and keeps the history', () => {
    const roster = new Roster(db);
    roster.recordSession('ada', { now: 1 });
    roster.assignInstance('ada', 'pb1', 10);
    roster.assignInstance('bob', 'pb2', 20); // a learner not recorded yet gets a row
    expect(roster.instanceOf('ada')).toEqual({ instanceId: 'pb1', assignedAt: 10, releasedAt: null, releaseReason: null });
    // pb1 goes to bob: ada no longer holds it, and bob's pb2 is released.
    roster.assignInstance('bob', 'pb1', 30);
    expect(roster.instanceOf('ada')).toBeNull();
    expect(roster.lastInstanceOf('ada')).toEqual({ instanceId: 'pb1', assignedAt: 10, releasedAt: 30, releaseReason: 'replaced' });
    expect(roster.instanceOf('bob')?.instanceId).toBe('pb1');
    roster.releaseInstance('bob', 'idle', 40);
    expect(roster.instanceOf('bob')).toBeNull();
    expect(roster.lastInstanceOf('bob')).toMatchObject({ instanceId: 'pb1', releasedAt: 40, releaseReason: 'idle' });
    roster.assignInstance('ada', 'pb3', 50);
    roster.releaseInstanceById('pb3', 'instructor', 60);
    expect(roster.lastInstanceOf('ada')).toMatchObject({ instanceId: 'pb3', releaseReason: 'instructor' });
    // The database holds the rule too: never two live rows for one instance.
    expect(() =>
      db.sqlite.prepare('INSERT INTO instance_assignments (learner_id, instance_id, assigned_at) VALUES (?, ?, ?), (?, ?, ?)').run(learnerKey('ada'), 'pb9', 1, learnerKey('bob'), 'pb9', 1),
    ).toThrow(/UNIQUE/);
  });

  it('lists every learner with their live instance and a progress summary', async () => {
    const roster = new Roster(db);
    const progress = new ProgressStore(db);
    roster.recordSession('ada', { name: 'Ada', now: 1 });
    roster.recordSession('bob', { name: 'Bob', now: 2 });
    await progress.recordAttempt('ada', 'a', false, new Date(10));
    await progress.recordAttempt('ada', 'a', true, new Date(20));
    await progress.recordAttempt('ada', 'b', false, new Date(30));
    await progress.markRevealed('ada', 'b', new Date(40));
    await progress.markRevealed('ada', 'c', new Date(50)); // revealed, never tried
    await progress.recordAttempt('carol', 'a', true, new Date(60)); // progress before any sign-in
    roster.assignInstance('bob', 'pb7', 70);
    expect(roster.list().map((e) => [e.name, e.instance?.instanceId ?? null, e.progress])).toEqual([
      ['Ada', null, { tried: 2, passed: 1, attempts: 3, reveals: 2, lastAttemptAt: 30 }],
      ['Bob', 'pb7', { tried: 0, passed: 0, attempts: 0, reveals: 0, lastAttemptAt: null }],
      [null, null, { tried: 1, passed: 1, attempts: 1, reveals: 0, lastAttemptAt: 60 }],
    ]);
  });

  it('exports progress as CSV that an RFC 4180 parser reads back exactly, formulas defused', async () => {
    const roster = new Roster(db);
    const progress = new ProgressStore(db);
    const tricky = 'O"Brien, Ann';
    const challenge = 'rate, "quoted"\r\nover two lines'; // names lose line breaks (cleanText); ids keep theirs
    roster.recordSession('ann', { name: tricky, address: '2001:db8::1', now: Date.parse('2026-05-01T09:00:00Z') });
    roster.recordSession('eve', { name: '=HYPERLINK("http://x","y")', now: Date.parse('2026-05-01T09:01:00Z') });
    roster.setLesson('ann', 'course/lesson-2', Date.parse('2026-05-01T09:05:00Z'));
    await progress.recordAttempt('ann', challenge, true, new Date('2026-05-01T09:10:00Z'));
    await progress.markRevealed('ann', 'sum', new Date('2026-05-01T09:20:00Z'));

    const csv = roster.progressCsv();
    const rows = parseCsv(csv);
    expect(rows[0]).toEqual([
      'learner',
      'name',
      'address',
      'lesson',
      'first_seen',
      'last_seen',
      'revoked',
      'challenge',
      'attempts',
      'passed',
      'passes',
      'reveals',
      'first_attempt',
      'last_attempt',
      'first_passed',
      'first_revealed',
    ]);
    expect(rows.slice(1)).toEqual([
      [
        learnerKey('ann'),
        tricky,
        '2001:db8::1',
        'course/lesson-2',
        '2026-05-01T09:00:00.000Z',
        '2026-05-01T09:05:00.000Z',
        '',
        challenge,
        '1',
        'yes',
        '1',
        '0',
        '2026-05-01T09:10:00.000Z',
        '2026-05-01T09:10:00.000Z',
        '2026-05-01T09:10:00.000Z',
        '',
      ],
      [learnerKey('ann'), tricky, '2001:db8::1', 'course/lesson-2', '2026-05-01T09:00:00.000Z', '2026-05-01T09:05:00.000Z', '', 'sum', '0', 'no', '0', '1', '', '', '', '2026-05-01T09:20:00.000Z'],
      // No progress: one row, challenge columns empty. The name would run as a formula: prefixed.
      [learnerKey('eve'), `'=HYPERLINK("http://x","y")`, '', '', '2026-05-01T09:01:00.000Z', '2026-05-01T09:01:00.000Z', '', '', '', '', '', '', '', '', '', ''],
    ]);
  });

  it('quotes exactly the fields that need it', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\r\nlines')).toBe('"two\r\nlines"');
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('-x,y')).toBe(`"'-x,y"`);
    expect(csvField('@sum')).toBe("'@sum");
    expect(csvField(-3)).toBe('-3'); // numbers are numbers
    expect(csvField(null)).toBe('');
  });
});
