/**
 * The lab pool with real instances (the one-host `tiny` fixture, so each costs a namespace and a process):
 * one instance per owner, the warm pool, the queue at capacity, idle and lifetime reclaim with their
 * warnings, reset, start failures with backoff, and many allocate-and-reclaim cycles leaving nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabPool, type PoolEvent } from '../../src/lab/LabPool.ts';
import type { PoolTunables } from '../../src/lab/poolTunables.ts';
import { readRecord } from '../../src/lab/instanceState.ts';
import type { LabInstance } from '../../src/lab/types.ts';
import { FIXTURES, waitFor } from './helpers.ts';
import { leftovers, NOTHING, processesIn, type ProcessSnapshot } from './leftovers.ts';
import { netnsStateOf } from '../../src/lab/netnsDriver.ts';

const PREFIX = 'pbl';
const LONG = 3_600_000;

interface Harness {
  pool: LabPool;
  events: PoolEvent[];
  dir: string;
  /** Resolves with the first event (from now on, or already seen when `past`) matching `pred`. */
  next<T extends PoolEvent['type']>(type: T, pred?: (e: Extract<PoolEvent, { type: T }>) => boolean): Promise<Extract<PoolEvent, { type: T }>>;
}

const harnesses: Harness[] = [];
/** Processes of every instance the pool started, taken when it was ready (the leak check looks for survivors). */
const processes = new Map<string, { dir: string; snapshot: ProcessSnapshot[] }>();

