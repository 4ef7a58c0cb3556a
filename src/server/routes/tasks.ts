/**
 * HTTP routes of the task API (wire contract: src/protocol/tasks.ts): a task's detail, its check on a
 * host of the learner's own lab instance, and its solution after a failed check. Thin: running the
 * check is src/lab/tasks.ts (the instance's exec: its sandbox, its cgroup, a time limit, bounded
 * output); progress goes to the challenges' ProgressStore under `task:<id>`, so GET /api/progress and
 * the instructor's roster show it.
 *
 *   taskRoutes({ set, instance: (learner) => labs.instanceFor(learner, CHECK), progress })
 */
import { taskProgressId, TaskApiLimits, TASKS_PATH, type TaskCheckResponse, type TaskDetail, type TaskRevealResponse } from '../../protocol/tasks.ts';
import type { HttpErrorCode } from '../../protocol/errors.ts';
import { runTaskCheck, type Task, type TaskSet } from '../../lab/tasks.ts';
import type { LabInstance } from '../../lab/types.ts';
import type { ProgressStore, SessionProgress } from '../progressStore.ts';
import type { Route, RouteContext } from '../Route.ts';

/** The learner's own instance, or why there is none to check on (not ready, queued, reclaimed). */
export type TaskInstance = { ok: true; instance: LabInstance } | { ok: false; code: HttpErrorCode; message: string };

export interface TaskRoutesOptions {
  /** The lab's tasks, or a function giving the current ones (null: none loaded). */
  set: TaskSet | (() => TaskSet | null);
  /** The instance a learner's checks run on (learnerLabs: their own; `patchbay dev`: the one lab). */
  instance: (learner: string) => Promise<TaskInstance>;
  progress: ProgressStore;
}

export function taskRoutes(options: TaskRoutesOptions): Route[] {
  const { progress } = options;
  const given = options.set;
  const currentSet = typeof given === 'function' ? given : () => given;
  const inFlight = new Set<string>();

  const find = (ctx: RouteContext): Task | null => {
    const set = currentSet();
    const task = set?.byId.get(ctx.params.id ?? '');
    if (!task) ctx.sendError('PB_UNKNOWN_TASK', ctx.params.id ?? '');
    return task ?? null;
  };
  const mine = (p: SessionProgress, task: Task) => p[taskProgressId(task.id)];
  // As for challenges: once checked (a check that failed, in practice: one that held needs no solution).
  const revealable = (p: SessionProgress, task: Task) => (mine(p, task)?.attempts ?? 0) > 0;

  return [
    {
      method: 'GET',
      path: `${TASKS_PATH}/:id`,
      handler: async (_req, _res, ctx) => {
        const task = find(ctx);
        if (!task) return;
        const p = await progress.get(ctx.sessionId);
        const m = mine(p, task);
        const detail: TaskDetail = {
          id: task.id,
          title: task.title,
          lesson: task.lesson,
          ...(task.prompt && { prompt: task.prompt }),
          host: task.host,
          passed: m?.passed ?? false,
          revealable: revealable(p, task),
          ...(m?.revealed && { solution: task.solution }),
        };
        ctx.sendJson(200, detail);
      },
    },
    {
      method: 'POST',
      path: `${TASKS_PATH}/:id/check`,
      handler: async (_req, _res, ctx) => {
        const task = find(ctx);
        if (!task) return;
        if (inFlight.has(ctx.sessionId)) return ctx.sendError('PB_TOO_MANY_CHECKS', String(TaskApiLimits.MAX_CHECKS_PER_SESSION));
        inFlight.add(ctx.sessionId);
        try {
          const got = await options.instance(ctx.sessionId);
          if (!got.ok) return ctx.sendError(got.code, got.message);
          const run = await runTaskCheck(got.instance, task);
          const after = await progress.recordAttempt(ctx.sessionId, taskProgressId(task.id), run.ok);
          ctx.sendJson(200, {
            taskId: task.id,
            holds: run.ok,
            ...(!run.ok && { hint: task.hint }),
            exitCode: run.exitCode,
            timedOut: run.timedOut,
            output: run.output,
            revealable: after.attempts > 0,
          } satisfies TaskCheckResponse);
        } finally {
          inFlight.delete(ctx.sessionId);
        }
      },
    },
    {
      method: 'POST',
      path: `${TASKS_PATH}/:id/reveal`,
      handler: async (_req, _res, ctx) => {
        const task = find(ctx);
        if (!task) return;
        const p = await progress.get(ctx.sessionId);
        if (!revealable(p, task)) return ctx.sendError('PB_TASK_REVEAL_LOCKED', task.id);
        await progress.markRevealed(ctx.sessionId, taskProgressId(task.id));
        ctx.sendJson(200, { taskId: task.id, solution: task.solution } satisfies TaskRevealResponse);
      },
    },
  ];
}
