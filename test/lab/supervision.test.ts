/** Supervision with real processes: restart after SIGKILL, crash-loop backoff, degraded health. */
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessHealth } from '../../src/protocol/health.ts';
import { readRecord } from '../../src/lab/instanceState.ts';
import type { LabInstance } from '../../src/lab/types.ts';
import { processesOf, runtimeDir, start, waitFor } from './helpers.ts';
import { leftovers, NOTHING } from './leftovers.ts';

const rt = runtimeDir();
const labs: LabInstance[] = [];
afterAll(async () => {
  await Promise.all(labs.map((l) => l.stop()));
  rt.remove();
});

function processHealth(lab: LabInstance, host: string, name: string): ProcessHealth {
  return lab.health().hosts.find((h) => h.name === host)!.processes.find((p) => p.name === name)!;
}

/** The supervised PID as recorded on disk (what `patchbay status` and cleanup read). */
async function pidOf(lab: LabInstance, id: string): Promise<number> {
  return waitFor(`${id} pid on disk`, () => readRecord(lab.dir)?.processes[id]?.pid ?? undefined);
}

describe('a supervised process', () => {
  it('is restarted after SIGKILL and becomes ready again', async () => {
    const lab = await start('mini', rt.dir);
    labs.push(lab);
    const before = await pidOf(lab, 'web/server');
    process.kill(before, 'SIGKILL');
    await waitFor('a restart', () => (processHealth(lab, 'web', 'server').restarts >= 1 ? true : undefined));
    await waitFor('ready again', () => (processHealth(lab, 'web', 'server').state === 'ready' ? true : undefined));
    expect(lab.health().state).toBe('ready');
    const after = await waitFor('a new pid', async () => {
      const pid = await pidOf(lab, 'web/server');
      return pid !== before ? pid : undefined;
    });
    expect(after).not.toBe(before);
    const r = await lab.exec('api', ['curl', '-sS', '--max-time', '5', 'http://web:8080/']);
    expect(r.stdout).toBe('web hello-from-mini\n');
    const log = readFileSync(join(lab.dir, 'logs', 'web', 'server.log'), 'utf8');
    expect(log).toMatch(/killed by SIGKILL/);
    expect(log).toMatch(/restarting in \d+ ms \(restart 1\)/);
  });
});

describe('a process that crashes in a loop', () => {
  it('backs off, marks the lab degraded with the failing process, and the rest keeps running', async () => {
    const lab = await start('crashloop', rt.dir);
    labs.push(lab);
    await waitFor('three restarts', () => (processHealth(lab, 'flaky', 'crasher').restarts >= 3 ? true : undefined));
    const health = lab.health();
    expect(health.state).toBe('degraded');
    expect(health.failing).toEqual(['flaky/crasher']);
    expect(processHealth(lab, 'flaky', 'crasher').lastError).toBe('exited with code 3');
    expect(processHealth(lab, 'steady', 'server').state).toBe('ready');
    const r = await lab.exec('steady', ['curl', '-sS', '--max-time', '5', 'http://127.0.0.1:8080/']);
    expect(r.exitCode).toBe(0);
    // Delays double from the initial 100 ms up to the 400 ms cap.
    const log = readFileSync(join(lab.dir, 'logs', 'flaky', 'crasher.log'), 'utf8');
    const delays = [...log.matchAll(/restarting in (\d+) ms/g)].map((m) => Number(m[1]));
    expect(delays.slice(0, 3)).toEqual([100, 200, 400]);
    expect(Math.max(...delays)).toBe(400);
    expect(log).toContain('crashing');
    const processes = processesOf(lab);
    await lab.stop();
    expect(leftovers(lab.id, processes, rt.dir)).toEqual(NOTHING);
  });
});

describe('a process that crashes before it is ever ready', () => {
  it('fails the start after its startTimeout, keeps restarting, and its dependents are not started', async () => {
    const lab = await start('neverready', rt.dir);
    labs.push(lab);
    const outcome = await lab.ready();
    expect(outcome.ok).toBe(false);
    expect(outcome.ok ? '' : outcome.message).toMatch(/^box\/broken: not ready after 1000 ms/);
    const health = lab.health();
    expect(health.state).toBe('degraded');
    expect(health.failing).toEqual(expect.arrayContaining(['box/broken', 'box/after']));
    expect(processHealth(lab, 'box', 'after')).toMatchObject({ state: 'failed', lastError: expect.stringContaining('a dependency failed') });
    expect(processHealth(lab, 'box', 'independent').state).toBe('ready');
    const restarts = processHealth(lab, 'box', 'broken').restarts;
    await waitFor('another restart', () => (processHealth(lab, 'box', 'broken').restarts > restarts ? true : undefined));
  });
});
