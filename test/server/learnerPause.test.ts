/**
 * Pausing an assigned instance nobody uses (LabPool `pauseIdleMs`, learnerLabs.ts): through the real
 * gateway, wired as `patchbay serve` wires it (terminal attach thaws, an attached terminal keeps the
 * instance running). A learner's instance with no terminal attached and no use is frozen; a query to
 * their /prometheus/ thaws it before it is answered, and the answer is right; a terminal attach thaws it
 * and the shell answers; a check after a pause waits for fresh scrapes (its rate exists); the
 * instructor's roster says "paused" meanwhile; the idle reclaim comes
 * `idleMs` after the last activity whatever the pauses, and leaves nothing behind. Real instances of
 * the `mini` fixture lab (with Prometheus), in a private runtime dir.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGatewayLab, type GatewayLab } from '../../src/server/gatewayLab.ts';
import { openDatabase, type Database } from '../../src/server/database.ts';
import type { PoolTunables } from '../../src/lab/poolTunables.ts';
import type { PoolEvent } from '../../src/lab/LabPool.ts';
import { readRecord } from '../../src/lab/instanceState.ts';
import { FREEZER_ROOT, freezerAvailable, isFrozen } from '../../src/lab/instanceFreezer.ts';
import { instanceProcesses } from '../../src/lab/instanceCgroup.ts';
import { cleanStaleInstances } from '../../src/lab/startLab.ts';
import { instructorRoutes } from '../../src/server/routes/instructor.ts';
import { bindLabToGateway, labGatewayOptions } from '../../src/server/labGatewayWiring.ts';
import { INSTRUCTOR_PATHS, type InstructorRoster } from '../../src/protocol/instructor.ts';
import { learnerIdOf, startGateway, TerminalTestClient, type TestGateway } from '../helpers/gateway.ts';
import { FIXTURES, waitFor } from '../lab/helpers.ts';

const PREFIX = 'pbq';
const HOUR = 3_600_000;

interface Setup {
  gw: TestGateway;
  lab: GatewayLab;
  dir: string;
  events: PoolEvent[];
  close(): Promise<void>;
}
const open: Setup[] = [];

afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

async function setup(tunables: Partial<PoolTunables>): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), `${PREFIX}-rt-`));
  const db: Database = openDatabase(join(dir, 'patchbay.db'));
  const started = await startGatewayLab({ lab: join(FIXTURES, 'mini'), log: () => undefined, database: db, mode: 'hosted', tunables, labOptions: { prefix: PREFIX, runtimeDir: dir } });
  if (!started.ok || !started.lab) throw new Error(started.ok ? 'no lab' : started.message);
  const lab = started.lab;
  const labs = lab.labs!;
  const events: PoolEvent[] = [];
  labs.pool.subscribe((e) => events.push(e));
  let gateway: TestGateway['gateway'] | undefined;
  // With serve.ts' own wiring: the instructor's API, terminal input is activity, an attach thaws, an attached terminal is use.
  const gw = await startGateway({
    ...labGatewayOptions(lab),
    routes: [...instructorRoutes({ roster: lab.roster!, pool: labs.pool, gateway: () => gateway ?? null }), ...lab.routes],
    cgroupParent: null,
  });
  gateway = gw.gateway;
  bindLabToGateway(lab, gw.gateway);
  const s: Setup = {
    gw,
    lab,
    dir,
    events,
    async close() {
      await gw.close();
      await lab.stop();
      db.close();
      await cleanStaleInstances(dir, PREFIX);
      expect(readdirSync(dir).filter((f) => !f.startsWith('patchbay.db'))).toEqual([]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  open.push(s);
  return s;
}

function terminal(s: Setup, id: string): Promise<TerminalTestClient> {
  return TerminalTestClient.open(s.gw, id, { target: 'api', query: { shell: '/bin/sh' } });
}

/** The learner's `mini_requests_total` of the api host, by their own /prometheus/, and when it was answered. */
async function apiRequests(s: Setup): Promise<number> {
  const q = encodeURIComponent('max(mini_requests_total{service="api"})');
  const res = await fetch(`${s.gw.url}/prometheus/api/v1/query?query=${q}`, { headers: { cookie: s.gw.cookie } });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
  return Number(body.data.result[0]?.value[1] ?? NaN);
}

async function rosterPaused(s: Setup): Promise<boolean | undefined> {
  const res = await fetch(`${s.gw.url}${INSTRUCTOR_PATHS.roster}`, { headers: { authorization: `Bearer ${s.gw.gateway.operatorToken}` } });
  const body = (await res.json()) as InstructorRoster;
  const learner = body.learners.find((l) => l.instance?.id);
  return learner?.instance?.paused;
}

