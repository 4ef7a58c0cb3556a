/**
 * What a lesson's `<Command>` says "worked" means, and whether a finished command did what it says:
 * the run button in the page and lesson validation judge a command's prompt mark (./promptMarks.ts)
 * by these same rules.
 *
 * A pipeline fails when any of its stages fails, as under bash's `pipefail`: `curl … | grep x` whose
 * curl failed has failed even when grep exits 0. `allowPipeFailure` judges the last stage alone (for
 * `grep -q` closing the pipe early, which makes curl exit 23); `expectExit={N}` and `expectFail` judge
 * the pipeline's status, so a pipeline meant to fail keeps using them.
 */

/** `expectExit={N}`: exactly N; `expectFail`: any non-zero; neither: 0. */
export type ExpectedExit = { kind: 'code'; code: number } | { kind: 'nonzero' };

export interface CommandExpectation {
  expect: ExpectedExit;
  /** `allowPipeFailure`: an earlier stage of the pipeline may fail without failing the command. */
  allowPipeFailure?: boolean;
}

/** How a command ended, as its D mark says: `$?` and, when the shell reports them, its pipeline's stages. */
export interface CommandExit {
  exitCode: number;
  pipeStatus?: readonly number[];
}

export const SUCCESS: ExpectedExit = { kind: 'code', code: 0 };

/**
 * The pipeline's status as `pipefail` counts it: the last stage that failed, else 0. A negated pipeline
 * (`! a | b`) shows as a `$?` that differs from its last stage; negation then applies to that status.
 */
export function pipelineStatus(end: CommandExit): number {
  const stages = end.pipeStatus;
  if (!stages || stages.length < 2) return end.exitCode;
  const last = lastFailedStage(stages);
  const failed = last === null ? 0 : stages[last]!;
  const negated = end.exitCode !== stages[stages.length - 1];
  if (!negated) return failed;
  return failed === 0 ? 1 : 0;
}

/** Null when the command ended as expected; else why not, in a few words ("exited with status 1"). */
export function exitProblem(end: CommandExit, expectation: CommandExpectation): string | null {
  const status = expectation.allowPipeFailure ? end.exitCode : pipelineStatus(end);
  const e = expectation.expect;
  if (e.kind === 'nonzero') return status !== 0 ? null : 'exited with 0, but the lesson marks it as expected to fail (expectFail)';
  if (status === e.code) return null;
  const stages = end.pipeStatus ?? [];
  const stage = status !== end.exitCode ? lastFailedStage(stages) : null;
  // The stage that decided the status, when it was not the last: "pipeline stage 1 of 2 exited with status 23".
  const how = stage !== null ? `pipeline stage ${stage + 1} of ${stages.length} exited with status ${status}` : `exited with status ${status}`;
  return e.code === 0 ? how : `${how}, expected ${e.code} (expectExit)`;
}

function lastFailedStage(stages: readonly number[]): number | null {
  for (let i = stages.length - 1; i >= 0; i--) if (stages[i] !== 0) return i;
  return null;
}
