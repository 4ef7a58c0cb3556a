/**
 * A lab per learner through the real gateway: two learners (signed in through the link) get instances
 * of their own (terminals, files, Prometheus data apart), a third waits in the queue and gets the one
 * the first gave up; a graph poll does not bring back a reclaimed lab; idle reclaim warns first, "stay"
 * and typing postpone it, and the terminal of a reclaimed or reset lab ends with a message and reopens
 * on a fresh instance, while the learner's saved dashboard stays theirs. Real instances of the `mini` fixture lab, in a private runtime dir.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { PoolTunables } from '../../src/lab/poolTunables.ts';
import type { LearnerLabStatus } from '../../src/protocol/learnerLab.ts';
import type { HealthResponse } from '../../src/protocol/health.ts';
import { CloseCode } from '../../src/protocol/errors.ts';
import { listInstances } from '../../src/lab/instanceState.ts';
import { learnerIdOf, TerminalTestClient } from '../helpers/gateway.ts';
import { startClassroomGateway, type ClassroomGateway } from '../helpers/classroomGateway.ts';
import { FIXTURES, waitFor } from '../lab/helpers.ts';
import { formatStatus, instanceHolders } from '../../src/cli/commands/status.ts';
import { learnerKey } from '../../src/server/database.ts';
import { dashboardPath, type Dashboard, type DashboardResponse } from '../../src/protocol/dashboard.ts';

const PREFIX = 'pbk';
const HOUR = 3_600_000;
const DASHBOARD: Dashboard = { version: 0, panels: [{ id: 'p', title: 'Requests', timeRange: '5m', queries: [{ refId: 'A', expr: 'mini_requests_total', legendMode: 'auto' }] }] };

interface Classroom extends ClassroomGateway {
  as(cookie: string): Learner;
}

interface Learner {
  cookie: string;
  get<T>(path: string): Promise<{ status: number; body: T }>;
  post<T>(path: string): Promise<{ status: number; body: T }>;
  lab(): Promise<LearnerLabStatus>;
  terminal(id: string): Promise<TerminalTestClient>;
}

const open: Classroom[] = [];

async function classroom(tunables: Partial<PoolTunables>, mode: 'local' | 'hosted' = 'hosted'): Promise<Classroom> {
  const started = await startClassroomGateway({ prefix: PREFIX, lab: join(FIXTURES, 'mini'), tunables, mode });
  const { gw } = started;
  const as = (cookie: string): Learner => {
    const call = async <T>(method: string, path: string) => {
      const res = await fetch(`${gw.url}${path}`, { method, headers: { cookie } });
      return { status: res.status, body: (await res.json()) as T };
    };
    return {
      cookie,
      get: (path) => call('GET', path),
      post: (path) => call('POST', path),
      lab: async () => (await call<LearnerLabStatus>('GET', '/api/lab')).body,
      terminal: (id) => TerminalTestClient.open(gw, id, { cookie, target: 'api', query: { shell: '/bin/sh' } }),
    };
  };
  const c: Classroom = { ...started, as };
  open.push(c);
  return c;
}

afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});
afterAll(async () => {
  for (const c of open.splice(0)) await c.close();
});

/** `mini_requests_total` of the learner's api host, by their own /prometheus/. */
async function apiRequests(learner: Learner): Promise<number> {
  const q = encodeURIComponent('max(mini_requests_total{service="api"})');
  const r = await learner.get<{ data: { result: { value: [number, string] }[] } }>(`/prometheus/api/v1/query?query=${q}`);
  return Number(r.body.data?.result[0]?.value[1] ?? 0);
}

