/**
 * Who is signed in: one record per issued session (display name, client address, created, last seen)
 * and the ids revoked before their cookie expires. A small synchronous interface, so the roster can
 * move to a database (src/server/database*.ts) without touching the gateway; MemorySessionStore is
 * the default.
 *
 * A session's cookie is signed (sessionCookie.ts), so after a restart a valid cookie whose record is
 * gone gets its record back from its claims; revocations kept only in memory end with the process
 * (`--new-secret` replaces the signing key, which signs everyone out).
 */

export interface SessionRecord {
  id: string;
  learnerId: string;
  name: string | null;
  /** Where the sign-in came from (the socket's peer address). */
  address: string;
  created: number;
  lastSeen: number;
}

export interface SessionStore {
  get(id: string): SessionRecord | undefined;
  put(record: SessionRecord): void;
  touch(id: string, now: number): void;
  /** Drops the session; its id stays refused until `until` (when its cookie expires anyway). */
  revoke(id: string, until: number): void;
  isRevoked(id: string): boolean;
  /** Sessions from `address` seen at or after `since`. */
  countSeenSince(address: string, since: number): number;
  list(): SessionRecord[];
  /** Forgets records not seen since `before` and revocations that ended before `now`. */
  prune(before: number, now: number): void;
}

export class MemorySessionStore implements SessionStore {
  private readonly records = new Map<string, SessionRecord>();
  private readonly revoked = new Map<string, number>();

  get(id: string): SessionRecord | undefined {
    return this.records.get(id);
  }

  put(record: SessionRecord): void {
    this.records.set(record.id, { ...record });
  }

  touch(id: string, now: number): void {
    const record = this.records.get(id);
    if (record) record.lastSeen = now;
  }

  revoke(id: string, until: number): void {
    this.records.delete(id);
    this.revoked.set(id, until);
  }

  isRevoked(id: string): boolean {
    return this.revoked.has(id);
  }

  countSeenSince(address: string, since: number): number {
    let n = 0;
    for (const r of this.records.values()) if (r.address === address && r.lastSeen >= since) n++;
    return n;
  }

  list(): SessionRecord[] {
    return [...this.records.values()].map((r) => ({ ...r }));
  }

  prune(before: number, now: number): void {
    for (const [id, r] of this.records) if (r.lastSeen < before) this.records.delete(id);
    for (const [id, until] of this.revoked) if (until < now) this.revoked.delete(id);
  }
}
