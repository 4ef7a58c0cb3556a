/**
 * What must hold for a task to be fair, checked on the lab the lesson runs on: its check fails before
 * its solution (else it cannot tell a learner who did the task from one who did not), the solution
 * runs, and the check holds after it. Reported as a challenge's checks are, each pointing at the line
 * of tasks.yaml to fix.
 */
import { runTaskCheck, runTaskSolution, type Task, type TaskRun } from '../lab/tasks.ts';
import type { LabInstance } from '../lab/types.ts';
import type { SourcePosition } from '../definitions/definitionError.ts';
import type { DefinitionPath } from '../definitions/yamlSource.ts';
import type { ChallengeCheck } from './challengeAssertions.ts';

export async function assertTask(task: Task, instance: LabInstance, positionOf: (path: DefinitionPath) => SourcePosition): Promise<ChallengeCheck[]> {
  const checks: ChallengeCheck[] = [];
  const before = await runTaskCheck(instance, task);
  checks.push(
    before.ok
      ? { ok: false, label: 'the check holds before the solution', detail: 'it cannot tell a learner who did the task from one who did not (or an earlier step already did it)', at: positionOf(['check']) }
      : { ok: true, label: `check fails before the solution: ${runWords(before)}`, at: positionOf(['check']) },
  );
  const solution = await runTaskSolution(instance, task);
  checks.push(
    solution.ok
      ? { ok: true, label: 'solution runs', at: positionOf(['solution']) }
      : { ok: false, label: 'the solution fails', detail: withOutput(runWords(solution), solution), at: positionOf(['solution']) },
  );
  if (!solution.ok) return checks;
  const after = await runTaskCheck(instance, task);
  checks.push(
    after.ok
      ? { ok: true, label: 'check holds after the solution', at: positionOf(['check']) }
      : { ok: false, label: 'the check fails after the solution', detail: withOutput(runWords(after), after), at: positionOf(['check']) },
  );
  return checks;
}

function runWords(r: TaskRun): string {
  return r.timedOut ? `stopped after its timeout` : `exit ${r.exitCode}`;
}

function withOutput(words: string, r: TaskRun): string {
  const last = r.output.trim().split('\n').slice(-3).join(' / ');
  return last ? `${words}: ${last}` : words;
}
