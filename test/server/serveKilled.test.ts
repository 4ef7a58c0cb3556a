/**
 * A spawned `patchbay serve` with a lab per learner, SIGKILLed: started again on the same port with the
 * same database and secrets, the learner's session still works (sessions are in the database), their
 * progress is kept, and they get a lab again. The killed gateway's instances are cleaned by the next.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ProcessCgroup } from '../../src/terminal/ProcessCgroup.ts';
import { cleanStaleInstances } from '../../src/lab/startLab.ts';
import { listInstances } from '../../src/lab/instanceState.ts';
import type { CheckResponse, ProgressResponse } from '../../src/protocol/challenges.ts';
import type { LearnerLabStatus } from '../../src/protocol/learnerLab.ts';
import { onLoopbackIp, printedSignInUrl, signIn } from '../helpers/gateway.ts';
import { FIXTURES, waitFor } from '../lab/helpers.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const PREFIX = 'pbk';
const dir = mkdtempSync(join(tmpdir(), `${PREFIX}-serve-`));
const cgroupParent = `${PREFIX}-${randomBytes(4).toString('hex')}`;
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await cleanStaleInstances(dir, PREFIX);
  await ProcessCgroup.at(cgroupParent)?.killAll();
  rmSync(dir, { recursive: true, force: true });
});

function serve(port: number): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['bin/patchbay.mjs', 'serve', '--lab', join(FIXTURES, 'ported'), '--port', String(port), '--site-dir', dir], {
    cwd: REPO,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      PATCHBAY_DATABASE: join(dir, 'patchbay.db'),
      PATCHBAY_AUTH_DIR: join(dir, 'auth'),
      PATCHBAY_RUNTIME_DIR: dir,
      PATCHBAY_PREFIX: PREFIX,
      PATCHBAY_CGROUP_PARENT: cgroupParent,
      PATCHBAY_POOL_MAX_INSTANCES: '2',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

describe('patchbay serve killed', () => {
  it('keeps sessions and progress across a SIGKILL, and gives the learner a lab again', async () => {
    const first = serve(0);
    const port = Number(await waitFor('the URL', () => /serving on http:\/\/localhost:(\d+)/.exec(first.output())?.[1], 60_000));
    const base = `http://127.0.0.1:${port}`;
    // The sign-in link is printed after the serving line, maybe in a later chunk of output.
    const link = await waitFor('the sign-in link', () => printedSignInUrl(first.output()) ?? undefined, 10_000);
    const cookie = await signIn(onLoopbackIp(link));
    const check = async () => {
      const res = await fetch(`${base}/api/challenges/web-up/check`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ query: 'up{job="web"}' }) });
      return (await res.json()) as CheckResponse;
    };
    // The check is first need: it gets the learner an instance; Prometheus needs a scrape or two first.
    await waitFor('a passing check', async () => ((await check()).passed ? true : undefined), 60_000);
    const lab = (await (await fetch(`${base}/api/lab`, { headers: { cookie } })).json()) as LearnerLabStatus;
    expect(lab).toMatchObject({ phase: 'ready' });

    first.child.kill('SIGKILL');
    await first.exited;

    const second = serve(port);
    await waitFor('the URL again', () => (/serving on http:\/\/localhost:\d+/.test(second.output()) ? true : undefined), 60_000);
    // The old cookie is still a session (sessions are in the database); the progress is there.
    const progress = (await (await fetch(`${base}/api/progress`, { headers: { cookie } })).json()) as ProgressResponse;
    expect(progress.challenges['web-up']).toMatchObject({ passed: true });
    expect(progress.challenges['web-up']!.attempts).toBeGreaterThanOrEqual(1);
    // The learner's lab went with the killed gateway; the new one gives them a new instance.
    const again = (await (await fetch(`${base}/api/lab`, { method: 'POST', headers: { cookie } })).json()) as LearnerLabStatus;
    expect(again.phase).not.toBe('none');
    const ready = await waitFor('a lab again', async () => {
      const s = (await (await fetch(`${base}/api/lab`, { headers: { cookie } })).json()) as LearnerLabStatus;
      return s.phase === 'ready' ? s : undefined;
    }, 60_000);
    expect(ready.instance).not.toBe(lab.instance);
    // The killed gateway's instance is gone: only the new gateway's are left.
    expect(listInstances(dir).map((r) => r.id)).not.toContain(lab.instance);

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(listInstances(dir)).toEqual([]);
  }, 240_000);
});
