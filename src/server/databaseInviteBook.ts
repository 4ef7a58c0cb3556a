/**
 * Hosted mode's invites (invites.ts) in the database, so a gateway restart keeps the unused ones. The
 * file holds a hash of each code, never the code: the code is what lets someone in.
 *
 * Taking a use is one conditional UPDATE, so two gateways on one file cannot both take an invite's
 * last use.
 *
 *   createGateway({ ..., auth: { invites: new DatabaseInviteBook(db) } })
 */
import { createHash } from 'node:crypto';
import type { Database } from './database.ts';
import { INVITE_CODE_PATTERN, type Invite, type InviteBook } from './invites.ts';
import { newId } from './sessionCookie.ts';

interface InviteRow {
  uses_left: number;
  expires_at: number;
  created_at: number;
}

export class DatabaseInviteBook implements InviteBook {
  private readonly s;

  constructor(readonly db: Database) {
    const sql = db.sqlite;
    this.s = {
      insert: sql.prepare<[string, number, number, number]>('INSERT INTO invites (code_hash, uses_left, expires_at, created_at) VALUES (?, ?, ?, ?)'),
      get: sql.prepare<[string, number]>('SELECT uses_left, expires_at, created_at FROM invites WHERE code_hash = ? AND uses_left > 0 AND expires_at > ?'),
      take: sql.prepare<[string, number]>('UPDATE invites SET uses_left = uses_left - 1 WHERE code_hash = ? AND uses_left > 0 AND expires_at > ?'),
      prune: sql.prepare<[number]>('DELETE FROM invites WHERE uses_left <= 0 OR expires_at <= ?'),
      clear: sql.prepare('DELETE FROM invites'),
    };
  }

  create(uses: number, ttlMs: number, now: number): Invite {
    const invite: Invite = { code: newId(), usesLeft: uses, expiresAt: now + ttlMs, created: now };
    this.db.write(() => {
      this.s.prune.run(now);
      this.s.insert.run(codeHash(invite.code), uses, invite.expiresAt, now);
    });
    return invite;
  }

  peek(code: string, now: number): Invite | null {
    if (!INVITE_CODE_PATTERN.test(code)) return null;
    const row = this.s.get.get(codeHash(code), now) as InviteRow | undefined;
    return row ? { code, usesLeft: row.uses_left, expiresAt: row.expires_at, created: row.created_at } : null;
  }

  take(code: string, now: number): boolean {
    if (!INVITE_CODE_PATTERN.test(code)) return false;
    return this.db.write(() => {
      const taken = this.s.take.run(codeHash(code), now).changes === 1;
      if (taken) this.s.prune.run(now);
      return taken;
    });
  }

  clear(): void {
    this.db.write(() => this.s.clear.run());
  }
}

function codeHash(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}
