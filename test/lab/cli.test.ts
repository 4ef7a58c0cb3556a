/** The lab CLI end to end: up --detach, status, exec (exit code), logs, down. */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { listInstances } from '../../src/lab/instanceState.ts';
import { cleanStaleInstances } from '../../src/lab/startLab.ts';
import { FIXTURES, PREFIX, runtimeDir } from './helpers.ts';
import { leftovers, NOTHING, processesIn } from './leftovers.ts';

const bin = fileURLToPath(new URL('../../bin/patchbay.mjs', import.meta.url));
const rt = runtimeDir();

function patchbay(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, PATCHBAY_RUNTIME_DIR: rt.dir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

afterAll(async () => {
  // If a step failed before `down`, stop the detached runtime by its PID, then remove what is left.
  for (const r of listInstances(rt.dir)) {
    try {
      process.kill(r.runtime.pid, 'SIGKILL');
    } catch {
      // Gone.
    }
  }
  await new Promise((r) => setTimeout(r, 200));
  await cleanStaleInstances(rt.dir, PREFIX);
  rt.remove();
});

describe('the lab CLI', () => {
  it('up names a bad query of the lab\'s challenges.yaml with the definition\'s errors, and starts nothing', async () => {
    const up = await patchbay(['up', `${FIXTURES}/badqueries`, '--prefix', PREFIX]);
    expect(up.code).toBe(1);
    expect(up.err).toMatch(/^challenges: .*badqueries\/challenges\.yaml:9:16: challenges\.0\.reference: PromQL: The query ends too early at line 1, column 16: .* \(in `sum\(rate\(x\[\d+[sm]\]\)`, after substituting variables\)$/m);
    expect(up.err).toMatch(/^.*badqueries\/lab\.yaml:6:19: hosts\.web\.processes\.server\.command\.0: command `definitely-not-a-real-program` not found/m);
    expect(listInstances(rt.dir)).toEqual([]);
  });

  it('runs a detached lab that status, exec, logs and down all work on', async () => {
    const up = await patchbay(['up', `${FIXTURES}/mini`, '--detach', '--prefix', PREFIX]);
    expect(up.err).toBe('');
    expect(up.code).toBe(0);
    expect(up.out).toMatch(/web\/server\s+ready/);
    expect(up.out).toMatch(/all processes ready/);
    expect(up.out).toMatch(/running in the background/);
    const [record] = listInstances(rt.dir);
    expect(record).toBeDefined();

    const status = await patchbay(['status']);
    expect(status.code).toBe(0);
    expect(status.out).toContain(`${record!.id}  lab mini  ready`);
    expect(status.out).toMatch(/poller\s+ready/);

    const exec = await patchbay(['exec', 'api', '--', 'sh', '-c', 'hostname; curl -s http://web:8080/; exit 7']);
    expect(exec.code).toBe(7);
    expect(exec.out).toBe('api\nweb hello-from-mini\n');

    const unknown = await patchbay(['exec', 'db', '--', 'true']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('no host "db" in lab mini; its hosts are: web, api, prom');

    const logs = await patchbay(['logs', 'web', 'server']);
    expect(logs.code).toBe(0);
    expect(logs.out).toMatch(/\[patchbay .*\] starting: node .*web\.mjs/);
    expect(logs.out).toMatch(/\] ready/);

    const processes = processesIn(record!.network.netns);
    expect(processes.length).toBeGreaterThanOrEqual(4);
    const down = await patchbay(['down']);
    expect(down.code).toBe(0);
    expect(down.out).toMatch(new RegExp(`stopped ${record!.id} \\(lab mini\\)`));
    expect(leftovers(record!.id, processes, rt.dir)).toEqual(NOTHING);
  });

  it('prints file:line:column errors for a malformed lab and starts nothing', async () => {
    const up = await patchbay(['up', `${FIXTURES}/bad/unknown-key.yaml`, '--prefix', PREFIX]);
    expect(up.code).toBe(1);
    expect(up.err).toMatch(/bad\/unknown-key\.yaml:7:9: hosts\.web\.processes\.server\.depends_on: `depends_on` is not a key here; write `dependsOn` instead/);
    expect(up.err).toContain('nothing was started');
    expect(listInstances(rt.dir)).toEqual([]);
  });

  it('answers --help for every lab command', async () => {
    for (const name of ['up', 'down', 'status', 'exec', 'logs']) {
      const r = await patchbay([name, '--help']);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`^Usage: patchbay ${name}`));
    }
  });
});
