/**
 * Identity, attacked: sessions are only what the gateway issued, through the sign-in link (local mode)
 * or an invite (hosted mode). A real unprivileged user of this machine, clients that send any Origin
 * and made-up or forged cookies, a second session after the first one's terminal, a rebinding page's
 * Host header, a non-loopback bind, invites used up or expired, and the caps per address and session.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from '../../src/protocol/errors.ts';
import { createGateway } from '../../src/server/createGateway.ts';
import { openDatabase, type Database } from '../../src/server/database.ts';
import { DatabaseInviteBook } from '../../src/server/databaseInviteBook.ts';
import { ADMIN_TOKEN_FILE, SESSION_KEY_FILE, SIGN_IN_TOKEN_FILE } from '../../src/server/authSecrets.ts';
import { signSession } from '../../src/server/sessionCookie.ts';
import { learnerIdOf, refusedTerminal, refusedUpgrade, signIn, startGateway, terminalUrl, TerminalTestClient, type TestGateway } from '../helpers/gateway.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const PREFIX = 'pbid';
const made: { gateways: TestGateway[]; dirs: string[]; databases: Database[] } = { gateways: [], dirs: [], databases: [] };

afterEach(async () => {
  for (const gw of made.gateways.splice(0)) await gw.close();
  for (const db of made.databases.splice(0)) db.close();
});
afterAll(() => {
  for (const dir of made.dirs) rmSync(dir, { recursive: true, force: true });
});

async function gateway(options: Parameters<typeof startGateway>[0] = {}): Promise<TestGateway> {
  const gw = await startGateway(options);
  made.gateways.push(gw);
  return gw;
}

function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${PREFIX}-${name}-`));
  made.dirs.push(dir);
  return dir;
}

/** A plain HTTP request with any headers (fetch will not send a Host of our choosing). */
function raw(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const api = (gw: TestGateway, path: string, cookie?: string) => fetch(`${gw.url}${path}`, { headers: cookie ? { cookie } : {} });
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

/** The script an unprivileged user runs: plain Node, no dependencies, readable by anyone. */
const INTRUDER = `
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
const [url, origin, cookieName] = process.argv.slice(2);
const token = process.env.PB_TOKEN;
function go(path, headers, upgrade) {
  return new Promise((resolve) => {
    const req = request(url + path, { headers: upgrade ? { ...headers, connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': randomBytes(16).toString('base64') } : headers });
    req.on('upgrade', (res, socket) => { socket.destroy(); resolve({ status: res.statusCode }); });
    req.on('response', (res) => { res.resume(); res.on('end', () => resolve({ status: res.statusCode, setCookie: res.headers['set-cookie']?.[0] })); });
    req.on('error', (e) => resolve({ error: e.message }));
    req.end();
  });
}
const invented = cookieName + '=' + randomBytes(32).toString('base64url');
const forged = cookieName + '=' + Buffer.from(JSON.stringify({ sid: 'A'.repeat(22), lid: 'B'.repeat(22), name: null, iat: Date.now() })).toString('base64url') + '.' + randomBytes(32).toString('base64url');
const out = { uid: process.getuid() };
for (const [name, cookie] of [['invented', invented], ['forged', forged]]) {
  out[name] = {
    api: (await go('/api/progress', { cookie, origin })).status,
    terminal: (await go('/api/terminals/mine?target=tools', { cookie, origin }, true)).status,
    page: (await go('/', { cookie })).status,
  };
}
if (token) {
  const signedIn = await go('/?token=' + token, {});
  const cookie = signedIn.setCookie.split(';')[0];
  out.withSecret = { signIn: signedIn.status, terminal: (await go('/api/terminals/mine?target=tools', { cookie, origin }, true)).status };
}
console.log(JSON.stringify(out));
`;

function runAsNobody(script: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, script, ...args], { env: { PATH: '/usr/bin:/bin', ...env }, timeout: 30_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

describe('an unprivileged local user', () => {
  it('without the secret gets no shell and 401 from the API, whatever Origin and cookie it sends; with the secret it signs in', async () => {
    const authDir = tempDir('auth');
    const gw = await gateway({ auth: { dir: authDir } });
    // The secret is the root user's: nobody cannot read it.
    expect(statSync(join(authDir, SIGN_IN_TOKEN_FILE)).mode & 0o777).toBe(0o600);
    const dir = tempDir('intruder');
    chmodSync(dir, 0o755);
    const script = join(dir, 'intruder.mjs');
    writeFileSync(script, INTRUDER, { mode: 0o644 });
    const cookieName = gw.cookie.split('=')[0]!;
    const without = JSON.parse(await runAsNobody(script, [gw.url, gw.origin, cookieName])) as Record<string, unknown>;
    expect(without).toEqual({
      uid: 65534,
      invented: { api: 401, terminal: 401, page: 401 },
      forged: { api: 401, terminal: 401, page: 401 },
    });
    expect(gw.gateway.registry.size).toBe(0);
    const token = new URL(gw.signInUrl).searchParams.get('token')!;
    const withSecret = JSON.parse(await runAsNobody(script, [gw.url, gw.origin, cookieName], { PB_TOKEN: token })) as { withSecret: unknown };
    expect(withSecret.withSecret).toEqual({ signIn: 303, terminal: 101 });
  });
});

describe('session ids', () => {
  it('refuses invented, forged, altered and foreign cookies: no session is made from them', async () => {
    const gw = await gateway();
    const other = await gateway();
    const name = gw.cookie.split('=')[0]!;
    const value = gw.cookie.slice(name.length + 1);
    const [payload, sig] = value.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const altered = Buffer.from(JSON.stringify({ ...claims, lid: 'C'.repeat(22) })).toString('base64url');
    const candidates = [
      `${name}=${'x'.repeat(43)}`,
      `${name}=${altered}.${sig}`,
      `${name}=${signSession(Buffer.alloc(32, 7), { sid: 'D'.repeat(22), lid: 'E'.repeat(22), name: null, iat: Date.now() })}`,
      `${name}=${other.cookie.split('=')[1]}`,
      // The other gateway's cookie under its own name: another port's session is not this one's.
      other.cookie,
    ];
    for (const cookie of candidates) {
      const res = await api(gw, '/api/nothing', cookie);
      expect(res.status, cookie).toBe(401);
      expect(res.headers.get('set-cookie')).toBeNull();
      expect(await res.json()).toMatchObject({ code: 'PB_NO_SESSION' });
      expect((await refusedUpgrade(terminalUrl(gw, 'x'), { cookie, origin: gw.origin })).status).toBe(401);
    }
    // The real cookie next to a planted duplicate still counts (the first valid one wins).
    expect((await api(gw, '/api/nothing', `${name}=${'x'.repeat(43)}; ${gw.cookie}`)).status).toBe(404);
  });

  it('issues a new id at every sign-in, revokes the one presented, and keeps the learner (terminals) of that browser', async () => {
    const gw = await gateway();
    const first = gw.cookie;
    const t = await TerminalTestClient.open(gw, 'kept');
    t.type('echo "pid=[$$]"\r');
    await t.waitForText(/pid=\[(\d+)\]/);
    const pid = /pid=\[(\d+)\]/.exec(t.text)![1];
    await t.close();
    const rotated = await signIn(gw.signInUrl, first);
    expect(rotated).not.toBe(first);
    expect(learnerIdOf(rotated)).toBe(learnerIdOf(first));
    expect((await api(gw, '/api/nothing', first)).status).toBe(401);
    expect((await api(gw, '/api/nothing', rotated)).status).toBe(404);
    const again = await TerminalTestClient.open(gw, 'kept', { cookie: rotated });
    expect(again.hello?.resumed).toBe(true);
    again.type('echo "pid=[$$]"\r');
    await again.waitForText(new RegExp(`pid=\\[${pid}\\]`));
    await again.close();
    // Without a cookie: a new session of a new learner, never an old one.
    const fresh = await gw.newCookie();
    expect(learnerIdOf(fresh)).not.toBe(learnerIdOf(first));
  });

  it('strips the token from the URL it redirects to', async () => {
    const gw = await gateway();
    const token = new URL(gw.signInUrl).searchParams.get('token')!;
    const res = await fetch(`${gw.url}/docs/welcome?a=1&token=${token}&b=2`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/docs/welcome?a=1&b=2');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('gives a second session its own terminal under the same id, with none of the first one\'s screen', async () => {
    const gw = await gateway();
    const mine = await TerminalTestClient.open(gw, 'shared');
    mine.type('echo "typed-$((6*7))-secret"\r');
    await mine.waitForText('typed-42-secret');
    const theirs = await TerminalTestClient.open(gw, 'shared', { cookie: await gw.newCookie() });
    expect(theirs.hello?.resumed).toBe(false);
    theirs.type('echo "their-$((2*3))"\r');
    await theirs.waitForText('their-6');
    await theirs.settled();
    expect(theirs.text).not.toContain('typed-42-secret');
    expect(theirs.screenLines().join('\n')).not.toContain('typed-42-secret');
    // The first socket was not taken over (no 4001): it still types into its own shell.
    mine.mark();
    mine.type('echo still-""mine\r');
    await mine.waitForText('still-mine');
    await theirs.close();
    await mine.close();
  });
});

describe('sign-in page and form', () => {
  it('answers a page request without a session with the sign-in page, and the API with 401', async () => {
    const gw = await gateway({ siteDir: tempDir('site') });
    const page = await fetch(`${gw.url}/docs/welcome`);
    expect(page.status).toBe(401);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain('Sign in to Patchbay');
    expect(html).toContain('?token=');
    expect(html).toContain('<form method="post" action="/sign-in">');
    expect((await api(gw, '/api/progress')).status).toBe(401);
    expect((await fetch(`${gw.url}/prometheus/api/v1/query?query=up`)).status).toBe(401);
    // Health alone answers: a liveness probe with nothing of anyone.
    expect((await api(gw, '/api/health')).status).toBe(200);
  });

  it('signs in with the pasted token from our own page, and refuses a wrong token and a foreign Origin', async () => {
    const gw = await gateway();
    const token = new URL(gw.signInUrl).searchParams.get('token')!;
    const post = (fields: Record<string, string>, origin: string) =>
      fetch(`${gw.url}/sign-in`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', origin }, body: form(fields) });
    const wrong = await post({ token: 'not-it', next: '/docs/welcome' }, gw.origin);
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('PB_BAD_TOKEN');
    expect((await post({ token }, 'http://evil.example')).status).toBe(403);
    const ok = await post({ token: ` ${token} `, next: '/docs/welcome' }, gw.origin);
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/docs/welcome');
    const cookie = ok.headers.get('set-cookie')!.split(';')[0]!;
    expect((await api(gw, '/api/nothing', cookie)).status).toBe(404);
    // Only paths of this site: an absolute or protocol-relative next goes to /.
    expect((await post({ token, next: '//evil.example/x' }, gw.origin)).headers.get('location')).toBe('/');
  });
});

describe('Host header', () => {
  it('refuses a Host that is not ours with 403 PB_BAD_HOST, for pages, the API and terminal sockets', async () => {
    const gw = await gateway();
    const host = `rebind.example:${gw.gateway.port}`;
    for (const path of ['/', '/api/progress', '/api/health', `/?token=${new URL(gw.signInUrl).searchParams.get('token')}`]) {
      const res = await raw(`${gw.url}${path}`, { headers: { host, cookie: gw.cookie } });
      expect(res.status, path).toBe(403);
      expect(JSON.parse(res.body)).toMatchObject({ code: 'PB_BAD_HOST', message: expect.stringContaining('rebind.example') });
    }
    const upgrade = await refusedUpgrade(terminalUrl(gw, 'x'), { host, cookie: gw.cookie, origin: `http://${host}` });
    expect(upgrade).toMatchObject({ status: 403, body: { code: 'PB_BAD_HOST' } });
    // Any port: an SSH tunnel reaches the gateway as localhost on a port of its own.
    for (const ok of [`localhost:${gw.gateway.port}`, `127.0.0.1:${gw.gateway.port}`, `[::1]:${gw.gateway.port}`, 'localhost:8000', 'localhost']) {
      expect((await raw(`${gw.url}/api/health`, { headers: { host: ok } })).status, ok).toBe(200);
    }
  });
});

describe('listening beyond loopback', () => {
  it('is refused at start without hosted mode, with a clear error saying how to enable it', async () => {
    await expect(createGateway({ port: 0, host: '0.0.0.0', cgroupParent: null })).rejects.toThrow(/refusing to listen on 0\.0\.0\.0.*--hosted/);
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, ['bin/patchbay.mjs', 'serve', '--no-lab', '--host', '0.0.0.0', '--port', '0'], { cwd: REPO, timeout: 60_000 }, (error, _stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr }),
      );
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^patchbay serve: refusing to listen on 0\.0\.0\.0: .*--hosted \(or PATCHBAY_HOSTED=1\)/);
  });
});

describe('hosted mode', () => {
  let clock = Date.now();
  const hosted = () => gateway({ auth: { mode: 'hosted', publicUrl: 'http://learn.example.test', now: () => clock } });
  const createInvite = (gw: TestGateway, authorization: string | null, body: unknown = {}) =>
    fetch(`${gw.url}/api/invites`, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body: JSON.stringify(body) });
  const join = (gw: TestGateway, code: string, name: string) =>
    fetch(`${gw.url}/join/${code}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: gw.origin }, body: form({ name }) });

  it('makes invites only with the admin token', async () => {
    const gw = await hosted();
    const none = await createInvite(gw, null);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ code: 'PB_NOT_ADMIN' });
    expect((await createInvite(gw, 'Bearer wrong-token')).status).toBe(401);
    // A learner's session is not the admin token.
    expect((await fetch(`${gw.url}/api/invites`, { method: 'POST', headers: { cookie: gw.cookie }, body: '{}' })).status).toBe(401);
    const ok = await createInvite(gw, `Bearer ${gw.gateway.adminToken}`, { uses: 2, expiresInSeconds: 3600 });
    expect(ok.status).toBe(201);
    expect(await ok.json()).toMatchObject({ url: expect.stringMatching(/^http:\/\/learn\.example\.test\/join\/[A-Za-z0-9_-]{22}$/), uses: 2 });
    const local = await gateway();
    expect((await createInvite(local, `Bearer ${new URL(local.signInUrl).searchParams.get('token')}`)).status).toBe(401);
  });

  it('lets a learner join with an invite and a display name, and refuses used-up, expired and unknown invites', async () => {
    clock = Date.now();
    const gw = await hosted();
    const admin = `Bearer ${gw.gateway.adminToken}`;
    const { url } = (await (await createInvite(gw, admin)).json()) as { url: string };
    const code = url.split('/join/')[1]!;
    const joinPage = await fetch(`${gw.url}/join/${code}`);
    expect(joinPage.status).toBe(200);
    expect(await joinPage.text()).toContain('Display name');
    // A bad name is refused and does not use the invite up.
    for (const bad of ['', '<script>', 'x'.repeat(41), '  ', 'a\u0000b']) expect((await join(gw, code, bad)).status, bad).toBe(400);
    const joined = await join(gw, code, '  Ada Lovelace ');
    expect(joined.status).toBe(303);
    const cookie = joined.headers.get('set-cookie')!.split(';')[0]!;
    const t = await TerminalTestClient.open(gw, 'joined', { cookie });
    t.type('echo in-""side\r');
    await t.waitForText('in-side');
    await t.close();
    const roster = (await (await fetch(`${gw.url}/api/sessions`, { headers: { authorization: admin } })).json()) as { sessions: { name: string | null }[] };
    expect(roster.sessions.map((s) => s.name)).toContain('Ada Lovelace');
    // Used up (1 use by default).
    const usedUp = await join(gw, code, 'Grace');
    expect(usedUp.status).toBe(404);
    expect(await usedUp.text()).toContain('PB_BAD_INVITE');
    // Expired: valid for an hour, tried after two.
    const hour = (await (await createInvite(gw, admin, { expiresInSeconds: 3600 })).json()) as { code: string };
    clock += 2 * 3_600_000;
    expect((await fetch(`${gw.url}/join/${hour.code}`)).status).toBe(404);
    expect((await join(gw, hour.code, 'Grace')).status).toBe(404);
    expect((await join(gw, 'A'.repeat(22), 'Grace')).status).toBe(404);
  });

  it('keeps an unused invite across a gateway restart with the database, and --new-secret ends it', async () => {
    const file = `${tempDir('invites')}/patchbay.db`;
    const start = async (renew = false) => {
      const db = openDatabase(file);
      made.databases.push(db);
      const gw = await gateway({ auth: { mode: 'hosted', publicUrl: 'http://learn.example.test', invites: new DatabaseInviteBook(db), ...(renew && { renew: true }) } });
      return { gw, async stop() { await gw.close(); made.gateways.splice(made.gateways.indexOf(gw), 1); db.close(); } };
    };
    const first = await start();
    const { code } = (await (await createInvite(first.gw, `Bearer ${first.gw.gateway.adminToken}`, { uses: 2 })).json()) as { code: string };
    const other = (await (await createInvite(first.gw, `Bearer ${first.gw.gateway.adminToken}`)).json()) as { code: string };
    expect((await join(first.gw, code, 'Ada')).status).toBe(303);
    await first.stop();
    const second = await start();
    // The second use, after the restart; then it is spent.
    expect((await join(second.gw, code, 'Grace')).status).toBe(303);
    expect((await join(second.gw, code, 'Edsger')).status).toBe(404);
    await second.stop();
    const renewed = await start(true);
    expect((await fetch(`${renewed.gw.url}/join/${other.code}`)).status).toBe(404);
    await renewed.stop();
  });

  it("signs the operator in with the admin token, and answers the public URL's host", async () => {
    const gw = await hosted();
    expect(gw.gateway.signInUrl).toBe(`http://learn.example.test/?token=${gw.gateway.adminToken}`);
    const res = await raw(`${gw.url}/api/health`, { headers: { host: 'learn.example.test' } });
    expect(res.status).toBe(200);
    expect((await raw(`${gw.url}/api/health`, { headers: { host: 'other.example.test' } })).status).toBe(403);
  });
});

