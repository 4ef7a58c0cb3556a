/**
 * Who is the instructor: whoever presents the operator's token (hosted mode's admin token, local mode's
 * sign-in token), as `Authorization: Bearer TOKEN` (scripts, curl) or once on /instructor, which sets an
 * instructor cookie. A learner's session never makes anyone the instructor: the cookie is separate,
 * signed with a key derived from the token (so `--new-secret` voids every instructor cookie with it),
 * HttpOnly and SameSite=Strict, and it expires after INSTRUCTOR_COOKIE_MAX_AGE_S.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { cookieValues, sessionCookieHeader } from '../sessionCookie.ts';
import { clientAddress } from '../identity.ts';

/** A class day: the instructor signs in again the next morning. */
export const INSTRUCTOR_COOKIE_MAX_AGE_S = 12 * 3600;
/** Wrong tokens per address per minute before every instructor sign-in from it is refused for that minute. */
const MAX_FAILURES_PER_MINUTE = 10;
const MINUTE_MS = 60_000;

export function instructorCookieName(port: number): string {
  return `patchbay_instructor_${port}`;
}

export class InstructorAuth {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Bearer token or a valid instructor cookie. */
  isInstructor(req: IncomingMessage, token: string, port: number): boolean {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (bearer !== undefined) return sameSecret(bearer, token);
    const now = this.now();
    return cookieValues(req, instructorCookieName(port)).some((value) => {
      const [iatText, sig] = value.split('.');
      const iat = Number(iatText);
      if (!Number.isSafeInteger(iat) || !sig || iat > now + MINUTE_MS || now - iat > INSTRUCTOR_COOKIE_MAX_AGE_S * 1000) return false;
      return sameSecret(sig, sign(token, iat));
    });
  }

  /** The sign-in: the Set-Cookie header for a right token, `limited` or `wrong` otherwise. */
  signIn(req: IncomingMessage, given: string, token: string, port: number): { ok: true; cookie: string } | { ok: false; why: 'limited' | 'wrong'; address: string } {
    const address = clientAddress(req);
    if (this.recent(address).length >= MAX_FAILURES_PER_MINUTE) return { ok: false, why: 'limited', address };
    if (!sameSecret(given, token)) {
      this.failures.set(address, [...this.recent(address), this.now()]);
      return { ok: false, why: 'wrong', address };
    }
    const iat = this.now();
    return { ok: true, cookie: sessionCookieHeader(instructorCookieName(port), `${iat}.${sign(token, iat)}`, INSTRUCTOR_COOKIE_MAX_AGE_S) };
  }

  signOutCookie(port: number): string {
    return sessionCookieHeader(instructorCookieName(port), '', 0);
  }

  private recent(address: string): number[] {
    const since = this.now() - MINUTE_MS;
    const recent = (this.failures.get(address) ?? []).filter((t) => t > since);
    if (recent.length) this.failures.set(address, recent);
    else this.failures.delete(address);
    return recent;
  }
}

function sign(token: string, iat: number): string {
  const key = createHmac('sha256', token).update('patchbay instructor cookie').digest();
  return createHmac('sha256', key).update(String(iat)).digest('base64url');
}

/** Constant-time comparison of two secrets of any length (their digests are compared). */
function sameSecret(given: string, secret: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(secret).digest();
  return timingSafeEqual(a, b) && given.length > 0;
}
