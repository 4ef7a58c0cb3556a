/**
 * Who may use the gateway: sessions only the server issues, and the ways to get one.
 *
 * - local mode: the sign-in token (printed at start in `http://localhost:PORT/?token=…`, kept in a
 *   0600 file). Opening any page with `?token=` or posting the sign-in form signs the browser in.
 * - hosted mode: the operator's admin token signs the operator in and creates invites
 *   (`POST /api/invites`, `Authorization: Bearer …`); a learner opens `/join/CODE`, gives a display name
 *   and gets a session carrying it.
 *
 * Every sign-in issues a new session id (rotation) and revokes the one the browser presented, so an id
 * planted before sign-in is worth nothing after it; the learner id (what terminals and progress are
 * kept under) carries over from a valid presented session, so a browser signing in again keeps its
 * shells. A cookie that does not verify is no session at all, never one made from it.
 * Caps: live sessions per client address, failed sign-ins per address per minute.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiError, type HttpErrorCode } from '../protocol/errors.ts';
import type { AuthSecrets } from './authSecrets.ts';
import { inviteRequest, MemoryInviteBook, type InviteBook } from './invites.ts';
import { readBody, readJsonBody, refuseBody, sendApiError, sendJson } from './Route.ts';
import { DEFAULT_SESSION_LIMITS, type SessionLimits } from './SessionLimits.ts';
import { cookieValues, newId, sessionCookieHeader, signSession, verifySession, type SessionClaims } from './sessionCookie.ts';
import { MemorySessionStore, type SessionStore } from './SessionStore.ts';
import { joinPage, refusalPage, sendPage, signInPage, validDisplayName, type AuthMode } from './signInPage.ts';

export type { AuthMode };

export const SIGN_IN_PATH = '/sign-in';
export const JOIN_PATH = '/join/';
export const INVITES_PATH = '/api/invites';
export const SESSIONS_PATH = '/api/sessions';
/** A sign-in or join form is a token or a name: never more. */
const FORM_MAX_BYTES = 4096;
const MINUTE_MS = 60_000;
/** Claims issued this far in the future (a clock step back) are still taken; further is forged or broken. */
const CLOCK_SKEW_MS = 60_000;
/** The store is pruned at most this often (on a request). */
const PRUNE_EVERY_MS = 10 * MINUTE_MS;

export interface Session {
  id: string;
  learnerId: string;
  name: string | null;
}

export interface IdentityOptions {
  mode: AuthMode;
  secrets: AuthSecrets;
  store?: SessionStore;
  /** Hosted mode's invites (default: in memory, forgotten at a restart). */
  invites?: InviteBook;
  limits?: Partial<SessionLimits>;
  /** Origins a sign-in form may be posted from (the terminal allowlist). */
  allowedOrigins: () => ReadonlySet<string>;
  /** Where invite links point (hosted mode's --public-url, else the gateway's URL). */
  publicUrl: () => string;
  now?: () => number;
}

export class Identity {
  readonly mode: AuthMode;
  readonly limits: SessionLimits;
  readonly store: SessionStore;
  readonly invites: InviteBook;
  /** Set once the port is known (the cookie's name carries it). */
  cookieName = '';
  private readonly failures = new Map<string, number[]>();
  private readonly now: () => number;
  private lastPrune = 0;

  constructor(private readonly options: IdentityOptions) {
    this.mode = options.mode;
    this.limits = { ...DEFAULT_SESSION_LIMITS, ...options.limits };
    this.store = options.store ?? new MemorySessionStore();
    this.invites = options.invites ?? new MemoryInviteBook();
    this.now = options.now ?? Date.now;
  }

  /** The request's session: a cookie this server signed, unexpired and not revoked; else null. */
  authenticate(req: IncomingMessage): Session | null {
    const claims = this.validClaims(req);
    if (!claims) return null;
    const now = this.now();
    if (this.store.get(claims.sid)) this.store.touch(claims.sid, now);
    // Issued by this key before a restart: the record comes back from the signed claims.
    else this.store.put({ id: claims.sid, learnerId: claims.lid, name: claims.name, address: clientAddress(req), created: claims.iat, lastSeen: now });
    this.maybePrune(now);
    return { id: claims.sid, learnerId: claims.lid, name: claims.name };
  }

  private validClaims(req: IncomingMessage): SessionClaims | null {
    const now = this.now();
    for (const value of cookieValues(req, this.cookieName)) {
      const claims = verifySession(this.options.secrets.sessionKey, value);
      if (!claims) continue;
      if (claims.iat > now + CLOCK_SKEW_MS || now - claims.iat > this.limits.sessionMaxAgeMs) continue;
      if (this.store.isRevoked(claims.sid)) continue;
      return claims;
    }
    return null;
  }

