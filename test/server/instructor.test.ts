/**
 * The instructor's API on a real gateway in hosted mode, with a real roster (SQLite file), a real lab
 * pool of the one-host `tiny` fixture and real shells: who may reach it, the roster with two learners
 * and their progress, the CSV, ending and resetting a learner's lab, and the read-only terminal view.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { openDatabase, learnerKey, type Database } from '../../src/server/database.ts';
import { Roster } from '../../src/server/roster.ts';
import { DatabaseSessionStore } from '../../src/server/rosterSessionStore.ts';
import { ProgressStore } from '../../src/server/progressStore.ts';
import { LabPool } from '../../src/lab/LabPool.ts';
import type { Gateway } from '../../src/server/createGateway.ts';
import { instructorRoutes } from '../../src/server/routes/instructor.ts';
import { INSTRUCTOR_PATHS, learnerActionPath, observePath, type InstructorRoster, type LearnerActionResult } from '../../src/protocol/instructor.ts';
import { ClientMessage, ServerMessage, encodeAck, encodeFrame, encodeResize, type TerminalHello } from '../../src/protocol/terminal.ts';
import { decodeServerFrame } from '../../src/protocol/serverFrames.ts';
import { CloseCode } from '../../src/protocol/errors.ts';
import { learnerIdOf, refusedUpgrade, startGateway, TerminalTestClient, type TestGateway } from '../helpers/gateway.ts';
import { FIXTURES } from '../lab/helpers.ts';

const PREFIX = 'pbi';

let dir: string;
let db: Database;
let roster: Roster;
let pool: LabPool;
let gw: TestGateway;
let gateway: Gateway | undefined;
let ada: string;
let grace: string;
let instructorCookie: string;

const admin = () => ({ authorization: `Bearer ${gw.gateway.operatorToken}` });

async function joinAs(name: string): Promise<string> {
  const invite = (await (await fetch(`${gw.url}/api/invites`, { method: 'POST', headers: { 'content-type': 'application/json', ...admin() }, body: '{}' })).json()) as { code: string };
  const res = await fetch(`${gw.url}/join/${invite.code}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: gw.origin },
    body: new URLSearchParams({ name }).toString(),
  });
  await res.arrayBuffer();
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

async function getRoster(headers: Record<string, string>): Promise<{ status: number; body: InstructorRoster & { code?: string } }> {
  const res = await fetch(`${gw.url}${INSTRUCTOR_PATHS.roster}`, { headers });
  return { status: res.status, body: (await res.json()) as InstructorRoster & { code?: string } };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), `${PREFIX}-`));
  db = openDatabase(join(dir, 'patchbay.db'));
  roster = new Roster(db);
  pool = new LabPool({ lab: { lab: join(FIXTURES, 'tiny'), prefix: PREFIX, runtimeDir: join(dir, 'run') }, tunables: { warm: 0, maxInstances: 3, idleMs: 3_600_000, maxLifetimeMs: 3_600_000 } });
  gw = await startGateway({
    auth: { mode: 'hosted', store: new DatabaseSessionStore(db) },
    routes: instructorRoutes({ roster, pool, gateway: () => gateway ?? null }),
  });
  gateway = gw.gateway;
  ada = await joinAs('Ada Lovelace');
  grace = await joinAs('Grace Hopper');
  for (const cookie of [ada, grace]) {
    const got = await pool.acquire(learnerIdOf(cookie));
    if (!got.ok) throw new Error(got.message);
    roster.assignInstance(learnerIdOf(cookie), got.instance.id);
  }
  const progress = new ProgressStore(db);
  await progress.recordAttempt(learnerIdOf(ada), 'ingress-request-rate', false);
  await progress.recordAttempt(learnerIdOf(ada), 'ingress-request-rate', true);
  await progress.markRevealed(learnerIdOf(grace), 'api-destroyed-connections-rate');
  roster.setLesson(learnerIdOf(ada), 'course/03-pools-and-circuit-breaking');
}, 60_000);

afterAll(async () => {
  await gw?.close();
  await pool?.close();
  db?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the instructor API', () => {
  it('refuses without the operator token, with a wrong one and with a learner session', async () => {
    const none = await getRoster({});
    expect(none.status).toBe(401);
    expect(none.body.code).toBe('PB_NOT_INSTRUCTOR');
    expect((await getRoster({ authorization: 'Bearer not-the-token' })).status).toBe(401);
    const learner = await getRoster({ cookie: ada });
    expect(learner.status).toBe(401);
    expect(learner.body.code).toBe('PB_NOT_INSTRUCTOR');
    expect((await fetch(`${gw.url}${INSTRUCTOR_PATHS.progressCsv}`, { headers: { cookie: grace } })).status).toBe(401);
    const end = await fetch(`${gw.url}${learnerActionPath('end', learnerKey(learnerIdOf(grace)))}`, { method: 'POST', headers: { cookie: ada, origin: gw.origin } });
    expect(end.status).toBe(401);
    expect(pool.instanceOf(learnerIdOf(grace))).not.toBeNull();
    // A learner's sign-in with a wrong token gets no instructor cookie.
    const wrong = await fetch(`${gw.url}${INSTRUCTOR_PATHS.signIn}`, { method: 'POST', headers: { cookie: ada, origin: gw.origin, 'content-type': 'application/json' }, body: JSON.stringify({ token: 'guess' }) });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    // The read-only view's socket too.
    const ws = await refusedUpgrade(`${gw.url.replace('http', 'ws')}${observePath(learnerKey(learnerIdOf(ada)), 'any')}`, { cookie: ada, origin: gw.origin });
    expect(ws.status).toBe(401);
  });

  it('signs the instructor in with the token, and shows both learners with their lab and progress', async () => {
    const res = await fetch(`${gw.url}${INSTRUCTOR_PATHS.signIn}`, { method: 'POST', headers: { cookie: gw.cookie, origin: gw.origin, 'content-type': 'application/json' }, body: JSON.stringify({ token: gw.gateway.operatorToken }) });
    expect(res.status).toBe(200);
    instructorCookie = res.headers.get('set-cookie')!.split(';')[0]!;
    expect(instructorCookie).toMatch(/^patchbay_instructor_\d+=/);

    const { status, body } = await getRoster({ cookie: `${gw.cookie}; ${instructorCookie}` });
    expect(status).toBe(200);
    expect(body.pool).toMatchObject({ maxInstances: 3, assigned: 2 });
    const byName = new Map(body.learners.map((l) => [l.name, l]));
    const a = byName.get('Ada Lovelace')!;
    const g = byName.get('Grace Hopper')!;
    expect(a).toMatchObject({
      key: learnerKey(learnerIdOf(ada)),
      lesson: 'course/03-pools-and-circuit-breaking',
      instance: { id: pool.instanceOf(learnerIdOf(ada))!.id, state: 'active', health: 'ready' },
      progress: { tried: 1, passed: 1, attempts: 2, reveals: 0 },
    });
    expect(g).toMatchObject({ instance: { id: pool.instanceOf(learnerIdOf(grace))!.id }, progress: { passed: 0, reveals: 1 } });
    expect(a.lastSeenAt).toBeGreaterThan(0);
    // Bearer works as well, without any cookie (scripts).
    expect((await getRoster(admin())).status).toBe(200);
  });

  it('exports progress as a CSV download', async () => {
    const res = await fetch(`${gw.url}${INSTRUCTOR_PATHS.progressCsv}`, { headers: { cookie: instructorCookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="patchbay-progress-\d{4}-\d{2}-\d{2}\.csv"$/);
    const rows = (await res.text()).trimEnd().split('\r\n').map((line) => line.split(','));
    const header = rows[0]!;
    const col = (row: string[], name: string) => row[header.indexOf(name)];
    const adaRow = rows.find((r) => col(r, 'name') === 'Ada Lovelace')!;
    expect(col(adaRow, 'challenge')).toBe('ingress-request-rate');
    expect(col(adaRow, 'attempts')).toBe('2');
    expect(col(adaRow, 'passed')).toBe('yes');
    const graceRow = rows.find((r) => col(r, 'name') === 'Grace Hopper')!;
    expect(col(graceRow, 'reveals')).toBe('1');
    expect(rows.every((r) => r.length === header.length)).toBe(true);
  });

  it('shows a learner terminal read-only: the screen and live output, never the instructor input', async () => {
    const learner = await TerminalTestClient.open({ ...gw, cookie: ada }, 'lesson-tools');
    learner.type('echo typed-by-ada-$((40+2))\r');
    await learner.waitForText(/typed-by-ada-42/);
    const url = `${gw.url.replace('http', 'ws')}${observePath(learnerKey(learnerIdOf(ada)), 'lesson-tools')}`;
    const ws = new WebSocket(url, { headers: { cookie: `${gw.cookie}; ${instructorCookie}`, origin: gw.origin } });
    let text = '';
    let hello: TerminalHello | null = null;
    ws.on('message', (data: Buffer) => {
      const frame = decodeServerFrame(data);
      if (frame.type === ServerMessage.Hello) hello = frame.hello;
      if (frame.type === ServerMessage.Output || frame.type === ServerMessage.Replay) {
        text += new TextDecoder().decode(frame.data);
        ws.send(encodeAck(frame.data.byteLength));
      }
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    await until(() => text.includes('typed-by-ada-42'), 'the replayed screen');
    expect(hello).toMatchObject({ readOnly: true });

    ws.send(encodeFrame(ClientMessage.Input, 'echo from-the-instructor-$((6*7))\r'));
    ws.send(encodeResize(20, 5));
    learner.type('echo still-ada-$((50+5))\r');
    await learner.waitForText(/still-ada-55/);
    await until(() => text.includes('still-ada-55'), 'live output');
    expect(learner.text).not.toContain('from-the-instructor');
    expect(learner.screen.cols).not.toBe(20);

    const seen = (await getRoster(admin())).body.learners.find((l) => l.name === 'Ada Lovelace')!;
    expect(seen.terminals).toEqual([{ id: 'lesson-tools', host: 'tools', watchers: 1 }]);
    const closed = new Promise<number>((resolve) => ws.once('close', resolve));
    learner.type('exit\r');
    expect(await closed).toBe(CloseCode.Normal);
    await learner.close();
  });

  it('answers a terminal the learner does not have with PB_NO_TERMINAL', async () => {
    const ws = new WebSocket(`${gw.url.replace('http', 'ws')}${observePath(learnerKey(learnerIdOf(grace)), 'nope')}`, { headers: { cookie: `${gw.cookie}; ${instructorCookie}`, origin: gw.origin } });
    ws.on('error', () => {});
    const code = await new Promise<number>((resolve) => ws.once('close', resolve));
    expect(code).toBe(CloseCode.NoTerminal);
  });

  it('ends one learner lab and resets the other, from an allowed origin only', async () => {
    const graceKey = learnerKey(learnerIdOf(grace));
    const adaKey = learnerKey(learnerIdOf(ada));
    const post = (path: string, origin: string) => fetch(`${gw.url}${path}`, { method: 'POST', headers: { cookie: `${gw.cookie}; ${instructorCookie}`, origin } });
    expect((await post(learnerActionPath('end', graceKey), 'http://evil.example')).status).toBe(403);
    expect((await post(learnerActionPath('end', 'no-such-learner'), gw.origin)).status).toBe(404);

    const end = await post(learnerActionPath('end', graceKey), gw.origin);
    expect(end.status).toBe(200);
    expect((await end.json()) as LearnerActionResult).toMatchObject({ done: true, action: 'end' });
    expect(pool.instanceOf(learnerIdOf(grace))).toBeNull();

    const before = pool.instanceOf(learnerIdOf(ada))!.id;
    const reset = await post(learnerActionPath('reset', adaKey), gw.origin);
    expect(reset.status).toBe(200);
    await until(() => {
      const now = pool.instanceOf(learnerIdOf(ada));
      return now !== null && now.id !== before;
    }, 'a fresh instance for Ada');
    const body = (await getRoster(admin())).body;
    expect(body.learners.find((l) => l.key === graceKey)!.instance).toBeNull();
    expect(body.learners.find((l) => l.key === adaKey)!.instance).toMatchObject({ id: pool.instanceOf(learnerIdOf(ada))!.id });
  }, 60_000);
});

async function until(predicate: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
