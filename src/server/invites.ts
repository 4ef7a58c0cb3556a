/**
 * Invites of hosted mode: a random code (the path of `/join/CODE`) good for a number of sign-ins until
 * it expires. InviteBook is the interface the gateway uses; MemoryInviteBook forgets unused invites at
 * a restart, DatabaseInviteBook (databaseInviteBook.ts, what `patchbay serve` uses) keeps them.
 */
import { newId } from './sessionCookie.ts';
import { InviteDefaults } from './SessionLimits.ts';

export interface Invite {
  code: string;
  usesLeft: number;
  expiresAt: number;
  created: number;
}

export interface InviteBook {
  /** A new invite good for `uses` sign-ins until `now + ttlMs`. */
  create(uses: number, ttlMs: number, now: number): Invite;
  /** The invite when it can still be used. */
  peek(code: string, now: number): Invite | null;
  /** Uses the invite once; false when it cannot be used (any more). */
  take(code: string, now: number): boolean;
  /** Ends every invite (`--new-secret`: links handed out before stop working). */
  clear(): void;
}

/** 16 random bytes, base64url: a code nobody can guess or enumerate. */
export const INVITE_CODE_PATTERN = /^[A-Za-z0-9_-]{22}$/;


export class MemoryInviteBook implements InviteBook {
  private readonly invites = new Map<string, Invite>();

  create(uses: number, ttlMs: number, now: number): Invite {
    this.prune(now);
    const invite: Invite = { code: newId(), usesLeft: uses, expiresAt: now + ttlMs, created: now };
    this.invites.set(invite.code, invite);
    return { ...invite };
  }

  peek(code: string, now: number): Invite | null {
    if (!INVITE_CODE_PATTERN.test(code)) return null;
    const invite = this.invites.get(code);
    if (!invite || invite.usesLeft <= 0 || invite.expiresAt <= now) return null;
    return { ...invite };
  }

  take(code: string, now: number): boolean {
    if (!this.peek(code, now)) return false;
    const invite = this.invites.get(code)!;
    invite.usesLeft -= 1;
    if (invite.usesLeft <= 0) this.invites.delete(code);
    return true;
  }

  clear(): void {
    this.invites.clear();
  }

  private prune(now: number): void {
    for (const [code, invite] of this.invites) if (invite.expiresAt <= now) this.invites.delete(code);
  }
}

/** Checks what POST /api/invites asks for; defaults from InviteDefaults. */
export function inviteRequest(body: unknown): { ok: true; uses: number; ttlMs: number } | { ok: false; message: string } {
  const b = (body ?? {}) as { uses?: unknown; expiresInSeconds?: unknown };
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, message: 'The body is a JSON object: { "uses"?: N, "expiresInSeconds"?: S }' };
  const uses = b.uses ?? InviteDefaults.uses;
  if (typeof uses !== 'number' || !Number.isInteger(uses) || uses < 1 || uses > InviteDefaults.maxUses) {
    return { ok: false, message: `uses must be a whole number from 1 to ${InviteDefaults.maxUses}` };
  }
  const seconds = b.expiresInSeconds ?? InviteDefaults.ttlMs / 1000;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0 || seconds * 1000 > InviteDefaults.maxTtlMs) {
    return { ok: false, message: `expiresInSeconds must be more than 0 and at most ${InviteDefaults.maxTtlMs / 1000}` };
  }
  return { ok: true, uses, ttlMs: Math.round(seconds * 1000) };
}