describe('caps', () => {
  it('refuses a sign-in past the live sessions of one address, but never a browser signing in again', async () => {
    const gw = await gateway({ auth: { limits: { maxSessionsPerAddress: 2 } } });
    const second = await gw.newCookie();
    const third = await fetch(gw.signInUrl, { redirect: 'manual' });
    expect(third.status).toBe(429);
    expect(third.headers.get('set-cookie')).toBeNull();
    expect(await third.text()).toContain('PB_TOO_MANY_SESSIONS');
    // Signing in again from a browser that has a session replaces it.
    const rotated = await signIn(gw.signInUrl, second);
    expect((await api(gw, '/api/nothing', rotated)).status).toBe(404);
    expect((await fetch(gw.signInUrl, { redirect: 'manual' })).status).toBe(429);
  });

  it('refuses every sign-in from an address past its failed attempts in a minute, the right token too', async () => {
    let clock = Date.now();
    const gw = await gateway({ auth: { limits: { maxFailedSignInsPerMinute: 3 }, now: () => clock } });
    for (let i = 0; i < 3; i++) expect((await fetch(`${gw.url}/?token=guess-${i}`, { redirect: 'manual' })).status).toBe(401);
    const refused = await fetch(gw.signInUrl, { redirect: 'manual' });
    expect(refused.status).toBe(429);
    expect(await refused.text()).toContain('PB_TOO_MANY_SIGN_INS');
    clock += 61_000;
    expect((await fetch(gw.signInUrl, { redirect: 'manual' })).status).toBe(303);
  });

  it('holds the terminals per session against a second socket of the same session, and across its sign-ins', async () => {
    const gw = await gateway({ limits: { maxTerminalsPerSession: 1 } });
    const one = await TerminalTestClient.open(gw, 'one');
    const headers = { cookie: gw.cookie, origin: gw.origin };
    expect(await refusedTerminal(terminalUrl(gw, 'two'), headers)).toMatchObject({ closeCode: CloseCode.TryAgainLater, error: { code: 'PB_TOO_MANY_TERMINALS' } });
    const rotated = await signIn(gw.signInUrl, gw.cookie);
    expect(await refusedTerminal(terminalUrl(gw, 'three'), { cookie: rotated, origin: gw.origin })).toMatchObject({ closeCode: CloseCode.TryAgainLater });
    await one.close();
  });
});

