/**
 * Each terminal's caps, attacked for real: a fork bomb stops at its pids.max while another terminal
 * still echoes, a memory hog is OOM-killed inside its own cgroup and the gateway (this process) lives
 * on, a lab's spec nests the terminal under the instance's cgroup, and teardown removes every cgroup
 * in every hierarchy. Screen copies stay within their share and are gone, worker included, once the
 * terminals end.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { TerminalRegistry } from '../../src/terminal/TerminalRegistry.ts';
import { LocalTargetResolver } from '../../src/terminal/LocalTargetResolver.ts';
import { ProcessCgroup, sharesFromWeight, systemHierarchy } from '../../src/terminal/ProcessCgroup.ts';
import { DEFAULT_TERMINAL_LIMITS, screenCopyBytes, type TerminalLimits } from '../../src/terminal/TerminalLimits.ts';
import type { TargetResolver } from '../../src/terminal/target.ts';
import { InProcessTerminal } from '../helpers/inProcessTerminal.ts';
import { TEST_PREFIX } from '../helpers/gateway.ts';
import { cmdline } from '../helpers/procfs.ts';

const hierarchy = systemHierarchy()!;
let registry: TerminalRegistry | null = null;
let workspace: string | null = null;
const extraCgroups: ProcessCgroup[] = [];

afterEach(async () => {
  await registry?.close();
  registry = null;
  for (const c of extraCgroups.splice(0)) await c.killAll();
  if (workspace) rmSync(workspace, { recursive: true, force: true });
  workspace = null;
});

function open(limits: Partial<TerminalLimits>, resolver?: TargetResolver): { registry: TerminalRegistry; parent: string } {
  workspace ??= mkdtempSync(join(tmpdir(), `${TEST_PREFIX}-lim-`));
  const parent = `${TEST_PREFIX}-lim-${randomBytes(4).toString('hex')}`;
  registry = new TerminalRegistry({ resolver: resolver ?? new LocalTargetResolver({ workspace }), limits, cgroupParent: parent, screenWorkerIdleMs: 0 });
  return { registry, parent };
}

function cgroupFile(cgroup: ProcessCgroup, controller: 'pids' | 'memory' | 'cpu', file: string): string {
  return readFileSync(join(hierarchy[controller]!, cgroup.rel, file), 'utf8').trim();
}

async function until(predicate: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('terminal limits', () => {
  it('gives each terminal a cgroup with pids.max, a memory cap less its screen share, and a CPU weight', async () => {
    const { registry, parent } = open({ pidsMax: 77, memoryBytes: 300 * 1024 * 1024, screenBytes: 4 * 1024 * 1024, cpuWeight: 50 });
    const t = await InProcessTerminal.open(registry, 's1', 'caps');
    const cgroup = t.session.cgroup!;
    expect(cgroup.rel.startsWith(`${parent}/gw-${process.pid}-`)).toBe(true);
    const memoryFile = hierarchy.version === 2 ? 'memory.max' : 'memory.limit_in_bytes';
    const cpuFile = hierarchy.version === 2 ? 'cpu.weight' : 'cpu.shares';
    expect(cgroupFile(cgroup, 'pids', 'pids.max')).toBe('77');
    expect(Number(cgroupFile(cgroup, 'memory', memoryFile))).toBe(296 * 1024 * 1024);
    expect(Number(cgroupFile(cgroup, 'cpu', cpuFile))).toBe(hierarchy.version === 2 ? 50 : sharesFromWeight(50));
    t.type('echo "up-$((6*7))"\r');
    await t.waitForText(/up-42/);
    // The shell is in the terminal's cgroup in every hierarchy.
    for (const dir of cgroup.dirs) expect(readFileSync(join(dir, 'cgroup.procs'), 'utf8')).toContain(String(t.session.pid));
    const dirs = cgroup.dirs;
    await registry.close();
    for (const dir of dirs) expect(existsSync(dir)).toBe(false);
    for (const root of new Set([hierarchy.pids, hierarchy.memory!, hierarchy.cpu!])) expect(existsSync(join(root, parent))).toBe(false);
  });

  it('stops a fork bomb at pids.max while another terminal still echoes, and teardown removes it all', async () => {
    const pidsMax = 48;
    const { registry } = open({ pidsMax });
    const bomb = await InProcessTerminal.open(registry, 's1', 'bomb');
    const quiet = await InProcessTerminal.open(registry, 's1', 'quiet');
    const cgroup = bomb.session.cgroup!;
    bomb.type(':(){ :|:& };:\r');
    // The bomb has reached its cap: forks were refused (pids.events counts them).
    await until(() => Number(/max (\d+)/.exec(cgroupFile(cgroup, 'pids', 'pids.events'))?.[1] ?? 0) > 0);
    for (let i = 0; i < 5; i++) {
      expect(Number(cgroupFile(cgroup, 'pids', 'pids.current'))).toBeLessThanOrEqual(pidsMax);
      expect(cgroup.allPids().length).toBeLessThanOrEqual(pidsMax);
      quiet.type(`echo "echo-${i}-$((6*7))"\r`);
      await quiet.waitForText(new RegExp(`echo-${i}-42`));
    }
    const dirs = cgroup.dirs;
    await registry.close();
    for (const dir of dirs) expect(existsSync(dir)).toBe(false);
  });

  it('OOM-kills a memory hog inside its own cgroup; its shell and the gateway live on', async () => {
    const { registry } = open({ memoryBytes: 96 * 1024 * 1024, screenBytes: 8 * 1024 * 1024 });
    const t = await InProcessTerminal.open(registry, 's1', 'hog');
    const cgroup = t.session.cgroup!;
    // tail keeps every byte while it looks for a line end in /dev/zero: unbounded memory.
    t.type('tail /dev/zero; echo "hog-status=$?"\r');
    await t.waitForText(/hog-status=(\d+)/);
    expect(/hog-status=(\d+)/.exec(t.text)![1]).toBe('137');
    const kills = hierarchy.version === 2 ? /oom_kill (\d+)/.exec(cgroupFile(cgroup, 'memory', 'memory.events')) : /oom_kill (\d+)/.exec(cgroupFile(cgroup, 'memory', 'memory.oom_control'));
    expect(Number(kills?.[1])).toBeGreaterThan(0);
    t.type('echo "alive-$((6*7))"\r');
    await t.waitForText(/alive-42/);
    expect(registry.size).toBe(1);
  });

  it("nests a terminal under its target's cgroup (a lab instance's), whose caps then cover it", async () => {
    const instance = ProcessCgroup.make(`${TEST_PREFIX}-inst-${randomBytes(4).toString('hex')}`, { pidsMax: 500, memoryBytes: 1024 ** 3, cpuWeight: 100 })!;
    extraCgroups.push(instance);
    workspace = mkdtempSync(join(tmpdir(), `${TEST_PREFIX}-lim-`));
    const local = new LocalTargetResolver({ workspace });
    const resolver: TargetResolver = {
      async resolve(request) {
        const r = await local.resolve(request);
        return r.ok ? { ok: true, spec: { ...r.spec, cgroupParent: instance.rel } } : r;
      },
    };
    const { registry } = open({}, resolver);
    const t = await InProcessTerminal.open(registry, 's1', 'nested');
    expect(t.session.cgroup!.rel.startsWith(`${instance.rel}/gw-${process.pid}-`)).toBe(true);
    t.type('sleep 1005 & echo "job=$!"\r');
    await t.waitForText(/job=(\d+)/);
    // $! is the job's PID inside the shell's sandbox (a PID namespace of its own): find it by command.
    expect(instance.allPids().map(cmdline)).toContain('sleep 1005');
    await registry.close();
    expect(instance.allPids()).toEqual([]);
    // The gateway's own directory under the instance went with its terminals; the instance stays.
    expect(existsSync(instance.path)).toBe(true);
    expect(existsSync(join(instance.path, `gw-${process.pid}`))).toBe(false);
  });
});

describe('screen copies', () => {
  it('stay within their share on huge screens, say so in Hello, and are all freed with the worker once the terminals end', async () => {
    const screenBytes = 4 * 1024 * 1024;
    const { registry } = open({ screenBytes });
    const terminals: InProcessTerminal[] = [];
    for (let i = 0; i < 8; i++) terminals.push(await InProcessTerminal.open(registry, 's1', `big-${i}`, { target: 'tools' }, { cols: 1000, rows: 500 }));
    for (const t of terminals) {
      t.type('seq 1 3000; echo "fi""lled"\r');
      await t.waitForText(/filled/);
    }
    const hello = terminals[0]!.hello!;
    // 4 MiB holds about 322 lines of 1,000 columns: the rows give way, and there is no scrollback left.
    expect(hello.cols).toBe(1000);
    expect(hello.rows).toBeLessThan(500);
    expect(hello.scrollback).toBeLessThan(DEFAULT_TERMINAL_LIMITS.scrollback);
    expect(screenCopyBytes(hello.cols, hello.rows, hello.scrollback!)).toBeLessThanOrEqual(screenBytes);
    let stats = await registry.screenStats();
    expect(stats).toMatchObject({ workers: 1, screens: 8, workerScreens: 8 });
    expect(stats.estimatedBytes).toBeLessThanOrEqual(8 * screenBytes);
    // A resize is clamped the same way: a screen that fits gets its full scrollback back.
    terminals[1]!.session.resize(100, 30);
    expect(terminals[1]!.session.size).toEqual({ cols: 100, rows: 30, scrollback: DEFAULT_TERMINAL_LIMITS.scrollback });
    for (const t of terminals) t.type('exit\r');
    await until(() => registry.size === 0);
    await until(async () => {
      stats = await registry.screenStats();
      return stats.workers === 0;
    });
    expect(stats).toEqual({ workers: 0, screens: 0, workerScreens: 0, estimatedBytes: 0 });
  });
});