  /** Sign-in, join and the operator's API. Returns true when it answered the request. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    if (path === INVITES_PATH || path === SESSIONS_PATH) {
      await this.operatorApi(req, res, path, method);
      return true;
    }
    if (path.startsWith('/api/')) return false;
    if ((method === 'GET' || method === 'HEAD') && url.searchParams.has('token')) {
      const rest = new URLSearchParams(url.searchParams);
      rest.delete('token');
      const query = rest.toString();
      this.signInWithToken(req, res, url.searchParams.get('token') ?? '', `${path}${query ? `?${query}` : ''}`);
      return true;
    }
    if (path === SIGN_IN_PATH) {
      if (method === 'POST') await this.signInForm(req, res);
      else sendPage(res, 200, signInPage(this.mode, '/'));
      return true;
    }
    if (this.mode === 'hosted' && path.startsWith(JOIN_PATH)) {
      await this.join(req, res, path.slice(JOIN_PATH.length), method);
      return true;
    }
    return false;
  }

  /** What a request without a session gets: the sign-in page for page loads, 401 for the rest. */
  refuse(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const method = req.method ?? 'GET';
    const api = url.pathname.startsWith('/api/') || url.pathname.startsWith('/prometheus/');
    if (api || (method !== 'GET' && method !== 'HEAD')) return sendApiError(res, 'PB_NO_SESSION');
    sendPage(res, 401, signInPage(this.mode, `${url.pathname}${url.search}`));
  }

  private signInWithToken(req: IncomingMessage, res: ServerResponse, token: string, next: string): void {
    const address = clientAddress(req);
    if (this.limited(address)) return this.refusePage(res, 'Sign in', 'PB_TOO_MANY_SIGN_INS', [address]);
    if (!sameSecret(token, this.options.secrets.signInToken)) {
      this.fail(address);
      sendPage(res, apiError('PB_BAD_TOKEN').statusCode, signInPage(this.mode, next, { code: 'PB_BAD_TOKEN' }));
      return;
    }
    if (!this.issue(req, res, this.mode === 'hosted' ? 'operator' : null, true)) return;
    redirect(req, res, next);
  }

