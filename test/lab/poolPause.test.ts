/**
 * Paused warm instances (instanceFreezer.ts): a spare the pool keeps is frozen once ready, costs no CPU,
 * and runs again the moment it is handed out (its processes answer); closing the pool tears a frozen
 * spare down too, leaving no freezer cgroup, instance cgroup or runtime directory behind.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabPool, type PoolEvent } from '../../src/lab/LabPool.ts';
import { readRecord } from '../../src/lab/instanceState.ts';
import { FREEZER_ROOT, freezerAvailable, isFrozen } from '../../src/lab/instanceFreezer.ts';
import { instanceProcesses } from '../../src/lab/instanceCgroup.ts';
import { FIXTURES, waitFor } from './helpers.ts';

const PREFIX = 'pbz';
const LONG = 3_600_000;
const pools: { pool: LabPool; dir: string }[] = [];

afterEach(async () => {
  for (const { pool, dir } of pools.splice(0)) {
    await pool.close();
    expect(readdirSync(dir)).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  }
});

function startedPool(): { pool: LabPool; started: Promise<string> } {
  const dir = mkdtempSync(join(tmpdir(), `${PREFIX}-rt-`));
  const pool = new LabPool({ lab: { lab: join(FIXTURES, 'tiny'), prefix: PREFIX, runtimeDir: dir }, tunables: { idleMs: LONG, warnMs: 1_000, maxLifetimeMs: LONG, warm: 1, maxInstances: 2 } });
  pools.push({ pool, dir });
  const started = new Promise<string>((resolve) => {
    const off = pool.subscribe((e: PoolEvent) => {
      if (e.type === 'started') {
        off();
        resolve(join(dir, e.instance));
      }
    });
  });
  return { pool, started };
}

/** The scheduler state of each process (`T`/`D` frozen in the freezer, `S`/`R` running). */
function states(pids: number[]): string[] {
  return pids.map((pid) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.charAt(0));
}

describe.skipIf(!freezerAvailable())('paused warm instances', () => {
  it('freezes a ready spare and thaws it when it is handed out; its processes then answer', async () => {
    const { pool, started } = startedPool();
    const dir = await started;
    const cgroup = readRecord(dir)!.cgroup!;
    // Every process of the instance ends up in the freezer cgroup, frozen (one that joined its cgroup
    // after the first pass is taken by a later one).
    const frozenPids = () => readFileSync(join(FREEZER_ROOT, cgroup, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
    const pids = await waitFor('every process of the spare frozen', () => {
      const inside = instanceProcesses(cgroup);
      const frozen = new Set(frozenPids());
      return isFrozen(cgroup) && inside.length > 0 && inside.every((pid) => frozen.has(pid)) ? inside : undefined;
    }, 30_000);
    expect(new Set(frozenPids())).toEqual(new Set(pids));

    const r = await pool.acquire('learner');
    if (!r.ok) throw new Error(r.message);
    expect(r.source).toBe('warm');
    expect(isFrozen(cgroup)).toBe(false);
    // Thawing is asynchronous in the kernel: a task leaves the refrigerator when next scheduled.
    await waitFor('every process of the instance running again', () => (states(instanceProcesses(cgroup)).every((s) => s === 'S' || s === 'R') ? true : undefined), 10_000);
    // A command in the host runs and answers (it would hang in a frozen instance).
    const out = await r.instance.exec('box', ['echo', 'thawed']);
    expect(out.stdout.trim()).toBe('thawed');
  }, 60_000);

  it('tears a frozen spare down on close, freezer cgroup included', async () => {
    const { pool, started } = startedPool();
    const dir = await started;
    const cgroup = readRecord(dir)!.cgroup!;
    await waitFor('the spare frozen', () => (isFrozen(cgroup) ? true : undefined), 30_000);
    await pool.close();
    expect(existsSync(join(FREEZER_ROOT, cgroup))).toBe(false);
    expect(instanceProcesses(cgroup)).toEqual([]);
  }, 60_000);
});
