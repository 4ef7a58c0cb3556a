/**
 * Wire contract of the task API (tasks checked on a host of the learner's own lab), shared by the
 * gateway (src/server/routes/tasks.ts) and the browser (<Task>). Shapes and bounds only.
 *
 * Routes (all JSON; errors use the ApiError shape of ./errors.ts):
 * - GET  /api/tasks/:id           → TaskDetail (no solution unless revealed)
 * - POST /api/tasks/:id/check     → TaskCheckResponse (PB_UNKNOWN_TASK: 404; a check already running for
 *                                   the session: 429 PB_TOO_MANY_CHECKS)
 * - POST /api/tasks/:id/reveal    → TaskRevealResponse; only after a failed check, else 409 PB_TASK_REVEAL_LOCKED
 *
 * Progress is kept with the challenges' (GET /api/progress, the instructor's roster) under the id
 * `task:<id>` (taskProgressId): attempts are checks, passes checks that held, reveals solutions shown.
 */

export const TASKS_PATH = '/api/tasks';

export function taskPath(id: string): string {
  return `${TASKS_PATH}/${encodeURIComponent(id)}`;
}
export function taskCheckPath(id: string): string {
  return `${taskPath(id)}/check`;
}
export function taskRevealPath(id: string): string {
  return `${taskPath(id)}/reveal`;
}

/** The key of a task in the learner's progress (beside challenge ids, which never contain `:`). */
export function taskProgressId(id: string): string {
  return `task:${id}`;
}

export const TaskApiLimits = {
  /** Checks one session may have running at once: one; a second press waits for the first's answer. */
  MAX_CHECKS_PER_SESSION: 1,
} as const;

export interface TaskDetail {
  id: string;
  title: string;
  /** Lesson doc id. */
  lesson: string;
  /** Plain text with `code` in backticks, or absent. */
  prompt?: string;
  /** The host the check runs on. */
  host: string;
  passed: boolean;
  /** A check has failed before: the solution may be asked for. */
  revealable: boolean;
  /** Present once revealed. */
  solution?: string;
}

export interface TaskCheckResponse {
  taskId: string;
  /** The check exited 0 on the learner's own lab. */
  holds: boolean;
  /** The author's hint, when it does not hold. */
  hint?: string;
  /** The check's exit status (137 when stopped at its time limit). */
  exitCode: number;
  timedOut: boolean;
  /** The end of the check's output (a few lines at most). */
  output: string;
  revealable: boolean;
}

export interface TaskRevealResponse {
  taskId: string;
  solution: string;
}
