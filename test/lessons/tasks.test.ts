/**
 * Lesson validation of tasks (tasks.yaml, <Task id>) on small temporary lessons: an unknown id is a
 * reference error at its line (no lab); against one real connections lab (prefix pbxt), a task passes
 * when its check fails before the solution and holds after it, and fails, pointing at its check in
 * tasks.yaml, when an earlier step already did what it asks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLabWithCleanHome, type LabWithCleanHome } from '../helpers/labWithCleanHome.ts';
import { loadTasks } from '../../src/lab/tasks.ts';
import { runLessons } from '../../src/lessons/runLessons.ts';
import type { RunReport, StepResult } from '../../src/lessons/report.ts';

const LAB = 'connections';
const PREFIX = 'pbxt';
const TASK = 'ingress-breaker-five';
const VISOR = `<TerminalVisor>
  <Terminal target="tools" shell="/bin/bash" workdir="/root" user="root" id="tools" name="Tools"/>
</TerminalVisor>
`;
const RESET = `<TerminalRunCommand target="tools">\n  <Command>labctl breaker ingress --reset</Command>\n</TerminalRunCommand>\n`;

let lessonsDir = '';
const lesson = (name: string, body: string): string => {
  const file = join(lessonsDir, name);
  writeFileSync(file, body);
  return file;
};
const steps = (report: RunReport): StepResult[] => report.lessons.flatMap((l) => l.steps);
const taskStep = (report: RunReport) => steps(report).find((s) => s.label === `task ${TASK}`);

beforeAll(() => {
  lessonsDir = mkdtempSync(join(tmpdir(), `${PREFIX}-lessons-`));
});
afterAll(() => {
  rmSync(lessonsDir, { recursive: true, force: true });
});

describe('tasks in lesson validation', () => {
  it('reports a <Task> the lab does not define at its line, before any lab starts', async () => {
    const file = lesson('unknown-task.mdx', `# Unknown task\n\n<Task id="ingress-breaker-fiv"/>\n`);
    const report = await runLessons({ files: [file], lab: LAB, offline: true, prefix: PREFIX });
    const failed = steps(report).filter((s) => s.status === 'fail');
    expect(failed.map((f) => f.reasons?.[0])).toEqual([`${file}:3:1: task "ingress-breaker-fiv" is not defined by the lab's tasks.yaml (did you mean "${TASK}"?)`]);
  });

  describe('against a live connections lab', () => {
    let lab: LabWithCleanHome | undefined;

    beforeAll(async () => {
      lab = await startLabWithCleanHome(LAB, PREFIX);
    }, 120_000);

    afterAll(async () => {
      await lab?.stop();
    });

    const run = (file: string) => runLessons({ files: [file], lab: LAB, prefix: PREFIX, instance: lab!.instance });

    it('passes a task whose check fails before its solution and holds after it', async () => {
      const file = lesson('good-task.mdx', `# Good task\n\n${VISOR}\n<Task id="${TASK}"/>\n\n${RESET}`);
      const report = await run(file);
      const step = taskStep(report);
      expect(step, JSON.stringify(steps(report), null, 1)).toMatchObject({ status: 'pass', at: { file, line: 7, column: 1 } });
      expect(step!.checks!.map((c) => [c.ok, c.label])).toEqual([
        [true, 'check fails before the solution: exit 1'],
        [true, 'solution runs'],
        [true, 'check holds after the solution'],
      ]);
    }, 240_000);

    it('fails a task an earlier step already did, at the line of its check in tasks.yaml', async () => {
      const file = lesson(
        'done-already.mdx',
        `# Done already\n\n${VISOR}\n<TerminalRunCommand target="tools">\n  <Command>labctl breaker ingress --max-connections 5</Command>\n</TerminalRunCommand>\n\n<Task id="${TASK}"/>\n\n${RESET}`,
      );
      const loaded = await loadTasks(LAB);
      if (!loaded.ok) throw new Error('tasks.yaml has errors');
      const report = await run(file);
      const step = taskStep(report);
      expect(step?.status).toBe('fail');
      const [before] = step!.checks!;
      expect(before).toMatchObject({ ok: false, label: 'the check holds before the solution', at: { line: loaded.set.positionOf(TASK, ['check']).line } });
      expect(before!.at!.file).toMatch(/labs\/connections\/tasks\.yaml$/);
    }, 240_000);
  });
});
