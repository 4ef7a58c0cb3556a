/**
 * The session cookie: claims the server signed, `base64url(JSON).base64url(HMAC-SHA256)`, so an id
 * counts only if this server issued it (a made-up or altered value fails the signature and is treated
 * as no session at all). The key lives in a 0600 file (authSecrets.ts), so a gateway restart keeps
 * everyone signed in; revocation and metadata are the SessionStore's.
 *
 * The cookie's name carries the gateway's port: cookies ignore ports, and two gateways on one host
 * would otherwise overwrite each other's session.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const SESSION_COOKIE_PREFIX = 'patchbay_session';
/** Signatures are over this prefix and the payload, so no other HMAC made with the key verifies as a session. */
const SIGNING_CONTEXT = 'patchbay-session-v1.';
/** Longer values are refused unparsed: a payload with a 64-character name is about 250 characters. */
const MAX_COOKIE_CHARS = 512;
const ID_PATTERN = /^[A-Za-z0-9_-]{22,64}$/;

export interface SessionClaims {
  /** The session's id: a new one at every sign-in (rotation). */
  sid: string;
  /** The learner's id: kept across the sign-ins of one browser, so terminals and progress survive them. */
  lid: string;
  /** Display name (hosted mode's join page), null in local mode. */
  name: string | null;
  /** Issued at, ms since the epoch. */
  iat: number;
}

export function sessionCookieName(port: number): string {
  return `${SESSION_COOKIE_PREFIX}_${port}`;
}

/** 16 random bytes, base64url: unguessable and never chosen by a client. */
export function newId(): string {
  return randomBytes(16).toString('base64url');
}

export function signSession(key: Buffer, claims: SessionClaims): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${payload}.${mac(key, payload).toString('base64url')}`;
}

/** The claims of a value this key signed, or null (malformed, altered, or signed by another key). */
export function verifySession(key: Buffer, value: string): SessionClaims | null {
  if (value.length > MAX_COOKIE_CHARS) return null;
  const dot = value.indexOf('.');
  if (dot <= 0) return null;
  const payload = value.slice(0, dot);
  const given = Buffer.from(value.slice(dot + 1), 'base64url');
  const expected = mac(key, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<SessionClaims>;
    if (typeof claims.sid !== 'string' || !ID_PATTERN.test(claims.sid)) return null;
    if (typeof claims.lid !== 'string' || !ID_PATTERN.test(claims.lid)) return null;
    if (claims.name !== null && typeof claims.name !== 'string') return null;
    if (typeof claims.iat !== 'number' || !Number.isFinite(claims.iat)) return null;
    return { sid: claims.sid, lid: claims.lid, name: claims.name, iat: claims.iat };
  } catch {
    return null;
  }
}

function mac(key: Buffer, payload: string): Buffer {
  return createHmac('sha256', key).update(SIGNING_CONTEXT).update(payload).digest();
}

/** Every value of cookie `name` in the request (a planted duplicate must not hide the real one). */
export function cookieValues(req: IncomingMessage, name: string): string[] {
  const header = req.headers.cookie;
  if (!header) return [];
  const values: string[] = [];
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    values.push(part.slice(eq + 1).trim());
  }
  return values;
}

/** HttpOnly (no script reads it), SameSite=Strict (no other site's page sends it); no Secure: plain http. */
export function sessionCookieHeader(name: string, value: string, maxAgeSeconds: number): string {
  return `${name}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict`;
}
