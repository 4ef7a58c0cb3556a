/**
 * Attacks on the sandbox of a lab host (src/lab/sandbox.ts), from a real shell on a pty spawned from the
 * SpawnSpec the gateway uses, and on the bare gateway's `tools` shell (LocalTargetResolver): what the
 * machine, the gateway and other instances expose must be out of reach, and the lessons' commands work.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as pty from 'node-pty';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_DIR } from '../../src/lab/loadLab.ts';
import { processStartTime, readRecord } from '../../src/lab/instanceState.ts';
import type { LabInstance, SpawnSpec } from '../../src/lab/types.ts';
import { LocalTargetResolver } from '../../src/terminal/LocalTargetResolver.ts';
import { runtimeDir, start, waitFor } from './helpers.ts';
import { netnsStateOf } from '../../src/lab/netnsDriver.ts';

/** Top-level folders every sandbox has of its own (so a repository under one of them is checked by its full path). */
const SANDBOX_OWN_TOP = ['tmp', 'root', 'usr', 'etc', 'dev', 'proc', 'opt'];

/** Something in the gateway's (this process's) environment that no sandboxed process may read. */
const SECRET = `pbc-sandbox-secret-${process.pid}`;

interface Shell {
  /** Runs `command` and returns what it printed (between two markers, without the typed line). */
  run(command: string): Promise<string>;
  /** Everything the terminal printed so far. */
  screen(): string;
  /** The pty's device on the machine, e.g. /dev/pts/7. */
  pts: string;
  /** SIGKILL, resolved once the pty's process has exited. */
  kill(): Promise<void>;
}

let marks = 0;
function openShell(spec: SpawnSpec): Shell {
  const term = pty.spawn(spec.file, spec.args, { name: 'xterm-256color', cols: 200, rows: 50, cwd: spec.cwd, env: spec.env });
  let out = '';
  term.onData((d) => (out += d));
  const exited = new Promise<void>((resolve) => term.onExit(() => resolve()));
  // Plain output to compare: the host's rc file colours ls and grep.
  term.write('unalias -a 2>/dev/null\r');
  return {
    async run(command) {
      const id = ++marks;
      // The markers are typed split in two, so only their output matches.
      term.write(`echo "__B${id}""__"; ${command}; echo "__E${id}""__"\r`);
      const text = await waitFor(`the output of ${command}`, () => {
        const m = new RegExp(`__B${id}__\\r?\\n([\\s\\S]*?)__E${id}__`).exec(out);
        return m ? m[1]!.replace(/\r/g, '') : undefined;
      });
      return text;
    },
    screen: () => out,
    pts: (term as unknown as { ptsName: string }).ptsName,
    kill: () => {
      term.kill('SIGKILL');
      return exited;
    },
  };
}

