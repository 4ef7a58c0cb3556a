/** Whether a command's outcome is what its lesson expects: exit status, timeout, or a shell that ended. */
import type { CommandStep } from './lessonPlan.ts';
import type { CommandOutcome } from './lessonTerminal.ts';

/** Null when the outcome is what the lesson expects; else why not, in one line. */
export function judge(outcome: CommandOutcome, step: Pick<CommandStep, 'expect'>, timeoutMs: number): string | null {
  switch (outcome.kind) {
    case 'exited': {
      const e = step.expect;
      if (e.kind === 'nonzero') return outcome.exitCode !== 0 ? null : 'exited with 0, but the lesson marks it as expected to fail (expectFail)';
      if (outcome.exitCode === e.code) return null;
      return e.code === 0 ? `exited with status ${outcome.exitCode}` : `exited with status ${outcome.exitCode}, expected ${e.code} (expectExit)`;
    }
    case 'timeout':
      return `did not finish within ${timeoutMs / 1000} s${outcome.interrupted ? ' (interrupted with Ctrl-C)' : '; Ctrl-C did not bring the prompt back'}`;
    case 'shell-ended':
      return `the shell ended: ${outcome.reason}`;
  }
}