function makePool(tunables: Partial<PoolTunables>, lab = join(FIXTURES, 'tiny')): Harness {
  const dir = mkdtempSync(join(tmpdir(), `${PREFIX}-rt-`));
  const pool = new LabPool({ lab: { lab, prefix: PREFIX, runtimeDir: dir }, tunables: { idleMs: LONG, warnMs: 1_000, maxLifetimeMs: LONG, warm: 0, maxInstances: 2, ...tunables } });
  const events: PoolEvent[] = [];
  const waiters: { test: (e: PoolEvent) => boolean; resolve: (e: PoolEvent) => void }[] = [];
  pool.subscribe((e) => {
    if (e.type === 'started') processes.set(e.instance, { dir, snapshot: processesIn(netnsStateOf(readRecord(join(dir, e.instance)))?.network.netns ?? []) });
    events.push(e);
    for (const w of [...waiters]) {
      if (w.test(e)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  });
  const h: Harness = {
    pool,
    events,
    dir,
    next: (type, pred = () => true) =>
      new Promise((resolve) => waiters.push({ test: (e) => e.type === type && pred(e as never), resolve: resolve as (e: PoolEvent) => void })),
  };
  harnesses.push(h);
  return h;
}

afterEach(async () => {
  for (const h of harnesses.splice(0)) {
    await h.pool.close();
    expect(h.pool.stats()).toMatchObject({ warm: 0, starting: 0, assigned: 0, stopping: 0, waiting: 0 });
    for (const [id, p] of processes) {
      if (p.dir === h.dir) expect(leftovers(id, p.snapshot, h.dir)).toEqual(NOTHING);
    }
    expect(readdirSync(h.dir)).toEqual([]);
    rmSync(h.dir, { recursive: true, force: true });
  }
  processes.clear();
});

function ok(r: Awaited<ReturnType<LabPool['acquire']>>) {
  if (!r.ok) throw new Error(`acquire failed: ${r.reason}: ${r.message}`);
  return r;
}

async function address(lab: LabInstance): Promise<string> {
  const r = await lab.exec('box', ['ip', '-4', '-o', 'addr', 'show', 'eth0']);
  return /inet (\S+)\//.exec(r.stdout)![1]!;
}

/** Is anything of this instance left: namespaces, processes, files? */
function gone(h: Harness, id: string): boolean {
  const p = processes.get(id)!;
  return JSON.stringify(leftovers(id, p.snapshot, h.dir)) === JSON.stringify(NOTHING);
}

describe('a lab pool', () => {
  it('gives two owners different instances and the same owner the same one', async () => {
    const h = makePool({ maxInstances: 3 });
    const [a, b] = (await Promise.all([h.pool.acquire('alice'), h.pool.acquire('bob')])).map(ok);
    expect(a!.instance.id).not.toBe(b!.instance.id);
    expect(a!.instance.subnet).not.toBe(b!.instance.subnet);
    expect(netnsStateOf(readRecord(a!.instance.dir))!.hosts[0]!.netns).not.toBe(netnsStateOf(readRecord(b!.instance.dir))!.hosts[0]!.netns);
    expect([a!.fresh, a!.source, b!.fresh, b!.source]).toEqual(['first', 'started', 'first', 'started']);
    // Each is a separate network: its host has its own address, in its own subnet.
    const [addrA, addrB] = await Promise.all([address(a!.instance), address(b!.instance)]);
    expect(addrA).not.toBe(addrB);
    expect(a!.instance.subnet.startsWith(addrA.replace(/\.\d+$/, '.'))).toBe(true);

    const again = ok(await h.pool.acquire('alice'));
    expect(again.instance).toBe(a!.instance);
    expect([again.fresh, again.source]).toEqual([null, 'existing']);
    expect(h.pool.list().map((e) => [e.owner, e.state, e.instance, e.health])).toEqual([
      ['alice', 'active', a!.instance.id, 'ready'],
      ['bob', 'active', b!.instance.id, 'ready'],
    ]);
  });

  it('hands out a ready instance from the warm pool and refills it, never beyond capacity', async () => {
    const h = makePool({ warm: 1, maxInstances: 2 });
    const warm = await h.next('started', (e) => e.purpose === 'warm');
    const a = ok(await h.pool.acquire('alice'));
    expect(a.instance.id).toBe(warm.instance);
    expect(a.source).toBe('warm');
    expect(a.instance.health().state).toBe('ready');
    // The pool starts another warm one at once: alice's plus one ready = capacity.
    const refill = await h.next('started', (e) => e.purpose === 'warm');
    expect(refill.instance).not.toBe(warm.instance);
    expect(h.pool.stats()).toMatchObject({ warm: 1, assigned: 1, starting: 0 });
    const b = ok(await h.pool.acquire('bob'));
    expect([b.instance.id, b.source]).toEqual([refill.instance, 'warm']);
    // Full: nothing more is started for the warm pool.
    expect(h.pool.stats()).toMatchObject({ warm: 0, assigned: 2, starting: 0, stopping: 0 });
  });

  it('queues owners at capacity in order, with their place, and serves the first once another leaves', async () => {
    const h = makePool({ maxInstances: 1 });
    const a = ok(await h.pool.acquire('alice'));
    const queued: PoolEvent[] = [];
    h.pool.subscribe((e) => e.type === 'queue' && queued.push(e));

    const bob = h.pool.acquire('bob');
    const leaving = new AbortController();
    const carol = h.pool.acquire('carol', { signal: leaving.signal });
    const dave = h.pool.acquire('dave');
    expect(h.pool.waitStatus('bob')).toMatchObject({ place: 1, waiting: 3, lastStartError: null });
    expect(h.pool.waitStatus('carol')).toMatchObject({ place: 2, waiting: 3 });
    // The estimate counts alice's idle deadline (an hour here), then a stop and a start.
    expect(h.pool.waitStatus('bob')!.estimateMs).toBeGreaterThanOrEqual(LONG);
    expect(h.pool.waitStatus('alice')).toBeNull();

    leaving.abort(); // carol closes her tab
    expect(await carol).toMatchObject({ ok: false, reason: 'cancelled' });
    expect(h.pool.waitStatus('dave')).toMatchObject({ place: 2, waiting: 2 });
    expect(h.pool.list().map((e) => [e.owner, e.state, e.place])).toEqual([
      ['alice', 'active', undefined],
      ['bob', 'waiting', 1],
      ['dave', 'waiting', 2],
    ]);

    await h.pool.release('alice');
    const b = ok(await bob);
    expect(b.instance.id).not.toBe(a.instance.id);
    expect([b.fresh, b.source]).toEqual(['first', 'started']);
    expect(gone(h, a.instance.id)).toBe(true);
    expect(h.pool.waitStatus('dave')).toMatchObject({ place: 1, waiting: 1 });

    // Alice comes back: she queues behind dave, and is told her lab was ended.
    const alice = h.pool.acquire('alice');
    expect(h.pool.waitStatus('alice')).toMatchObject({ place: 2 });
    await h.pool.release('bob');
    expect(ok(await dave).fresh).toBe('first');
    await h.pool.release('dave');
    const back = ok(await alice);
    expect([back.fresh, back.endedBy]).toEqual(['after-reclaim', 'ended']);
    expect(queued.map((e) => (e.type === 'queue' ? e.waiting.map((w) => w.owner).join(',') : ''))).toEqual([
      'bob',
      'bob,carol',
      'bob,carol,dave',
      'bob,dave',
      'dave',
      'dave,alice',
      'alice',
      '',
    ]);
  });

  it('warns an idle owner, lets a touch keep the instance, then reclaims it; the next acquire is fresh and says so', async () => {
    const h = makePool({ idleMs: 1_500, warnMs: 1_000 });
    const a = ok(await h.pool.acquire('alice'));
    let warnings = 0;
    h.pool.subscribe((e) => {
      // The first warning is answered at once, as the page's "stay" button does.
      if (e.type === 'warn' && ++warnings === 1) h.pool.touch('alice');
    });
    const reclaimed = await h.next('reclaimed');
    expect(reclaimed).toEqual({ type: 'reclaimed', owner: 'alice', instance: a.instance.id, reason: 'idle' });
    const forAlice = h.events.filter((e) => 'owner' in e && e.owner === 'alice' && e.type !== 'health').map((e) => e.type === 'warn' ? `warn:${e.reason}` : e.type);
    expect(forAlice).toEqual(['assigned', 'warn:idle', 'warning-cleared', 'warn:idle', 'reclaimed']);
    const warn = h.events.find((e) => e.type === 'warn');
    expect(warn).toMatchObject({ owner: 'alice', instance: a.instance.id, reason: 'idle' });

    await h.next('stopped', (e) => e.instance === a.instance.id);
    expect(gone(h, a.instance.id)).toBe(true);
    expect(h.pool.touch('alice')).toBe(false);
    const back = ok(await h.pool.acquire('alice'));
    expect(back.instance.id).not.toBe(a.instance.id);
    expect([back.fresh, back.endedBy]).toEqual(['after-reclaim', 'idle']);
  });

  it('replaces an instance at its maximum lifetime, however active its owner', async () => {
    const h = makePool({ maxLifetimeMs: 1_500, warnMs: 1_000 });
    const a = ok(await h.pool.acquire('alice'));
    const touching = setInterval(() => h.pool.touch('alice'), 100);
    try {
      const warn = await h.next('warn');
      expect(warn).toMatchObject({ owner: 'alice', reason: 'lifetime' });
      expect(h.pool.list()[0]).toMatchObject({ owner: 'alice', state: 'warned', warnedFor: 'lifetime', reclaimAt: warn.reclaimAt });
      expect(await h.next('reclaimed')).toMatchObject({ owner: 'alice', instance: a.instance.id, reason: 'lifetime' });
    } finally {
      clearInterval(touching);
    }
    const back = ok(await h.pool.acquire('alice'));
    expect([back.fresh, back.endedBy]).toEqual(['after-reclaim', 'lifetime']);
  });

  it('resets an owner\'s instance: a new one, said to be after a reset, even when the pool is full', async () => {
    const h = makePool({ maxInstances: 1 });
    const a = ok(await h.pool.acquire('alice'));
    const bob = h.pool.acquire('bob'); // waiting for alice's place
    const reset = ok(await h.pool.reset('alice'));
    expect(reset.instance.id).not.toBe(a.instance.id);
    expect(reset.fresh).toBe('after-reset');
    // The old one was torn down before the new one could start (capacity 1); bob still waits, first in line.
    expect(gone(h, a.instance.id)).toBe(true);
    expect(h.pool.waitStatus('bob')).toMatchObject({ place: 1 });
    expect(h.events.filter((e) => e.type === 'reset')).toEqual([{ type: 'reset', owner: 'alice', instance: a.instance.id }]);
    await h.pool.release('bob');
    expect(await bob).toMatchObject({ ok: false, reason: 'cancelled' });
    expect(ok(await h.pool.acquire('alice')).instance).toBe(reset.instance);
  });

  it('reports an instance\'s health as it changes, with its owner', async () => {
    const h = makePool({});
    const a = ok(await h.pool.acquire('alice'));
    const pid = await waitFor('the sleeper\'s pid on disk', () => readRecord(a.instance.dir)?.processes['box/sleeper']?.pid ?? undefined);
    const degraded = h.next('health', (e) => e.state === 'degraded');
    process.kill(pid, 'SIGKILL'); // the supervisor restarts it
    expect(await degraded).toEqual({ type: 'health', owner: 'alice', instance: a.instance.id, state: 'degraded' });
    expect(await h.next('health', (e) => e.state === 'ready')).toMatchObject({ owner: 'alice', instance: a.instance.id });
    expect(h.pool.list()[0]).toMatchObject({ owner: 'alice', health: 'ready' });
  });

  it('reports start failures and retries them with growing delays, one start at a time', async () => {
    const h = makePool({ warm: 1, startBackoffInitialMs: 100, startBackoffMaxMs: 200 }, join(FIXTURES, 'bad', 'cycle.yaml'));
    const waiting = h.pool.acquire('alice');
    const third = await h.next('start-failed', (e) => e.failures === 3);
    const failures = h.events.filter((e) => e.type === 'start-failed');
    expect(failures.map((e) => e.type === 'start-failed' && [e.failures, e.retryInMs])).toEqual([
      [1, 100],
      [2, 200],
      [3, 200],
    ]);
    expect(third.message).toMatch(/error\(s\) in the lab definition/);
    expect(h.pool.stats().starting).toBeLessThanOrEqual(1);
    expect(h.pool.waitStatus('alice')).toMatchObject({ place: 1, estimateMs: null, lastStartError: third.message });
    await h.pool.close();
    expect(await waiting).toMatchObject({ ok: false, reason: 'closed' });
  });

  it('leaves no namespace, process, cgroup or file behind after 200 allocate-and-reclaim cycles', async () => {
    const h = makePool({ warm: 1, maxInstances: 2, idleMs: 300, warnMs: 100 });
    const ids = new Set<string>();
    const t0 = performance.now();
    for (let i = 0; i < 200; i++) {
      const owner = `learner-${i}`;
      const r = ok(await h.pool.acquire(owner));
      ids.add(r.instance.id);
      if (i % 20 === 19) {
        // Every 20th is left idle until the pool reclaims it; the others leave (release).
        await h.next('reclaimed', (e) => e.owner === owner);
      } else {
        await h.pool.release(owner);
      }
    }
    const cyclesMs = performance.now() - t0;
    await h.pool.close();
    console.log(`200 allocate-and-reclaim cycles: ${(cyclesMs / 1000).toFixed(1)} s; start median ${h.pool.stats().startMs} ms, stop median ${h.pool.stats().stopMs} ms`);
    expect(ids.size).toBe(200);
    expect(h.events.filter((e) => e.type === 'reclaimed' && e.reason === 'idle')).toHaveLength(10);
    for (const id of processes.keys()) expect(leftovers(id, processes.get(id)!.snapshot, h.dir)).toEqual(NOTHING);
    const netns = existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.startsWith(PREFIX)) : [];
    expect(netns).toEqual([]);
    const cgroups = execFileSync('find', ['/sys/fs/cgroup', '-maxdepth', '4', '-name', `*${PREFIX}*`], { encoding: 'utf8' }).trim();
    expect(cgroups).toBe('');
    expect(readdirSync(h.dir)).toEqual([]);
  }, 300_000);
});