describe('the sandbox of a lab host', () => {
  const rt = runtimeDir();
  let lab: LabInstance;
  let other: LabInstance;
  const shells: Shell[] = [];
  const shellOn = (host: string, options: { shell?: string; user?: string; workdir?: string } = {}) => {
    const r = lab.spawnSpecFor(host, options);
    if (!r.ok) throw new Error(r.message);
    const s = openShell(r.spec);
    shells.push(s);
    return s;
  };

  beforeAll(async () => {
    process.env.PBC_SANDBOX_SECRET = SECRET;
    [lab, other] = await Promise.all([start('mini', rt.dir), start('tiny', rt.dir)]);
  }, 60_000);

  afterAll(async () => {
    delete process.env.PBC_SANDBOX_SECRET;
    await Promise.all(shells.map((s) => s.kill()));
    await Promise.all([lab?.stop(), other?.stop()]);
    rt.remove();
  });

  it('shows the system and the host, none of the server’s folders', async () => {
    const sh = shellOn('web');
    const top = (await sh.run('ls -A1 /')).split('\n').filter(Boolean);
    // The repository's top folder is not there, unless it is one the sandbox has of its own (a clone in /tmp).
    const repoTop = PROJECT_DIR.split('/')[1]!;
    if (!SANDBOX_OWN_TOP.includes(repoTop)) expect(top).not.toContain(repoTop);
    expect(top).not.toContain('work');
    expect(top).not.toContain('home');
    expect(top).not.toContain('var');
    expect(top).toEqual(expect.arrayContaining(['usr', 'etc', 'proc', 'dev', 'tmp', 'root']));
    expect(await sh.run(`test -e ${PROJECT_DIR} || echo no-repo; test -e /run/netns || echo no-netns; ls /usr/local | wc -l`)).toBe('no-repo\nno-netns\n0\n');
    // The host's own files are there, at the paths its processes were given.
    const web = netnsStateOf(readRecord(lab.dir))!.hosts.find((h) => h.name === 'web')!;
    expect(await sh.run(`test -d ${web.hostDir} && echo host-dir; ls /opt/patchbay/labs/mini/web.mjs`)).toBe(`host-dir\n/opt/patchbay/labs/mini/web.mjs\n`);
    // The machine's /etc is not: only the files programs need.
    expect(await sh.run('test -e /etc/shadow || echo no-shadow; grep -c . /etc/hosts')).toMatch(/^no-shadow\n\d+\n$/);
    expect(await sh.run('cat /etc/hosts')).toContain('\tweb\n');
    // A lab's challenges (reference answers, hints) are not readable, a sibling lab's included; its other files are.
    expect(await sh.run('{ cat /opt/patchbay/labs/ported/challenges.yaml 2>/dev/null || true; } | wc -c; grep -c . /opt/patchbay/labs/ported/lab.yaml')).toMatch(/^0\n[1-9]\d*\n$/);
    expect(await sh.run('command -v docker kubectl terraform issues; echo "path=$PATH"')).not.toMatch(/\/usr\/local\/bin\/\w/);
  });

  it('shows only the host’s own processes, and none of them carries the gateway’s environment', async () => {
    const sh = shellOn('web');
    const ps = (await sh.run('ps -e -o pid=,args=')).trim().split('\n').map((l) => l.trim());
    const args = ps.map((l) => l.replace(/^\d+\s+/, ''));
    for (const a of args) {
      expect(a).toMatch(/^(\/bin\/sh -c echo ready;.*|sleep infinity|node \/opt\/patchbay\/labs\/mini\/web\.mjs|\/bin\/bash|-?bash|ps -e -o pid=,args=)$/);
    }
    expect(args.some((a) => a.includes('web.mjs'))).toBe(true);
    // The gateway's PID is not even there, and no visible process has its environment.
    expect(await sh.run(`cat /proc/${process.pid}/environ >/dev/null 2>&1 || echo unreadable`)).toBe('unreadable\n');
    expect(await sh.run(`grep -l ${SECRET} /proc/[0-9]*/environ 2>/dev/null | wc -l`)).toBe('0\n');
    expect(await sh.run('echo "$PBC_SANDBOX_SECRET"')).toBe('\n');
  });

  it('cannot enter the machine’s namespaces or another instance’s', async () => {
    const sh = shellOn('api');
    const otherNs = netnsStateOf(readRecord(other.dir))!.hosts[0]!.netns;
    const tries = [
      'nsenter --net=/proc/1/ns/net true',
      'nsenter -t 1 -a true',
      `ip netns exec ${otherNs} true`,
      `nsenter --net=/run/netns/${otherNs} true`,
      'unshare -n true',
      'mount -t tmpfs x /tmp',
    ];
    for (const t of tries) expect(await sh.run(`${t} >/dev/null 2>&1; echo "rc=$?"`), t).not.toBe('rc=0\n');
    const caps = /CapEff:\s*([0-9a-f]+)/.exec(await sh.run('grep CapEff /proc/self/status'))![1]!;
    const eff = BigInt(`0x${caps}`);
    const has = (bit: number) => (eff >> BigInt(bit)) & 1n;
    // CAP_DAC_READ_SEARCH 2, CAP_SYS_MODULE 16, CAP_SYS_PTRACE 19, CAP_SYS_ADMIN 21, CAP_MKNOD 27; NET_ADMIN 12 stays.
    expect([2, 16, 19, 21, 27].map(has)).toEqual([0n, 0n, 0n, 0n, 0n]);
    expect(has(12)).toBe(1n);
    // No cgroup file system to move a job out of the instance's cgroup with.
    expect(await sh.run('test -e /sys/fs/cgroup || echo no-cgroupfs')).toBe('no-cgroupfs\n');
  });

  it('cannot write into another terminal, on its own host or another', async () => {
    const victim = shellOn('web');
    await victim.run('true');
    const attacker = shellOn('api');
    const n = victim.pts.replace('/dev/pts/', '');
    expect(await attacker.run(`ls /dev/pts`)).toBe('ptmx\n');
    expect(await attacker.run(`echo PWNED-A > ${victim.pts} 2>/dev/null; echo "rc=$?"`)).not.toBe('rc=0\n');
    expect(await attacker.run(`mknod /tmp/pts c 136 ${n} 2>/dev/null; echo "rc=$?"`)).not.toBe('rc=0\n');
    const sameHost = shellOn('web');
    expect(await sameHost.run(`echo PWNED-B > ${victim.pts} 2>/dev/null; echo "rc=$?"`)).not.toBe('rc=0\n');
    await victim.run('true');
    expect(victim.screen()).not.toContain('PWNED');
  });

  it('lets lesson 4’s sysctl -w change only its own host’s conntrack timeout', async () => {
    const key = 'net.netfilter.nf_conntrack_tcp_timeout_close';
    const machine = readFileSync('/proc/sys/net/netfilter/nf_conntrack_tcp_timeout_close', 'utf8').trim();
    const api = shellOn('api');
    const web = shellOn('web');
    expect(await web.run(`sysctl -n ${key}`)).toBe('7\n');
    expect(await api.run(`sysctl -w ${key}=61`)).toBe(`${key} = 61\n`);
    expect(await api.run(`sysctl -n ${key}`)).toBe('61\n');
    expect(await web.run(`sysctl -n ${key}`)).toBe('7\n');
    expect(readFileSync('/proc/sys/net/netfilter/nf_conntrack_tcp_timeout_close', 'utf8').trim()).toBe(machine);
    // The machine's own knobs are read-only (written with their own value, so nothing changes if not).
    expect(await api.run('sysctl -w vm.swappiness=$(sysctl -n vm.swappiness) >/dev/null 2>&1; echo "rc=$?"')).not.toBe('rc=0\n');
    expect(await api.run('echo 1 > /proc/sys/kernel/sysrq 2>/dev/null; echo "rc=$?"')).not.toBe('rc=0\n');
  });

  it('keeps the host running when a learner kills its first processes', async () => {
    const sh = shellOn('api');
    await sh.run('kill -9 1; kill -TERM 1; pkill -9 -x sleep; sleep 0.2');
    const r = await lab.exec('api', ['curl', '-sS', '--max-time', '5', 'http://127.0.0.1:8080/']);
    expect(r.exitCode).toBe(0);
    expect((await lab.exec('api', ['hostname'])).stdout).toBe('api\n');
  });

  it('gives root a writable home and /tmp of the host’s own, and a read-only system', async () => {
    const sh = shellOn('web', { workdir: '/tmp' });
    expect(await sh.run('pwd; echo "$HOME"; echo x > ~/pbc-file && echo home-ok; echo y > /tmp/pbc-tmp && echo tmp-ok')).toBe('/tmp\n/root\nhome-ok\ntmp-ok\n');
    expect(await sh.run('touch /usr/pbc 2>/dev/null || echo usr-ro; touch /pbc 2>/dev/null || echo root-ro; touch /etc/passwd 2>/dev/null || echo etc-ro')).toBe('usr-ro\nroot-ro\netc-ro\n');
    const web = netnsStateOf(readRecord(lab.dir))!.hosts.find((h) => h.name === 'web')!;
    expect(readFileSync(join(web.hostDir, 'home', 'pbc-file'), 'utf8')).toBe('x\n');
    expect(existsSync('/tmp/pbc-tmp')).toBe(false);
    // Another host's /tmp is its own.
    expect(await shellOn('api').run('test -e /tmp/pbc-tmp || echo absent')).toBe('absent\n');
  });

  it('ends its sandboxes and every process in them when the instance stops', async () => {
    const record = readRecord(other.dir)!;
    const sandboxes = netnsStateOf(record)!.network.sandboxes ?? [];
    expect(sandboxes.length).toBe(record.hosts.length);
    for (const s of sandboxes) expect(processStartTime(s.pid)).toBe(s.startTime);
    await other.stop();
    for (const s of sandboxes) expect(processStartTime(s.pid)).toBeNull();
  });
});

