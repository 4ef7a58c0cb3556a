/**
 * Tasks checked on a host, through the real gateway on real instances of the `mini` fixture lab (its
 * tasks.yaml: a per-network-namespace sysctl on the web host): a learner's check fails with the hint,
 * holds once the task's solution has run on their own instance, and a second learner's instance is
 * untouched (their check still fails). Progress is kept as `task:<id>`, the solution is given only
 * after a check, and the hosts cannot read tasks.yaml.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { GatewayLab } from '../../src/server/gatewayLab.ts';
import type { Database } from '../../src/server/database.ts';
import { startClassroomGateway, type ClassroomGateway } from '../helpers/classroomGateway.ts';
import { loadTasks } from '../../src/lab/tasks.ts';
import type { TaskCheckResponse, TaskDetail, TaskRevealResponse } from '../../src/protocol/tasks.ts';
import { ProgressStore } from '../../src/server/progressStore.ts';
import type { ApiError } from '../../src/protocol/errors.ts';
import { learnerIdOf, type TestGateway } from '../helpers/gateway.ts';
import { FIXTURES, waitFor } from '../lab/helpers.ts';

const PREFIX = 'pbtk';
const HOUR = 3_600_000;
const TASK = 'close-timeout';

let classroom: ClassroomGateway | null = null;
let db: Database;
let lab: GatewayLab;
let gw: TestGateway | null = null;

afterAll(async () => {
  await classroom?.close();
});

async function call<T>(cookie: string, method: 'GET' | 'POST', path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${gw!.url}${path}`, { method, headers: { cookie } });
  return { status: res.status, body: (await res.json()) as T };
}

/** A check, retried while the learner's instance is still starting (503: the pool says so). */
async function check(cookie: string): Promise<TaskCheckResponse> {
  return waitFor(
    'a task check on a ready instance',
    async () => {
      const r = await call<TaskCheckResponse | ApiError>(cookie, 'POST', `/api/tasks/${TASK}/check`);
      if (r.status === 503) return undefined;
      expect(r.status).toBe(200);
      return r.body as TaskCheckResponse;
    },
    60_000,
  );
}

describe('tasks checked on a host', () => {
  it("fail before the solution, hold after it on the learner's own instance only, and keep progress as task:<id>", async () => {
    classroom = await startClassroomGateway({
      prefix: PREFIX,
      lab: join(FIXTURES, 'mini'),
      tunables: { maxInstances: 2, warm: 0, idleMs: HOUR, warnMs: 60_000, maxLifetimeMs: 8 * HOUR },
    });
    ({ gw, lab, db } = classroom);
    const a = gw.cookie;
    const b = await gw.newCookie();
    const loaded = await loadTasks(join(FIXTURES, 'mini'));
    const task = loaded.ok ? (loaded.set.byId.get(TASK) ?? null) : null;
    expect(task).not.toBeNull();

    // Unknown ids, and the solution before any check, are refused.
    expect((await call<ApiError>(a, 'POST', '/api/tasks/no-such-task/check')).body).toMatchObject({ statusCode: 404, code: 'PB_UNKNOWN_TASK' });
    expect((await call<ApiError>(a, 'POST', `/api/tasks/${TASK}/reveal`)).body).toMatchObject({ statusCode: 409, code: 'PB_TASK_REVEAL_LOCKED' });
    const fresh = await call<TaskDetail>(a, 'GET', `/api/tasks/${TASK}`);
    expect(fresh.body).toMatchObject({ id: TASK, host: 'web', passed: false, revealable: false });
    expect(fresh.body.solution).toBeUndefined();

    // Both learners' checks fail, with the author's hint.
    const before = await check(a);
    expect(before).toMatchObject({ taskId: TASK, holds: false, hint: task!.hint, exitCode: 1, timedOut: false, revealable: true });
    expect((await check(b)).holds).toBe(false);

    // After a failed check the solution may be shown.
    const revealed = await call<TaskRevealResponse>(a, 'POST', `/api/tasks/${TASK}/reveal`);
    expect(revealed.body).toEqual({ taskId: TASK, solution: task!.solution });

    // The solution, run on learner a's own instance: a's check holds, b's instance is untouched.
    const instanceA = lab.labs!.pool.instanceOf(learnerIdOf(a))!;
    const instanceB = lab.labs!.pool.instanceOf(learnerIdOf(b))!;
    expect(instanceA.id).not.toBe(instanceB.id);
    const ran = await instanceA.exec('web', ['/bin/sh', '-c', task!.solution]);
    expect(ran.exitCode, ran.stderr).toBe(0);
    const after = await check(a);
    expect(after).toMatchObject({ holds: true, exitCode: 0 });
    expect(after.hint).toBeUndefined();
    expect((await check(b)).holds).toBe(false);

    // Progress: attempts and passes under task:<id>, in the challenges' table, which the instructor's roster reads.
    const progress = new ProgressStore(db);
    expect((await progress.get(learnerIdOf(a)))[`task:${TASK}`]).toMatchObject({ passed: true, attempts: 2, revealed: true });
    expect((await progress.get(learnerIdOf(b)))[`task:${TASK}`]).toMatchObject({ passed: false, attempts: 2, revealed: false });
    expect(lab.roster!.get(learnerIdOf(a))!.progress).toMatchObject({ tried: 1, passed: 1, attempts: 2, reveals: 1 });
    expect(lab.roster!.get(learnerIdOf(b))!.progress).toMatchObject({ tried: 1, passed: 0, attempts: 2, reveals: 0 });
    expect((await call<TaskDetail>(a, 'GET', `/api/tasks/${TASK}`)).body).toMatchObject({ passed: true, solution: task!.solution });

    // The hosts cannot read the checks and solutions (as for challenges.yaml); the lab's other files they can.
    const seen = await instanceA.exec('web', ['/bin/sh', '-c', '{ cat /opt/patchbay/labs/mini/tasks.yaml 2>/dev/null || true; } | wc -c; grep -c . /opt/patchbay/labs/mini/lab.yaml']);
    expect(seen.stdout, seen.stderr).toMatch(/^0\n[1-9]\d*\n$/);
  });
});
