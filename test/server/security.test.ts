import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, closeRetried } from '../../src/protocol/errors.ts';
import { refusedTerminal, refusedUpgrade, startGateway, terminalUrl, TerminalTestClient, type TestGateway } from '../helpers/gateway.ts';

const CANARY = 'PBA_GATEWAY_CANARY';
let gw: TestGateway;
beforeAll(async () => {
  process.env[CANARY] = 'gateway-secret';
  gw = await startGateway();
});
afterAll(async () => {
  await gw.close();
  delete process.env[CANARY];
});

describe('gateway security', () => {
  it('issues an HttpOnly, SameSite=Strict session cookie at sign-in only, never on a plain request', async () => {
    const signIn = await fetch(gw.signInUrl, { redirect: 'manual' });
    expect(signIn.status).toBe(303);
    expect(signIn.headers.get('set-cookie')).toMatch(new RegExp(`^patchbay_session_${gw.gateway.port}=[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{43}; Path=/; Max-Age=\\d+; HttpOnly; SameSite=Strict$`));
    for (const cookie of [undefined, gw.cookie]) {
      const plain = await fetch(`${gw.url}/api/health`, { headers: cookie ? { cookie } : {} });
      expect(plain.headers.get('set-cookie')).toBeNull();
    }
  });

  it('refuses a terminal upgrade from a foreign Origin with 403 PB_BAD_ORIGIN', async () => {
    const res = await refusedUpgrade(terminalUrl(gw, 'x'), { cookie: gw.cookie, origin: 'http://evil.example' });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ statusCode: 403, code: 'PB_BAD_ORIGIN' });
  });

  it('refuses an Origin that only resembles an allowed one', async () => {
    const res = await refusedUpgrade(terminalUrl(gw, 'x'), { cookie: gw.cookie, origin: `${gw.origin}.evil.example` });
    expect(res.status).toBe(403);
  });

  it('refuses an upgrade without an Origin', async () => {
    const res = await refusedUpgrade(terminalUrl(gw, 'x'), { cookie: gw.cookie });
    expect(res.body).toMatchObject({ code: 'PB_BAD_ORIGIN' });
  });

  it('refuses an upgrade without a session cookie with 401 PB_NO_SESSION', async () => {
    const res = await refusedUpgrade(terminalUrl(gw, 'x'), { origin: gw.origin });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: 'PB_NO_SESSION' });
  });

  it('refuses unknown targets, shells, users and workdirs in the socket, with an Error frame and close 4003', async () => {
    const headers = { cookie: gw.cookie, origin: gw.origin };
    const unknown = await refusedTerminal(terminalUrl(gw, 'x', { target: 'db' }), headers);
    expect(unknown).toMatchObject({ closeCode: CloseCode.TargetRefused, error: { code: 'PB_UNKNOWN_TARGET', message: expect.stringContaining('"db"') } });
    const refusedQueries: Record<string, string>[] = [{ shell: '/usr/bin/python3' }, { user: 'nobody-else' }, { workdir: '../..' }];
    for (const query of refusedQueries) {
      expect(await refusedTerminal(terminalUrl(gw, 'x', { query }), headers)).toMatchObject({ closeCode: CloseCode.TargetRefused, error: { code: 'PB_TARGET_REFUSED' } });
    }
    expect((await refusedUpgrade(terminalUrl(gw, 'bad id with spaces'), headers)).body).toMatchObject({ code: 'PB_BAD_REQUEST' });
  });

  it('gives another session its own shell under the same terminal id, never the first one', async () => {
    // A variable set in my shell, not a PID: sandboxed shells each have the same PID in their own namespace.
    const mine = await TerminalTestClient.open(gw, 'private');
    mine.type('PB_MINE=mine-""only; echo "set-$PB_MINE"\r');
    await mine.waitForText('set-mine-only');
    const otherCookie = await gw.newCookie();
    const theirs = await TerminalTestClient.open(gw, 'private', { cookie: otherCookie });
    expect(theirs.hello?.resumed).toBe(false);
    theirs.type('echo "seen=[${PB_MINE:-unset}]"\r');
    await theirs.waitForText('seen=[unset]');
    expect(theirs.text).not.toContain('set-mine-only');
    // The first session's socket is untouched: no takeover across sessions.
    mine.mark();
    mine.type('echo still-mine\r');
    await mine.waitForText(/still-mine\r\n/);
    await theirs.close();
    await mine.close();
  });

  it("keeps the gateway's environment out of the shell", async () => {
    expect(process.env[CANARY]).toBe('gateway-secret');
    const t = await TerminalTestClient.open(gw, 'env');
    t.type(`echo "canary=[\${${CANARY}:-unset}]"; env | grep -c ${CANARY}\r`);
    await t.waitForText(/canary=\[unset\]\r\n0\r\n/);
    await t.close();
  });
});

describe('terminal caps', () => {
  it('refuses terminals past the per-session and the gateway-wide caps with close 4429, a code the client retries', async () => {
    const capped = await startGateway({ limits: { maxTerminalsPerSession: 1, maxTerminals: 2 } });
    const one = await TerminalTestClient.open(capped, 'one');
    const headers = { cookie: capped.cookie, origin: capped.origin };
    expect(await refusedTerminal(terminalUrl(capped, 'two'), headers)).toMatchObject({ closeCode: CloseCode.TryAgainLater, error: { code: 'PB_TOO_MANY_TERMINALS' } });
    // Reattaching to a terminal the session holds is not a new terminal.
    one.ws.close();
    const again = await TerminalTestClient.open(capped, 'one');
    const other = await TerminalTestClient.open(capped, 'one', { cookie: await capped.newCookie() });
    const third = { cookie: await capped.newCookie(), origin: capped.origin };
    expect(await refusedTerminal(terminalUrl(capped, 'one'), third)).toMatchObject({ closeCode: CloseCode.TryAgainLater, error: { message: expect.stringContaining('maximum of 2') } });
    expect(closeRetried(CloseCode.TryAgainLater)).toBe(true);
    await other.close();
    await again.close();
    await capped.close();
  });
});
