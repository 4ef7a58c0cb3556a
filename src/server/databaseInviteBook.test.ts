/**
 * Invites in a real SQLite file: uses counted down to none, expiry, unknown and malformed codes; an
 * unused invite survives closing and reopening the file (a gateway restart); two connections (two
 * gateways on one file) cannot both take an invite's last use; the file holds no code.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from './database.ts';
import { DatabaseInviteBook } from './databaseInviteBook.ts';

const dirs: string[] = [];
const opened: Database[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempFile(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'pbp-invites-'));
  dirs.push(d);
  return path.join(d, 'patchbay.db');
}

function open(file: string): Database {
  const db = openDatabase(file);
  opened.push(db);
  return db;
}

const HOUR = 3_600_000;

describe('DatabaseInviteBook', () => {
  it('counts uses down and refuses the invite once they are spent', () => {
    const book = new DatabaseInviteBook(open(tempFile()));
    const now = 1_000_000;
    const invite = book.create(2, HOUR, now);
    expect(invite.code).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(book.peek(invite.code, now)).toEqual({ code: invite.code, usesLeft: 2, expiresAt: now + HOUR, created: now });
    expect(book.take(invite.code, now)).toBe(true);
    expect(book.peek(invite.code, now)?.usesLeft).toBe(1);
    expect(book.take(invite.code, now)).toBe(true);
    expect(book.peek(invite.code, now)).toBeNull();
    expect(book.take(invite.code, now)).toBe(false);
  });

  it('refuses an expired, an unknown and a malformed code', () => {
    const book = new DatabaseInviteBook(open(tempFile()));
    const invite = book.create(5, HOUR, 0);
    expect(book.peek(invite.code, HOUR - 1)).not.toBeNull();
    expect(book.peek(invite.code, HOUR)).toBeNull();
    expect(book.take(invite.code, HOUR)).toBe(false);
    expect(book.peek('A'.repeat(22), 0)).toBeNull();
    expect(book.take('A'.repeat(22), 0)).toBe(false);
    for (const bad of ['', 'short', `${invite.code}x`, "' OR 1=1 --xxxxxxxxxxx"]) expect(book.peek(bad, 0), bad).toBeNull();
  });

  it('keeps an unused invite, and its uses left, across closing and reopening the file', () => {
    const file = tempFile();
    const first = open(file);
    const book = new DatabaseInviteBook(first);
    const invite = book.create(3, HOUR, 0);
    expect(book.take(invite.code, 10)).toBe(true);
    first.close();
    const again = new DatabaseInviteBook(open(file));
    expect(again.peek(invite.code, 20)?.usesLeft).toBe(2);
    expect(again.take(invite.code, 20)).toBe(true);
  });

  it('sees on one connection the use taken on another, so the last use is taken once', () => {
    const file = tempFile();
    const a = new DatabaseInviteBook(open(file));
    const b = new DatabaseInviteBook(open(file));
    const invite = a.create(1, HOUR, 0);
    expect(b.peek(invite.code, 1)?.usesLeft).toBe(1);
    expect(a.peek(invite.code, 1)?.usesLeft).toBe(1);
    // Both saw a use left; the take on b spends it for a too.
    expect([b.take(invite.code, 1), a.take(invite.code, 1)]).toEqual([true, false]);
  });

  it('keeps a hash of the code, never the code, and forgets spent and expired invites', () => {
    const file = tempFile();
    const db = open(file);
    const book = new DatabaseInviteBook(db);
    const spent = book.create(1, HOUR, 0);
    const expiring = book.create(1, 10, 0);
    const kept = book.create(1, HOUR, 0);
    expect(book.take(spent.code, 1)).toBe(true);
    book.create(1, HOUR, 20);
    const rows = db.sqlite.prepare('SELECT code_hash FROM invites').pluck().all() as string[];
    expect(rows).toHaveLength(2);
    db.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    const bytes = readFileSync(file).toString('latin1');
    for (const invite of [spent, expiring, kept]) expect(bytes).not.toContain(invite.code);
  });
});