describe('a lab per learner', () => {
  it('keeps two learners apart, queues a third, and gives it the first one’s instance once ended', async () => {
    const c = await classroom({ maxInstances: 2, warm: 0, idleMs: HOUR, warnMs: 60_000, maxLifetimeMs: 8 * HOUR });
    const a = c.as(c.gw.cookie);
    const b = c.as(await c.gw.newCookie());
    const ta = await a.terminal('t1');
    const tb = await b.terminal('t1');
    const [la, lb] = [await a.lab(), await b.lab()];
    expect(la).toMatchObject({ phase: 'ready' });
    expect(lb).toMatchObject({ phase: 'ready' });
    expect(la.instance).not.toBe(lb.instance);
    // Each learner's health is their own instance.
    const ha = (await a.get<HealthResponse>('/api/health')).body;
    expect(ha.lab).toMatchObject({ instance: la.instance, state: 'ready' });
    expect(ha.learnerLab).toMatchObject({ instance: la.instance });

    // Each shell is on its learner's own instance (the api host's address is in that instance's subnet),
    // and a file one learner makes is not there for the other.
    const apiOf = (h: HealthResponse) => h.lab!.hosts.find((x) => x.name === 'api')!.address;
    const hb = (await b.get<HealthResponse>('/api/health')).body;
    expect(apiOf(ha)).not.toBe(apiOf(hb));
    ta.type('ip -o -4 addr show | grep -c " $(getent hosts api | cut -d" " -f1)/"; echo mine > /tmp/pbk-mark; cat /tmp/pbk-mark\r');
    await ta.waitForText(/\r\n1\r\nmine/);
    tb.type(`ip -o -4 addr show | grep -o "${apiOf(hb)}/" ; cat /tmp/pbk-mark || echo none-here\r`);
    await tb.waitForText(`${apiOf(hb)}/`);
    await tb.waitForText('none-here');

    // Load one learner makes shows in their own Prometheus only.
    const before = await apiRequests(b);
    ta.type('for i in $(seq 300); do curl -s -o /dev/null http://api:8080/; done; echo "load-done"\r');
    await ta.waitForText('load-done', 30_000);
    await waitFor('the load in A’s Prometheus', async () => ((await apiRequests(a)) >= 300 ? true : undefined));
    expect(await apiRequests(b)).toBeLessThan(before + 100);

    // A third learner: every instance is taken, so a graph poll answers "queued" and the lab says where.
    const third = c.as(await c.gw.newCookie());
    const queued = await third.get<{ code: string; message: string }>('/prometheus/api/v1/query?query=up');
    expect(queued).toMatchObject({ status: 503, body: { code: 'PB_LAB_QUEUED' } });
    expect(queued.body.message).toMatch(/number 1 in the queue/);
    expect(await third.lab()).toMatchObject({ phase: 'queued', instance: null, queue: { place: 1, waiting: 1 } });

    // The instructor ends A's lab: A's terminal says so, the third learner gets an instance.
    await c.lab.labs!.release(learnerIdOf(a.cookie));
    await ta.waitFor(() => ta.errors.length > 0);
    expect(ta.errors[0]).toMatchObject({ code: 'PB_LAB_RECLAIMED', message: expect.stringMatching(/reclaimed by the instructor/) });
    expect((await ta.closed).code).toBe(CloseCode.LabReclaimed);
    const got = await waitFor('the third learner’s instance', async () => {
      const s = await third.lab();
      return s.phase === 'ready' ? s : undefined;
    }, 30_000);
    expect([la.instance, lb.instance]).not.toContain(got.instance);
    // A's graphs do not bring the lab back; A sees why, and starting it again queues (the pool is full).
    expect(await a.get('/prometheus/api/v1/query?query=up')).toMatchObject({ status: 409, body: { code: 'PB_LAB_RECLAIMED' } });
    expect(await a.lab()).toMatchObject({ phase: 'none', reclaimed: { reason: 'ended' } });
    expect((await a.post<LearnerLabStatus>('/api/lab')).body).toMatchObject({ phase: 'queued', queue: { place: 1 } });
    await c.lab.labs!.release(learnerIdOf(a.cookie));

    // The roster knows who holds what.
    const roster = c.lab.roster!;
    expect(roster.instanceOf(learnerIdOf(b.cookie))?.instanceId).toBe(lb.instance);
    expect(roster.instanceOf(learnerIdOf(third.cookie))?.instanceId).toBe(got.instance);
    expect(roster.lastInstanceOf(learnerIdOf(a.cookie))).toMatchObject({ instanceId: la.instance, releaseReason: 'ended' });
    // So does `patchbay status`, from the same database.
    const holders = instanceHolders({ PATCHBAY_DATABASE: join(c.dir, 'patchbay.db') });
    const bKey = learnerKey(learnerIdOf(b.cookie));
    expect(holders.get(lb.instance!)).toEqual({ name: null, key: bKey });
    const record = listInstances(c.dir).find((r) => r.id === lb.instance)!;
    expect(formatStatus(record, holders.get(record.id)).split('\n')[0]).toContain(`learner ${bKey.slice(0, 8)}`);
    await tb.close();
  }, 180_000);

  it('warns before an idle reclaim, stays on request or input, then reclaims and reopens on a fresh instance', async () => {
    const c = await classroom({ maxInstances: 1, warm: 0, idleMs: 6_000, warnMs: 4_000, maxLifetimeMs: 8 * HOUR });
    const a = c.as(c.gw.cookie);
    const t = await a.terminal('t1');
    const first = await a.lab();
    expect(first).toMatchObject({ phase: 'ready', idleSeconds: 6, warnSeconds: 4 });
    expect(first.fresh).toBeUndefined();
    // A dashboard the learner built on this instance is theirs, not the instance's: it outlives both.
    const saved = await fetch(`${c.gw.url}${dashboardPath('mine')}`, { method: 'PUT', headers: { cookie: a.cookie, 'content-type': 'application/json' }, body: JSON.stringify(DASHBOARD) });
    expect(saved.status).toBe(200);
    const warned = await waitFor('the idle warning', async () => ((await a.lab()).warning ? a.lab() : undefined), 10_000);
    expect(warned.warning).toMatchObject({ reason: 'idle' });
    expect(warned.warning!.secondsLeft).toBeLessThanOrEqual(4);
    // "Stay" clears it.
    expect((await a.post<LearnerLabStatus>('/api/lab/stay')).body.warning).toBeUndefined();
    await waitFor('the idle warning again', async () => ((await a.lab()).warning ? true : undefined), 10_000);
    // Typing counts too; a graph poll does not.
    t.type('echo typed\r');
    await t.waitForText('typed');
    await waitFor('the warning cleared by input', async () => ((await a.lab()).warning ? undefined : true), 5_000);
    await waitFor('the idle warning a third time', async () => ((await a.lab()).warning ? true : undefined), 10_000);
    await apiRequests(a);
    expect((await a.lab()).warning).toBeDefined();

    // Reclaimed: the terminal ends with a message, not silently.
    await t.waitFor(() => t.errors.length > 0, 15_000);
    expect(t.errors[0]).toMatchObject({ code: 'PB_LAB_RECLAIMED', message: expect.stringMatching(/after 6 s without activity/) });
    expect((await t.closed).code).toBe(CloseCode.LabReclaimed);
    expect(await a.lab()).toMatchObject({ phase: 'none', reclaimed: { reason: 'idle' } });

    // Starting again (the page's button, or reopening the terminal) gets a fresh instance, and the lab says why it is new.
    expect((await a.post<LearnerLabStatus>('/api/lab')).status).toBe(200);
    const fresh = await waitFor('the fresh instance', async () => {
      const s = await a.lab();
      return s.phase === 'ready' ? s : undefined;
    }, 30_000);
    const again = await a.terminal('t1');
    expect(fresh).toMatchObject({ phase: 'ready', fresh: { reason: 'after-reclaim', endedBy: 'idle' } });
    expect(fresh.instance).not.toBe(first.instance);

    // Reset: the terminal ends with PB_LAB_RESET (the dock reconnects) and the new instance says after-reset.
    expect((await a.post<LearnerLabStatus>('/api/lab/reset')).status).toBe(200);
    await again.waitFor(() => again.errors.length > 0, 15_000);
    expect(again.errors[0]).toMatchObject({ code: 'PB_LAB_RESET' });
    expect((await again.closed).code).toBe(CloseCode.LabReset);
    const reset = await waitFor('the reset instance', async () => {
      const s = await a.lab();
      return s.phase === 'ready' ? s : undefined;
    }, 30_000);
    expect(reset).toMatchObject({ fresh: { reason: 'after-reset' } });
    expect(reset.instance).not.toBe(fresh.instance);
    const reopened = await a.terminal('t1');
    const address = (await a.get<HealthResponse>('/api/health')).body.lab!.hosts.find((x) => x.name === 'api')!.address;
    reopened.type(`ip -o -4 addr show | grep -o "${address}/"\r`);
    await reopened.waitForText(`${address}/`);
    await reopened.close();
    expect(listInstances(c.dir).map((r) => r.id)).toEqual([reset.instance]);
    expect((await a.get<DashboardResponse>(dashboardPath('mine'))).body).toMatchObject({ source: 'saved', dashboard: { version: 1, panels: DASHBOARD.panels } });
  }, 180_000);

  it('local mode: one instance started with the gateway is the learner’s at once, and no spare follows it', async () => {
    const c = await classroom({ maxInstances: 3, idleMs: HOUR, warnMs: 60_000, maxLifetimeMs: 8 * HOUR }, 'local');
    const pool = c.lab.labs!.pool;
    await waitFor('the instance started with the gateway', () => (pool.stats().warm === 1 ? true : undefined), 30_000);
    const assigned = new Promise<string>((resolve) => pool.subscribe((e) => e.type === 'assigned' && resolve(e.source)));
    const t = await c.as(c.gw.cookie).terminal('t1');
    expect(await assigned).toBe('warm');
    t.type('echo here\r');
    await t.waitForText('here');
    // Nothing else is started: a laptop runs what its one learner uses.
    expect(pool.stats()).toMatchObject({ warm: 0, starting: 0, assigned: 1, warmTarget: 0 });
    await t.close();
  }, 120_000);
});
