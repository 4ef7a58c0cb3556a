/**
 * The learner's session: a random 256-bit id in an HttpOnly, SameSite=Strict cookie, issued on the
 * first page or API response. Terminals belong to it. Any well-formed id is accepted (256 random bits
 * cannot be guessed, and a made-up id reaches only terminals it made itself), so a gateway restart
 * does not log anyone out.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const SESSION_COOKIE = 'patchbay_session';
/** 32 random bytes, base64url: 43 characters. */
const SESSION_BYTES = 32;
const SESSION_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function newSessionId(): string {
  return randomBytes(SESSION_BYTES).toString('base64url');
}

/** The session id from the request's Cookie header, or null when it is missing or malformed. */
export function sessionFromRequest(req: IncomingMessage): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    if (SESSION_PATTERN.test(value)) return value;
  }
  return null;
}

export function sessionCookieHeader(sessionId: string): string {
  // No Max-Age: a browser-session cookie; no Secure: the gateway serves plain http on localhost.
  return `${SESSION_COOKIE}=${sessionId}; Path=/; HttpOnly; SameSite=Strict`;
}
