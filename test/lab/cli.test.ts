/** The lab CLI end to end: up --detach, status, exec (exit code), logs, down. */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { listInstances } from '../../src/lab/instanceState.ts';
import { cleanStaleInstances } from '../../src/lab/startLab.ts';
import { waitForData } from '../../src/lessons/waitForData.ts';
import { SUMMARIES } from '../../src/cli/summaries.ts';
import { FIXTURES, PREFIX, runtimeDir, start } from './helpers.ts';
import { leftovers, NOTHING, processesIn } from './leftovers.ts';
import { netnsStateOf } from '../../src/lab/netnsDriver.ts';

const bin = fileURLToPath(new URL('../../bin/patchbay.mjs', import.meta.url));
const rt = runtimeDir();

function patchbay(args: string[], runtime = rt.dir): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, PATCHBAY_RUNTIME_DIR: runtime }, stdio: ['ignore', 'pipe', 'pipe'] });
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

    const processes = processesIn(netnsStateOf(record ?? null)!.network.netns);
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

describe('argument errors', () => {
  /** One line on stderr, nothing on stdout, exit 2. */
  const usage = (r: { code: number | null; out: string; err: string }) => ({ code: r.code, out: r.out, lines: r.err.split('\n').filter(Boolean) });

  it('are one line naming the flag probably meant, for every command', async () => {
    expect(usage(await patchbay(['status', '--jsn']))).toEqual({ code: 2, out: '', lines: ['patchbay status: unknown option --jsn; did you mean --json? (see `patchbay status --help`)'] });
    expect(usage(await patchbay(['down', '--al']))).toEqual({ code: 2, out: '', lines: ['patchbay down: unknown option --al; did you mean --all? (see `patchbay down --help`)'] });
    expect(usage(await patchbay(['logs', '--instance']))).toEqual({ code: 2, out: '', lines: ['patchbay logs: --instance needs a value (see `patchbay logs --help`)'] });
    expect(usage(await patchbay(['serve', '--prot', '1']))).toEqual({ code: 2, out: '', lines: ['patchbay serve: unknown option --prot; did you mean --port? (see `patchbay serve --help`)'] });
    expect(usage(await patchbay(['exec', '--usr', 'x', 'tools', '--', 'true']))).toEqual({
      code: 2,
      out: '',
      lines: ['patchbay exec: unknown option --usr; did you mean --user? (see `patchbay exec --help`)'],
    });
    expect(usage(await patchbay(['up', 'a', 'b']))).toEqual({ code: 2, out: '', lines: ['patchbay up: expected at most one LAB, got a b (see `patchbay up --help`)'] });
  });

  it('name the command or lesson probably meant', async () => {
    expect(usage(await patchbay(['statsu']))).toEqual({ code: 2, out: '', lines: ['patchbay: unknown command statsu; did you mean status? (see `patchbay --help`)'] });
    expect((await patchbay(['frobnicate'])).err).toContain(`unknown command frobnicate; commands: ${Object.keys(SUMMARIES).join(', ')}`);
    expect(usage(await patchbay(['test', 'conection-metrics']))).toEqual({
      code: 2,
      out: '',
      lines: ['patchbay test: no lesson "conection-metrics"; did you mean connection-metrics? (see `patchbay test --help`)'],
    });
  });
});

describe('a live check, exec and logs with several instances running', () => {
  // Instances of this test process, in a runtime dir of their own (the file's cleanup kills runtimes by PID).
  const own = runtimeDir();
  const run = (args: string[]) => patchbay(args, own.dir);
  const lab = `${FIXTURES}/ported`;
  const query = 'up{job="web"}';
  let first = '';
  let second = '';
  const stops: (() => Promise<void>)[] = [];

  it('starts two instances of one lab', async () => {
    for (let i = 0; i < 2; i++) {
      const instance = await start('ported', own.dir);
      stops.push(() => instance.stop());
      const data = await waitForData(instance.prometheusUrl!);
      expect(data).toEqual({ ok: true });
      if (i === 0) first = instance.id;
      else second = instance.id;
    }
  }, 120_000);

  it('asks for --instance instead of grading against one of them', async () => {
    const r = await run(['check', 'web-up', '--lab', lab, '-q', query]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(`patchbay check: 2 instances of lab ported are running (${listInstances(own.dir).map((x) => x.id).join(', ')}); name the one to check against with --instance ID (see \`patchbay check --help\`)\n`);
    expect([first, second].every((id) => r.err.includes(id))).toBe(true);
  });

  it('grades against the instance named, and says which', async () => {
    const r = await run(['check', 'web-up', '--lab', lab, '--instance', second, '-q', query]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^PASS {2}web-up/);
    expect(r.out).toContain(`against instance ${second} of lab ported`);
    const typo = await run(['check', 'web-up', '--lab', lab, '--instance', `${second.slice(0, -1)}x`, '-q', query]);
    expect(typo.code).toBe(1);
    expect(typo.err).toContain(`no running lab instance ${second.slice(0, -1)}x; did you mean ${second}?`);
  });

  it('runs exec by a host alias and names the host, process or instance probably meant', async () => {
    const exec = await run(['exec', '--instance', first, 'tools.container.shipyard.run', '--', 'hostname']);
    expect({ code: exec.code, out: exec.out }).toEqual({ code: 0, out: 'tools\n' });
    const host = await run(['exec', '--instance', first, 'tool', '--', 'true']);
    expect(host.code).toBe(1);
    expect(host.err).toBe('patchbay exec: no host "tool" in lab ported; its hosts are: tools, web, prom (did you mean "tools"?)\n');
    const proc = await run(['logs', '--instance', first, 'web.container.shipyard.run', 'servr']);
    expect(proc.err).toBe('patchbay logs: no process "servr" on host web; its processes are: server (did you mean "server"?)\n');
    const status = await run(['status', `${first}x`]);
    expect(status.err).toContain(`no lab instance ${first}x in ${own.dir}; did you mean ${first}?`);
  });

  afterAll(async () => {
    await Promise.all(stops.map((stop) => stop()));
    own.remove();
  });
});
