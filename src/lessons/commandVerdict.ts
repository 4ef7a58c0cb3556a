/**
 * Whether a command's outcome is what its lesson expects: exit status (of every stage of a pipeline, by
 * the rules the run button in the page uses too, src/protocol/commandExpectation.ts), timeout, or a
 * shell that ended.
 */
import { exitProblem } from '../protocol/commandExpectation.ts';
import type { CommandStep } from './lessonPlan.ts';
import type { CommandOutcome } from './lessonTerminal.ts';

/** Null when the outcome is what the lesson expects; else why not, in one line. */
export function judge(outcome: CommandOutcome, step: Pick<CommandStep, 'expect' | 'allowPipeFailure'>, timeoutMs: number): string | null {
  switch (outcome.kind) {
    case 'exited': {
      const problem = exitProblem(outcome, { expect: step.expect, ...(step.allowPipeFailure && { allowPipeFailure: true }) });
      // A stage that failed before the last one is the case authors meet unawares: say how to allow it.
      if (problem?.startsWith('pipeline stage') && step.expect.kind === 'code' && step.expect.code === 0) {
        return `${problem} (a failing stage fails the pipeline; mark the command allowPipeFailure if that stage may fail)`;
      }
      return problem;
    }
    case 'timeout':
      return `did not finish within ${timeoutMs / 1000} s${outcome.interrupted ? ' (interrupted with Ctrl-C)' : '; Ctrl-C did not bring the prompt back'}`;
    case 'shell-ended':
      return `the shell ended: ${outcome.reason}`;
  }
}