describe('the sandbox of the bare gateway’s tools shell', () => {
  let workspace: string;
  const shells: Shell[] = [];
  const open = (workdir?: string) => {
    const r = new LocalTargetResolver({ workspace, env: { HOME: workspace } }).resolve({ target: 'tools', ...(workdir && { workdir }) });
    if (!r.ok) throw new Error(r.message);
    const s = openShell(r.spec);
    shells.push(s);
    return s;
  };

  beforeAll(() => {
    process.env.PBC_SANDBOX_SECRET = SECRET;
    workspace = mkdtempSync(join(tmpdir(), 'pbc-sbx-ws-'));
    mkdirSync(join(workspace, 'sub'));
    writeFileSync(join(workspace, 'sub', 'given.txt'), 'from the workspace\n');
  });

  afterAll(async () => {
    delete process.env.PBC_SANDBOX_SECRET;
    await Promise.all(shells.map((s) => s.kill()));
    // A shell's sandbox may still be writing its history as it is killed.
    if (workspace) rmSync(workspace, { recursive: true, force: true, maxRetries: 10 });
  });

  it('sees the system and its workspace as HOME, nothing of the server or the machine’s processes', async () => {
    const sh = open('sub');
    expect(await sh.run('pwd; echo "$HOME"; cat given.txt; echo made > ~/made.txt')).toBe('/root/sub\n/root\nfrom the workspace\n');
    expect(readFileSync(join(workspace, 'made.txt'), 'utf8')).toBe('made\n');
    const top = (await sh.run('ls -A1 /')).split('\n').filter(Boolean);
    if (!SANDBOX_OWN_TOP.includes(PROJECT_DIR.split('/')[1]!)) expect(top).not.toContain(PROJECT_DIR.split('/')[1]!);
    expect(await sh.run(`test -e ${workspace} || echo hidden; test -e ${PROJECT_DIR} || echo no-repo`)).toBe('hidden\nno-repo\n');
    const args = (await sh.run('ps -e -o args=')).trim().split('\n');
    expect(args.length).toBeLessThanOrEqual(3); // bwrap's init, the shell, ps
    expect(await sh.run(`grep -l ${SECRET} /proc/[0-9]*/environ 2>/dev/null | wc -l`)).toBe('0\n');
  });

  it('has a network of its own and cannot leave it, and a private /tmp', async () => {
    const sh = open();
    expect(await sh.run('ip -o link | cut -d: -f2 | tr -d " "')).toBe('lo\n');
    expect(await sh.run('nsenter --net=/proc/1/ns/net true >/dev/null 2>&1; echo "rc=$?"')).not.toBe('rc=0\n');
    await sh.run('echo private > /tmp/pbc-sbx-private');
    expect(existsSync('/tmp/pbc-sbx-private')).toBe(false);
    expect(await open().run('test -e /tmp/pbc-sbx-private || echo absent')).toBe('absent\n');
    expect(await sh.run('ls /dev/pts')).toBe('ptmx\n');
  });
});