describe.skipIf(!freezerAvailable())('pausing an assigned instance nobody uses', () => {
  it('freezes it without use, thaws it for a query (right answer) and for a terminal attach; the roster says paused', async () => {
    const s = await setup({ warm: 0, maxInstances: 2, idleMs: HOUR, warnMs: 60_000, maxLifetimeMs: 8 * HOUR, pauseIdleMs: 1_500 });
    const learner = learnerIdOf(s.gw.cookie);
    // While a terminal is attached the instance runs, however long nobody types.
    const t1 = await terminal(s, 't1');
    t1.type('echo first-$((20+22))\r');
    await t1.waitForText('first-42');
    const instance = s.lab.labs!.pool.instanceOf(learner)!;
    const cgroup = readRecord(instance.dir)!.cgroup!;
    // A few pause periods with the terminal attached and nobody typing.
    await new Promise((r) => setTimeout(r, 4_000));
    expect(isFrozen(cgroup)).toBe(false);
    expect(s.events.some((e) => e.type === 'paused')).toBe(false);

    // Some traffic counted in Prometheus before the pause (the poller runs every 0.5 s).
    const before = await waitFor('requests scraped', async () => {
      const n = await apiRequests(s);
      return n > 0 ? n : undefined;
    }, 30_000);
    await t1.close();
    await waitFor('the instance paused', () => (s.events.some((e) => e.type === 'paused') ? true : undefined), 30_000);
    expect(isFrozen(cgroup)).toBe(true);
    // Every process of the instance (its lab and the detached shell) is in the frozen freezer cgroup.
    expect(existsSync(join(FREEZER_ROOT, cgroup))).toBe(true);
    expect(instanceProcesses(cgroup).length).toBeGreaterThan(0);
    expect(s.lab.labs!.pool.list()).toMatchObject([{ owner: learner, paused: true }]);
    expect(await rosterPaused(s)).toBe(true);

    // A query thaws it before it is answered: Prometheus answers, with what it had (at least as many as before).
    const n = await apiRequests(s);
    expect(n).toBeGreaterThanOrEqual(before);
    expect(isFrozen(cgroup)).toBe(false);
    expect(s.events.filter((e) => e.type === 'resumed')).toHaveLength(1);
    expect(await rosterPaused(s)).toBeUndefined();

    // Paused again without use; a terminal attach (the same terminal, reattached) thaws it and the shell answers.
    await waitFor('paused again', () => (s.events.filter((e) => e.type === 'paused').length === 2 ? true : undefined), 30_000);
    expect(isFrozen(cgroup)).toBe(true);
    const again = await terminal(s, 't1');
    expect(isFrozen(cgroup)).toBe(false);
    again.type('echo thawed-$((40+2))\r');
    await again.waitForText('thawed-42');
    expect(s.events.filter((e) => e.type === 'resumed')).toHaveLength(2);
    // And the lab's own processes run: new requests reach Prometheus.
    await waitFor('new requests scraped after the thaw', async () => ((await apiRequests(s)) > n ? true : undefined), 30_000);
    await again.close();

    // A check (activity) right after a pause longer than its rate range: it waits for fresh scrapes, so
    // the rate it grades exists (without the wait Prometheus would have no sample in the range).
    await waitFor('paused a third time', () => (s.events.filter((e) => e.type === 'paused').length === 3 ? true : undefined), 30_000);
    await new Promise((r) => setTimeout(r, 5_000));
    const got = await s.lab.labs!.instanceFor(learner, { activity: true, acquire: 'always' });
    expect(got.ok).toBe(true);
    const q = encodeURIComponent('sum(rate(mini_requests_total{service="api"}[4s]))');
    const res = await fetch(`${s.gw.url}/prometheus/api/v1/query?query=${q}`, { headers: { cookie: s.gw.cookie } });
    const rate = (await res.json()) as { data: { result: { value: [number, string] }[] } };
    expect(rate.data.result).toHaveLength(1);
    expect(Number(rate.data.result[0]!.value[1])).toBeGreaterThan(0);
  }, 180_000);

  it('reclaims a paused instance idleMs after the last activity, and tears it down whole', async () => {
    const s = await setup({ warm: 0, maxInstances: 2, idleMs: 6_000, warnMs: 2_000, maxLifetimeMs: 8 * HOUR, pauseIdleMs: 1_000 });
    const learner = learnerIdOf(s.gw.cookie);
    const t = await terminal(s, 't1');
    t.type('echo hi\r');
    await t.waitForText('hi');
    const instance = s.lab.labs!.pool.instanceOf(learner)!;
    const cgroup = readRecord(instance.dir)!.cgroup!;
    await t.close();
    await waitFor('the instance paused', () => (s.events.some((e) => e.type === 'paused') ? true : undefined), 30_000);
    // The reclaim clock ran on while it was paused: warned, then reclaimed, without anyone thawing it first.
    await waitFor('the idle reclaim', () => (s.events.some((e) => e.type === 'reclaimed' && e.reason === 'idle') ? true : undefined), 30_000);
    const warned = s.events.findIndex((e) => e.type === 'warn');
    const reclaimed = s.events.findIndex((e) => e.type === 'reclaimed');
    expect(warned).toBeGreaterThanOrEqual(0);
    expect(warned).toBeLessThan(reclaimed);
    expect(s.events.some((e) => e.type === 'resumed')).toBe(false);
    await waitFor('the instance stopped', () => (s.events.some((e) => e.type === 'stopped' && e.instance === instance.id) ? true : undefined), 30_000);
    expect(instanceProcesses(cgroup)).toEqual([]);
    expect(existsSync(join(FREEZER_ROOT, cgroup))).toBe(false);
    expect(existsSync(instance.dir)).toBe(false);
  }, 120_000);
});