describe('secrets on disk', () => {
  it('keeps the sign-in link and sessions across a restart in 0600 files, and --new-secret replaces them', async () => {
    const dir = tempDir('restart');
    const first = await createGateway({ port: 0, cgroupParent: null, auth: { dir } });
    const port = first.port;
    const cookie = await signIn(first.signInUrl.replace('localhost', '127.0.0.1'));
    await first.close();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const file of [SESSION_KEY_FILE, SIGN_IN_TOKEN_FILE]) expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);
    const again = await createGateway({ port, cgroupParent: null, auth: { dir } });
    try {
      expect(again.signInUrl).toBe(first.signInUrl);
      expect((await fetch(`http://127.0.0.1:${port}/api/nothing`, { headers: { cookie } })).status).toBe(404);
    } finally {
      await again.close();
    }
    const renewed = await createGateway({ port, cgroupParent: null, auth: { dir, renew: true } });
    try {
      expect(renewed.signInUrl).not.toBe(first.signInUrl);
      expect((await fetch(`http://127.0.0.1:${port}/api/nothing`, { headers: { cookie } })).status).toBe(401);
    } finally {
      await renewed.close();
    }
    const hostedGw = await createGateway({ port: 0, cgroupParent: null, auth: { dir, mode: 'hosted' } });
    await hostedGw.close();
    expect(statSync(join(dir, ADMIN_TOKEN_FILE)).mode & 0o777).toBe(0o600);
  });
});
