/**
 * A runtime killed with SIGKILL leaves its lab behind; the next start with the same prefix removes it.
 * The CLI also works on an instance recorded before drivers kept their own state.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listInstances } from '../../src/lab/instanceState.ts';
import { cleanStaleInstances } from '../../src/lab/startLab.ts';
import { FIXTURES, PREFIX, runtimeDir, start, waitFor } from './helpers.ts';
import { leftovers, NOTHING, processesIn } from './leftovers.ts';
import { netnsStateOf } from '../../src/lab/netnsDriver.ts';

const bin = fileURLToPath(new URL('../../bin/patchbay.mjs', import.meta.url));
const rt = runtimeDir();
afterAll(async () => {
  await cleanStaleInstances(rt.dir, PREFIX);
  rt.remove();
});

/** Runs `patchbay up` as a child, waits until the lab is up, kills it with SIGKILL; returns the orphan. */
async function orphanedInstance() {
  const child = spawn(process.execPath, [bin, 'up', `${FIXTURES}/mini`, '--prefix', PREFIX], {
    env: { ...process.env, PATCHBAY_RUNTIME_DIR: rt.dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise((r) => child.on('exit', r));
  try {
    await waitFor('the lab to be up', () => (out.includes('Press Ctrl-C') ? true : undefined), 60_000);
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
  const [orphan] = listInstances(rt.dir);
  return orphan!;
}

describe('after the runtime is killed with SIGKILL', () => {
  it('the next start finds the orphaned instance and removes everything it left', async () => {
    const orphan = await orphanedInstance();
    expect(orphan).toBeDefined();
    const processes = processesIn(netnsStateOf(orphan)!.network.netns);
    // Killed: its processes and namespaces are still there.
    const left = leftovers(orphan.id, processes, rt.dir);
    expect(left.netns).toHaveLength(3);
    expect(left.pids.length).toBeGreaterThanOrEqual(4);

    const events: string[] = [];
    const next = await start('mini', rt.dir, { onProgress: (e) => e.kind === 'cleanup' && events.push(e.instance) });
    try {
      expect(events).toEqual([orphan.id]);
      expect(leftovers(orphan.id, processes, rt.dir)).toEqual(NOTHING);
      expect(next.health().state).toBe('ready');
    } finally {
      await next.stop();
    }
  });
});

describe('patchbay down on an orphaned instance', () => {
  it('removes everything the dead runtime left', async () => {
    const orphan = await orphanedInstance();
    const processes = processesIn(netnsStateOf(orphan)!.network.netns);
    expect(processes.length).toBeGreaterThanOrEqual(4);
    const down = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [bin, 'down', orphan.id], { env: { ...process.env, PATCHBAY_RUNTIME_DIR: rt.dir }, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('close', (code) => resolve({ code, out }));
    });
    expect(down.code).toBe(0);
    expect(down.out).toContain(`stopped ${orphan.id} (lab mini)`);
    expect(leftovers(orphan.id, processes, rt.dir)).toEqual(NOTHING);
  });
});

/** Rewrites an instance's state.json as runtimes wrote it before drivers had their own state: netns fields in the record itself. */
function rewriteAsLegacyRecord(id: string): void {
  const file = join(rt.dir, id, 'state.json');
  const { driver: _driver, driverState, ...record } = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const state = driverState as { network: unknown; hosts: { name: string; netns: string; utsFile: string; hostDir: string }[] };
  const hosts = (record.hosts as { name: string }[]).map((h) => {
    const { netns, utsFile, hostDir } = state.hosts.find((x) => x.name === h.name)!;
    return { ...h, netns, utsFile, hostDir };
  });
  writeFileSync(file, JSON.stringify({ ...record, network: state.network, hosts }));
}

function patchbay(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, PATCHBAY_RUNTIME_DIR: rt.dir }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('an instance recorded before drivers kept their own state', () => {
  it('is still entered by patchbay exec and removed whole by patchbay down', async () => {
    const orphan = await orphanedInstance();
    const processes = processesIn(netnsStateOf(orphan)!.network.netns);
    rewriteAsLegacyRecord(orphan.id);
    const [legacy] = listInstances(rt.dir);
    expect(legacy!.driverState).toBeUndefined();
    expect(netnsStateOf(legacy!)!.hosts.map((h) => h.netns)).toEqual(netnsStateOf(orphan)!.hosts.map((h) => h.netns));

    const exec = await patchbay(['exec', '--instance', orphan.id, 'web', '--', 'hostname']);
    expect(exec).toEqual({ code: 0, out: 'web\n' });
    const down = await patchbay(['down', orphan.id]);
    expect(down.code).toBe(0);
    expect(leftovers(orphan.id, processes, rt.dir)).toEqual(NOTHING);
  });
});
