import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { PIDS_CGROUP_ROOT } from '../../src/terminal/ProcessCgroup.ts';
import { startGateway, TerminalTestClient, type TestGateway } from '../helpers/gateway.ts';
import { alive, cmdline } from '../helpers/procfs.ts';

let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

/**
 * Starts jobs that escape a process-group kill (nohup ignores SIGHUP; setsid leaves the group and the
 * session) and returns every process of the terminal, read from its cgroup.
 */
async function startEscapees(gw: TestGateway, t: TerminalTestClient): Promise<number[]> {
  t.mark();
  t.type('nohup sleep 1001 >/dev/null 2>&1 & setsid nohup sleep 1002 >/dev/null 2>&1 & (setsid sleep 1003 &); echo "sta""rted"\r');
  await t.waitForText(/started\r\n/);
  const session = gw.gateway.registry.all().find((s) => s.terminalId === t.hello?.terminalId)!;
  let pids: number[] = [];
  await waitUntil(() => {
    pids = session.processIds().filter((pid) => /^sleep 100[123]$/.test(cmdline(pid)));
    return pids.length === 3;
  });
  const all = session.processIds();
  expect(all).toContain(session.pid);
  return all;
}

async function waitUntil(predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('terminal teardown', () => {
  it('leaves no process behind after the gateway closes, nohup and setsid jobs included', async () => {
    gw = await startGateway();
    const t = await TerminalTestClient.open(gw, 'escape');
    const pids = await startEscapees(gw, t);
    const cgroupDir = `${PIDS_CGROUP_ROOT}/${gw.cgroupParent}`;
    expect(existsSync(cgroupDir)).toBe(true);
    await gw.close();
    gw = undefined;
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(existsSync(cgroupDir)).toBe(false);
    expect((await t.closed).code).toBe(1001);
  });

  it('sends the exit code, closes with 1000 and kills leftover jobs when the shell exits', async () => {
    gw = await startGateway();
    const t = await TerminalTestClient.open(gw, 'exit');
    const pids = await startEscapees(gw, t);
    t.type('exit 3\r');
    const closed = await t.closed;
    expect(closed.code).toBe(1000);
    expect(t.exit).toEqual({ exitCode: 3 });
    await waitUntil(() => pids.every((pid) => !alive(pid)));
    expect(gw.gateway.registry.size).toBe(0);
  });

  it('ends a terminal whose socket stays away past the grace period', async () => {
    gw = await startGateway({ limits: { graceMs: 300 } });
    const t = await TerminalTestClient.open(gw, 'grace');
    const pids = await startEscapees(gw, t);
    await t.close();
    await waitUntil(() => gw!.gateway.registry.size === 0 && pids.every((pid) => !alive(pid)));
  });

  it('ends an idle terminal with 4008', async () => {
    gw = await startGateway({ limits: { idleMs: 500 } });
    const t = await TerminalTestClient.open(gw, 'idle');
    const closed = await t.closed;
    expect(closed.code).toBe(4008);
    expect(gw.gateway.registry.size).toBe(0);
  });
});
