/**
 * A lab instance's cgroup, for real: its processes and its hosts' terminals are in it with the
 * instance's caps, and `patchbay down` (stopInstance) and the start-time cleanup of a dead runtime's
 * instance remove its processes by cgroup, also jobs that left the host's network namespace
 * (`nsenter --net=/proc/1/ns/net`) or its session (`setsid nohup`).
 */
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { startLab, cleanStaleInstances } from '../../src/lab/startLab.ts';
import { readRecord, writeRecord, type InstanceRecord } from '../../src/lab/instanceState.ts';
import { DEFAULT_LAB_LIMITS, instanceProcesses } from '../../src/lab/instanceCgroup.ts';
import type { LabInstance } from '../../src/lab/types.ts';
import { stopInstance } from '../../src/cli/commands/down.ts';
import { TerminalRegistry } from '../../src/terminal/TerminalRegistry.ts';
import { ProcessCgroup, systemHierarchy } from '../../src/terminal/ProcessCgroup.ts';
import { InProcessTerminal } from '../helpers/inProcessTerminal.ts';
import { alive, cmdline } from '../helpers/procfs.ts';
import { FIXTURES, runtimeDir, waitFor } from './helpers.ts';

/** This file's own prefix: other lab tests' cleanup of stale `pbc` instances must not see these. */
const PREFIX = 'pbk';
const hierarchy = systemHierarchy()!;
let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function startTiny(): Promise<{ lab: LabInstance; record: InstanceRecord; dir: string }> {
  const rt = runtimeDir();
  const result = await startLab({ lab: join(FIXTURES, 'tiny'), prefix: PREFIX, runtimeDir: rt.dir });
  if (!result.ok) throw new Error(result.message);
  const lab = result.instance;
  cleanup.push(async () => {
    await lab.stop();
    rt.remove();
  });
  return { lab, record: readRecord(lab.dir)!, dir: rt.dir };
}

/** A terminal on the lab's host starts jobs that leave its network namespace and its session; returns their pids. */
async function startEscapees(lab: LabInstance): Promise<{ pids: number[]; hostNet: string }> {
  const registry = new TerminalRegistry({ resolver: lab.resolver, cgroupParent: `${PREFIX}-gw` });
  cleanup.push(() => registry.close());
  const t = await InProcessTerminal.open(registry, 's1', 'box', { target: 'box' });
  expect(t.session.cgroup!.rel.startsWith(`${readRecord(lab.dir)!.cgroup}/gw-`)).toBe(true);
  t.type('echo "net=$(readlink /proc/self/ns/net)"\r');
  const hostNet = (await t.waitForText(/net=(net:\[\d+\])/))[1]!;
  // Where nsenter is refused (inside a sandbox), the job still leaves the session.
  t.type('((nsenter --net=/proc/1/ns/net setsid nohup sleep 1011 || setsid nohup sleep 1011) >/dev/null 2>&1 &); setsid nohup sleep 1012 >/dev/null 2>&1 & echo "jo""bs"\r');
  await t.waitForText(/jobs/);
  const record = readRecord(lab.dir)!;
  const pids = await waitFor('both jobs in the instance cgroup', () => {
    const found = instanceProcesses(record.cgroup!).filter((pid) => /^sleep 101[12]$/.test(cmdline(pid)));
    return found.length === 2 ? found : undefined;
  });
  return { pids, hostNet };
}

describe('lab instance cgroup', () => {
  it("holds the instance's processes and its terminals, with the instance's caps", async () => {
    const { lab, record } = await startTiny();
    expect(record.cgroup).toBe(`patchbay-labs/${lab.id}`);
    const cgroup = ProcessCgroup.at(record.cgroup!)!;
    expect(readFileSync(join(cgroup.path, 'pids.max'), 'utf8').trim()).toBe(String(DEFAULT_LAB_LIMITS.pidsMax));
    const memoryFile = hierarchy.version === 2 ? 'memory.max' : 'memory.limit_in_bytes';
    expect(Number(readFileSync(join(hierarchy.memory!, record.cgroup!, memoryFile), 'utf8'))).toBe(DEFAULT_LAB_LIMITS.memoryBytes);
    // The supervised process (tiny's `sleep 100000`) is in the instance's processes' leaf (it is ready
    // as soon as it is spawned, so it may still be joining).
    await waitFor('the supervised process in the lab leaf', () => (ProcessCgroup.at(`${record.cgroup}/lab`)!.allPids().map(cmdline).includes('sleep 100000') ? true : undefined));
    // So is what `exec` starts in a host, also a job that leaves its session.
    expect((await lab.exec('box', ['sh', '-c', 'setsid nohup sleep 1013 >/dev/null 2>&1 &'])).exitCode).toBe(0);
    await waitFor('the exec job in the lab leaf', () => (ProcessCgroup.at(`${record.cgroup}/lab`)!.allPids().map(cmdline).includes('sleep 1013') ? true : undefined));
  });

  it('patchbay down kills jobs that left the host’s network namespace or session, by cgroup', async () => {
    const { lab, record, dir } = await startTiny();
    const { pids, hostNet } = await startEscapees(lab);
    const nets = pids.map((pid) => readlinkSync(`/proc/${pid}/ns/net`));
    expect(nets).toContain(hostNet);
    await stopInstance(dir, record);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    for (const d of ProcessCgroup.at(record.cgroup!)!.dirs) expect(existsSync(d)).toBe(false);
  });

  it("a new start removes a dead runtime's instance with every process in its cgroup", async () => {
    const { lab, record, dir } = await startTiny();
    const { pids } = await startEscapees(lab);
    // The runtime is gone (as after a SIGKILL): the record names a process that has exited.
    const gone = spawnSync('true').pid!;
    writeRecord({ ...readRecord(lab.dir)!, runtime: { pid: gone, startTime: '1' } });
    const removed = await cleanStaleInstances(dir, PREFIX);
    expect(removed).toEqual([lab.id]);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    for (const d of ProcessCgroup.at(record.cgroup!)!.dirs) expect(existsSync(d)).toBe(false);
  });
});
