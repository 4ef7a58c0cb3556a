/** Terminals on lab hosts: a real pty (node-pty) spawned from the lab's SpawnSpec. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as pty from 'node-pty';
import type { LabInstance, SpawnSpec } from '../../src/lab/types.ts';
import { useLab, waitFor } from './helpers.ts';

/** Runs `command` in a shell on a pty and returns everything the terminal printed until the marker. */
async function runInTerminal(spec: SpawnSpec, command: string): Promise<string> {
  const term = pty.spawn(spec.file, spec.args, { name: 'xterm-256color', cols: 120, rows: 30, cwd: spec.cwd, env: spec.env });
  let out = '';
  term.onData((d) => (out += d));
  try {
    term.write(`${command}; echo "__END""__"\r`);
    await waitFor('the command output', () => (out.includes('__END__') ? true : undefined), 20_000);
    return out;
  } finally {
    term.kill('SIGKILL');
  }
}

describe('a terminal on a lab host', () => {
  const labOf = useLab('mini');
  let lab: LabInstance;
  beforeAll(() => {
    lab = labOf();
  });

  it('runs in the host: hostname, address and names of the lab', async () => {
    const r = lab.spawnSpecFor('api');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.spec).toMatchObject({ host: 'api', user: 'root', shell: '/bin/bash', workdir: '/tmp', cwd: '/tmp' });
    const out = await runInTerminal(r.spec, 'echo "host=$(hostname) dir=$PWD"; getent hosts web');
    expect(out).toContain('host=api dir=/tmp');
    expect(out).toContain(`${lab.hosts[0]!.address}`);
  });

  it('reports hostname X on host X', async () => {
    for (const host of ['web', 'prom']) {
      const r = lab.spawnSpecFor(host, { shell: '/bin/sh' });
      if (!r.ok) throw new Error(r.message);
      const out = await runInTerminal(r.spec, 'echo "I am $(hostname)"');
      expect(out).toContain(`I am ${host}`);
    }
  });

  it("gives root a home of the host's own, whose prompt names the host, not the machine's /root", async () => {
    const r = lab.spawnSpecFor('web', { workdir: '/tmp' });
    if (!r.ok) throw new Error(r.message);
    const out = await runInTerminal(r.spec, 'echo "home=$HOME"');
    // Its sandbox mounts the host's own home at /root.
    expect(out).toContain('home=/root');
    expect(out).toContain('root@web:/tmp#');
  });

  it('runs as an allowed non-root user when asked', async () => {
    const r = lab.spawnSpecFor('web', { user: 'nobody', shell: '/bin/sh', workdir: '/' });
    if (!r.ok) throw new Error(r.message);
    const out = await runInTerminal(r.spec, 'echo "uid=$(id -u)"');
    expect(out).toContain('uid=65534');
  });

  it('carries the lab environment and nothing of the gateway', () => {
    process.env.PBC_GATEWAY_SECRET = 'x';
    try {
      const r = lab.spawnSpecFor('web');
      if (!r.ok) throw new Error(r.message);
      expect(r.spec.env.TERM).toBe('xterm-256color');
      expect(r.spec.env.GREETING).toBe('hello-from-mini');
      expect(r.spec.env.HOME).toBe('/root');
      expect(r.spec.env.PBC_GATEWAY_SECRET).toBeUndefined();
    } finally {
      delete process.env.PBC_GATEWAY_SECRET;
    }
  });

  it('refuses an unknown host with a message listing the hosts', () => {
    expect(lab.spawnSpecFor('db')).toEqual({ ok: false, code: 'PB_UNKNOWN_TARGET', message: 'No host "db" in lab mini; its hosts are: web, api, prom' });
  });

  it('refuses users, shells and workdirs the lab does not allow', () => {
    expect(lab.spawnSpecFor('web', { user: 'daemon' })).toMatchObject({ ok: false, code: 'PB_TARGET_REFUSED', message: expect.stringContaining('allowed: root, nobody') });
    expect(lab.spawnSpecFor('web', { shell: '/usr/bin/python3' })).toMatchObject({ ok: false, code: 'PB_TARGET_REFUSED' });
    expect(lab.spawnSpecFor('web', { workdir: '/etc' })).toMatchObject({ ok: false, code: 'PB_TARGET_REFUSED' });
  });

  it('is what the lab resolver answers for a terminal request', async () => {
    const r = await lab.resolver.resolve({ target: 'api', shell: '/bin/sh' }, { owner: 'test' });
    expect(r).toMatchObject({ ok: true, spec: { host: 'api', shell: '/bin/sh' } });
  });
});