  private async signInForm(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.sameOrigin(req)) return this.refusePage(res, 'Sign in', 'PB_BAD_ORIGIN', [req.headers.origin ?? '(none)']);
    const form = await readForm(req, res);
    if (!form) return;
    const next = form.get('next') ?? '/';
    this.signInWithToken(req, res, (form.get('token') ?? '').trim(), next.startsWith('/') && !next.startsWith('//') ? next : '/');
  }

  private async join(req: IncomingMessage, res: ServerResponse, code: string, method: string): Promise<void> {
    const address = clientAddress(req);
    if (this.limited(address)) return this.refusePage(res, 'Join', 'PB_TOO_MANY_SIGN_INS', [address]);
    if (method === 'POST' && !this.sameOrigin(req)) return this.refusePage(res, 'Join', 'PB_BAD_ORIGIN', [req.headers.origin ?? '(none)']);
    if (!this.invites.peek(code, this.now())) {
      this.fail(address);
      return this.refusePage(res, 'Join', 'PB_BAD_INVITE', [], 'Ask the person who runs this course for a new link.');
    }
    if (method !== 'POST') return sendPage(res, 200, joinPage(code));
    const form = await readForm(req, res);
    if (!form) return;
    const given = form.get('name') ?? '';
    const name = validDisplayName(given);
    if (!name) {
      const message = `A display name is 1 to 40 letters, digits, spaces or . _ ' - (starting with a letter or digit)`;
      return sendPage(res, 400, joinPage(code, { code: 'PB_BAD_REQUEST', args: [message] }, given.slice(0, 80)));
    }
    // Checked again: the invite may have been used up while the form was read.
    if (!this.invites.peek(code, this.now())) return this.refusePage(res, 'Join', 'PB_BAD_INVITE');
    if (!this.issue(req, res, name, false, () => this.invites.take(code, this.now()))) return;
    redirect(req, res, '/');
  }

  /**
   * Issues a new session into the response's cookie, revoking the one the browser presented. False
   * (and the refusal answered) when the address holds its maximum of sessions or `consume` says no.
   */
  private issue(req: IncomingMessage, res: ServerResponse, name: string | null, keepLearner: boolean, consume?: () => boolean): boolean {
    const now = this.now();
    const address = clientAddress(req);
    const presented = this.validClaims(req);
    if (!presented && this.store.countSeenSince(address, now - this.limits.liveWindowMs) >= this.limits.maxSessionsPerAddress) {
      this.refusePage(res, 'Sign in', 'PB_TOO_MANY_SESSIONS', [address, String(this.limits.maxSessionsPerAddress)]);
      return false;
    }
    if (consume && !consume()) {
      this.refusePage(res, 'Join', 'PB_BAD_INVITE');
      return false;
    }
    if (presented) this.store.revoke(presented.sid, presented.iat + this.limits.sessionMaxAgeMs);
    const claims: SessionClaims = { sid: newId(), lid: keepLearner && presented ? presented.lid : newId(), name: name ?? (keepLearner ? (presented?.name ?? null) : null), iat: now };
    this.store.put({ id: claims.sid, learnerId: claims.lid, name: claims.name, address, created: now, lastSeen: now });
    const value = signSession(this.options.secrets.sessionKey, claims);
    res.setHeader('set-cookie', sessionCookieHeader(this.cookieName, value, Math.floor(this.limits.sessionMaxAgeMs / 1000)));
    return true;
  }

  private async operatorApi(req: IncomingMessage, res: ServerResponse, path: string, method: string): Promise<void> {
    const address = clientAddress(req);
    if (this.limited(address)) return sendApiError(res, 'PB_TOO_MANY_SIGN_INS', address);
    const admin = this.options.secrets.adminToken;
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (this.mode !== 'hosted' || !admin || !bearer || !sameSecret(bearer, admin)) {
      if (bearer) this.fail(address);
      res.setHeader('www-authenticate', 'Bearer realm="patchbay"');
      return sendApiError(res, 'PB_NOT_ADMIN');
    }
    if (path === SESSIONS_PATH && (method === 'GET' || method === 'HEAD')) {
      const now = this.now();
      const sessions = this.store.list().map((s) => ({ name: s.name, address: s.address, created: new Date(s.created).toISOString(), lastSeen: new Date(s.lastSeen).toISOString(), live: s.lastSeen >= now - this.limits.liveWindowMs }));
      return sendJson(res, 200, { sessions });
    }
    if (path === INVITES_PATH && method === 'POST') {
      const body = await readJsonBody(req, res, FORM_MAX_BYTES);
      if (!body.ok) return;
      const asked = inviteRequest(body.value);
      if (!asked.ok) return sendApiError(res, 'PB_BAD_REQUEST', asked.message);
      const invite = this.invites.create(asked.uses, asked.ttlMs, this.now());
      const url = `${this.options.publicUrl().replace(/\/$/, '')}${JOIN_PATH}${invite.code}`;
      return sendJson(res, 201, { url, code: invite.code, uses: invite.usesLeft, expiresAt: new Date(invite.expiresAt).toISOString() });
    }
    sendApiError(res, 'PB_NOT_FOUND', `${method} ${path}`);
  }

  /** A form post from a page of ours: an Origin, when sent, on the allowlist; a browser's fetch metadata, when sent, same-origin. */
  private sameOrigin(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin !== undefined && !this.options.allowedOrigins().has(origin)) return false;
    const site = req.headers['sec-fetch-site'];
    return site === undefined || site === 'same-origin' || site === 'none';
  }

  private refusePage(res: ServerResponse, title: string, code: HttpErrorCode, args: string[] = [], hint = ''): void {
    sendPage(res, apiError(code, ...args).statusCode, refusalPage(title, code, args, hint));
  }

  private recentFailures(address: string): number[] {
    const since = this.now() - MINUTE_MS;
    const recent = (this.failures.get(address) ?? []).filter((t) => t > since);
    if (recent.length) this.failures.set(address, recent);
    else this.failures.delete(address);
    return recent;
  }

  private limited(address: string): boolean {
    return this.recentFailures(address).length >= this.limits.maxFailedSignInsPerMinute;
  }

  private fail(address: string): void {
    this.failures.set(address, [...this.recentFailures(address), this.now()]);
  }

  private maybePrune(now: number): void {
    if (now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    this.store.prune(now - this.limits.sessionMaxAgeMs, now);
    for (const address of [...this.failures.keys()]) this.recentFailures(address);
  }
}

/** The peer's address, IPv4-mapped IPv6 written as IPv4. No proxy header is trusted. */
export function clientAddress(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/** Constant-time comparison of two secrets of any length (their digests are compared). */
function sameSecret(given: string, secret: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(secret).digest();
  return timingSafeEqual(a, b) && given.length > 0;
}

async function readForm(req: IncomingMessage, res: ServerResponse): Promise<URLSearchParams | null> {
  const body = await readBody(req, FORM_MAX_BYTES);
  if (body === 'too-large') {
    refuseBody(res, FORM_MAX_BYTES);
    return null;
  }
  if (body === null) return null;
  return new URLSearchParams(body.toString('utf8'));
}

/**
 * To `next` without the token. A 303 for a sign-in started on this site or typed in; after a link
 * followed from another site, a page that moves on by itself instead: the browser would not send a
 * SameSite=Strict cookie on a redirect that is part of a cross-site navigation.
 */
function redirect(req: IncomingMessage, res: ServerResponse, next: string): void {
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') {
    const href = next.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    sendPage(res, 200, `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${href}"><title>Signed in · Patchbay</title><p>Signed in. <a href="${href}">Continue</a>.</p>`);
    return;
  }
  res.writeHead(303, { location: next, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', 'content-length': 0 });
  res.end();
}
