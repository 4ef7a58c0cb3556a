/**
 * A lab's tasks (`labs/<lab>/tasks.yaml`, schema in taskSchema.ts): loading them (every error of the
 * file at once, with file:line:column) and running a task's check or solution on a host of an instance.
 * Both run through the instance's `exec`: inside the host's sandbox and the instance's cgroup, with a
 * time limit and a bound on the output kept. Like challenges.yaml, the file is hidden from the hosts'
 * sandboxes (sandbox.ts), so a learner's shell cannot read the checks or the solutions.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { DefinitionError, SourcePosition } from '../definitions/definitionError.ts';
import type { DefinitionPath } from '../definitions/yamlSource.ts';
import { fileError, loadDefinition } from '../definitions/loadDefinition.ts';
import { PROJECT_DIR } from './loadLab.ts';
import { taskSetSchema, type TaskSpec } from './taskSchema.ts';
import type { LabInstance } from './types.ts';

export const TASKS_FILE = 'tasks.yaml';

export const TaskRunLimits = {
  /** Characters kept of a check's stdout and of its stderr: a verdict needs a line or two, not a log. */
  MAX_OUTPUT_CHARS: 16 * 1024,
  /** The excerpt of the output a learner sees: its last characters. */
  EXCERPT_CHARS: 2000,
} as const;

export type Task = TaskSpec;

export interface TaskSet {
  lab: string;
  file: string;
  tasks: Task[];
  byId: Map<string, Task>;
  /** Where a part of a task is written (`['check']`; the task's own entry when the path is empty). */
  positionOf(id: string, path?: DefinitionPath): SourcePosition;
}

export type TaskLoadResult = { ok: true; set: TaskSet } | { ok: false; errors: DefinitionError[] };

/** `lab` is a lab name under labs/, a directory, or a path to a YAML file. */
export function tasksFileFor(lab: string, projectDir = PROJECT_DIR): string {
  if (lab.endsWith('.yaml') || lab.endsWith('.yml')) return path.resolve(lab);
  if (lab.includes('/')) return path.resolve(lab, TASKS_FILE);
  return path.join(projectDir, 'labs', lab, TASKS_FILE);
}

/** The lab's tasks; a lab without a tasks file has none (an empty set, not an error). */
export async function loadTasks(lab: string, projectDir = PROJECT_DIR): Promise<TaskLoadResult> {
  const file = tasksFileFor(lab, projectDir);
  const shown = path.relative(process.cwd(), file) || file;
  if (!existsSync(file)) return { ok: true, set: emptyTaskSet(path.basename(path.dirname(file)), file) };
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { ok: false, errors: [fileError(shown, `cannot read: ${(err as Error).message}`)] };
  }
  return parseTasks(text, file, shown);
}

export function emptyTaskSet(lab: string, file: string): TaskSet {
  return { lab, file, tasks: [], byId: new Map(), positionOf: () => ({ file, line: 1, column: 1 }) };
}

export function parseTasks(text: string, file: string, shown = file): TaskLoadResult {
  const r = loadDefinition(text, shown, taskSetSchema);
  if (!r.ok) return { ok: false, errors: r.errors };
  const tasks = r.value.tasks;
  const index = new Map(tasks.map((t, i) => [t.id, i]));
  return {
    ok: true,
    set: {
      lab: path.basename(path.dirname(file)),
      file,
      tasks,
      byId: new Map(tasks.map((t) => [t.id, t])),
      positionOf: (id, at = []) => {
        const i = index.get(id);
        return { file: shown, ...r.source.positionOf(i === undefined ? [] : ['tasks', i, ...at]) };
      },
    },
  };
}

export interface TaskRun {
  /** The command exited 0 within its time. */
  ok: boolean;
  exitCode: number;
  /** Stopped at the task's timeout. */
  timedOut: boolean;
  /** The end of its output, stdout then stderr (at most TaskRunLimits.EXCERPT_CHARS). */
  output: string;
  durationMs: number;
}

/** Runs the task's check on its host: `holds` is `ok`. */
export function runTaskCheck(instance: LabInstance, task: Task): Promise<TaskRun> {
  return runOnHost(instance, task, task.check);
}

/** Runs the task's solution on its host (lesson validation), as one shell script stopping at the first failure. */
export function runTaskSolution(instance: LabInstance, task: Task): Promise<TaskRun> {
  return runOnHost(instance, task, `set -e\n${task.solution}`);
}

async function runOnHost(instance: LabInstance, task: Task, script: string): Promise<TaskRun> {
  const timeoutMs = task.timeout * 1000;
  const t0 = performance.now();
  const r = await instance.exec(task.host, ['/bin/sh', '-c', script], { timeoutMs, maxOutputChars: TaskRunLimits.MAX_OUTPUT_CHARS });
  const durationMs = performance.now() - t0;
  // runCommand kills a command over its time with SIGKILL (exit 137).
  const timedOut = r.exitCode === 137 && durationMs >= timeoutMs;
  const both = [r.stdout, r.stderr].filter((s) => s.trim() !== '').join(r.stdout.endsWith('\n') ? '' : '\n');
  const output = both.length > TaskRunLimits.EXCERPT_CHARS ? `…${both.slice(-TaskRunLimits.EXCERPT_CHARS)}` : both;
  return { ok: r.exitCode === 0, exitCode: r.exitCode, timedOut, output, durationMs };
}
