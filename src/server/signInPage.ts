/**
 * The pages the gateway serves itself to people who are not signed in: sign in with the token (local
 * mode; the operator in hosted mode), join with an invite and a display name, and refusals. Plain HTML
 * with inline styles and no script, sent with a CSP that allows nothing else, never framed, and never
 * sending the URL (which may hold a token) as a Referer to another site.
 */
import type { ServerResponse } from 'node:http';
import { apiError, type HttpErrorCode } from '../protocol/errors.ts';
import { DISPLAY_NAME_MAX_CHARS } from './SessionLimits.ts';

export type AuthMode = 'local' | 'hosted';

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:4rem auto;padding:0 1rem;color:#1c1e21}
h1{font-size:1.5rem}code{background:#f0f0f0;padding:0 .25rem;border-radius:3px}
label{display:block;margin:1rem 0 .25rem;font-weight:600}input{font:inherit;width:100%;box-sizing:border-box;padding:.4rem}
button{font:inherit;margin-top:1rem;padding:.4rem 1.2rem}.error{color:#b3261e;border-left:3px solid #b3261e;padding-left:.6rem}`;

export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  // same-origin, not no-referrer: under no-referrer a browser posts the form with `Origin: null`, which the check refuses.
  'referrer-policy': 'same-origin',
} as const;

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">
<title>${escape(title)} · Patchbay</title><style>${STYLE}</style></head><body data-patchbay-page="${escape(title.toLowerCase().replace(/\s+/g, '-'))}">${body}</body></html>`;
}

/** An error's registry words as a paragraph, with its code for the errors page. */
function errorBlock(code: HttpErrorCode | undefined, args: string[]): string {
  if (!code) return '';
  return `<p class="error" role="alert" data-code="${code}">${escape(apiError(code, ...args).message)} (<code>${code}</code>)</p>`;
}

export function signInPage(mode: AuthMode, next: string, error?: { code: HttpErrorCode; args?: string[] }): string {
  const where =
    mode === 'local'
      ? `<p>This Patchbay server lets in only browsers that opened the sign-in link it printed when it started, like <code>http://localhost:3000/?token=…</code>. Look in the terminal where <code>npm start</code> (or <code>patchbay serve</code>, <code>patchbay dev</code>) runs, and open that link, or paste its token here. The token is also kept in <code>var/auth/sign-in-token</code>, readable only by the user who runs the server.</p>`
      : `<p>This Patchbay server is for invited learners: open the invite link you were given (<code>…/join/…</code>). The operator signs in with the admin token printed at start.</p>`;
  return page(
    'Sign in',
    `<h1>Sign in to Patchbay</h1>${errorBlock(error?.code, error?.args ?? [])}${where}
<form method="post" action="/sign-in"><input type="hidden" name="next" value="${escape(next)}">
<label for="token">${mode === 'local' ? 'Sign-in token' : 'Admin token'}</label><input id="token" name="token" type="password" autocomplete="off" required>
<button type="submit">Sign in</button></form>`,
  );
}

export function joinPage(code: string, error?: { code: HttpErrorCode; args?: string[] }, name = ''): string {
  return page(
    'Join',
    `<h1>Join this Patchbay course</h1>${errorBlock(error?.code, error?.args ?? [])}
<p>Choose the name the course shows for you. Your terminals are yours alone: nobody else can type into them.</p>
<form method="post" action="/join/${encodeURIComponent(code)}">
<label for="name">Display name</label><input id="name" name="name" value="${escape(name)}" maxlength="${DISPLAY_NAME_MAX_CHARS}" required autocomplete="nickname">
<button type="submit">Join</button></form>`,
  );
}

export function refusalPage(title: string, code: HttpErrorCode, args: string[] = [], hint = ''): string {
  return page(title, `<h1>${escape(title)}</h1>${errorBlock(code, args)}${hint ? `<p>${escape(hint)}</p>` : ''}`);
}

export function sendPage(res: ServerResponse, status: number, html: string, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(status, { ...PAGE_HEADERS, 'content-length': Buffer.byteLength(html), ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : html);
}

/**
 * A display name: trimmed, 1 to DISPLAY_NAME_MAX_CHARS letters, digits, spaces and . _ ' -, no two
 * spaces in a row. Null when it is not one.
 */
export function validDisplayName(text: string): string | null {
  const name = text.normalize('NFC').trim();
  if (name.length < 1 || [...name].length > DISPLAY_NAME_MAX_CHARS) return null;
  if (!/^[\p{L}\p{N}][\p{L}\p{M}\p{N} ._'-]*$/u.test(name) || /\s{2}/.test(name)) return null;
  return name;
}
